// DNS servers caapol talks to: "ADDR[@PORT]" (IPv4 or IPv6) and /etc/resolv.conf.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::dns {

struct Server {
    std::string address; // numeric IPv4 or IPv6 address, as written (no brackets)
    std::uint16_t port = 53;
    // "127.0.0.1@5353", "::1@53": the form --resolver accepts and results print.
    std::string display() const;
    bool operator==(const Server&) const = default;
};

// Parses "ADDR", "ADDR@PORT" or "[V6]:PORT"/"[V6]@PORT". On failure returns nullopt and
// sets *error to a sentence.
std::optional<Server> parse_server(std::string_view text, std::uint16_t default_port,
                                   std::string* error);

// The "nameserver" lines of a resolv.conf file (port 53). Unreadable file: empty list.
std::vector<Server> read_resolv_conf(const std::string& path = "/etc/resolv.conf");

} // namespace caapol::dns
