#include "caapol/dns/server.hpp"

#include "caapol/core/text.hpp"

#include <arpa/inet.h>
#include <fstream>
#include <sstream>

namespace caapol::dns {

namespace {
bool is_ipv4(const std::string& s) {
    in_addr a{};
    return inet_pton(AF_INET, s.c_str(), &a) == 1;
}
bool is_ipv6(const std::string& s) {
    in6_addr a{};
    return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}
} // namespace

std::string Server::display() const {
    return address + "@" + std::to_string(port);
}

std::optional<Server> parse_server(std::string_view text, std::uint16_t default_port,
                                   std::string* error) {
    std::string address(text);
    std::string port_text;
    if (!address.empty() && address.front() == '[') {
        auto close = address.find(']');
        if (close == std::string::npos) {
            *error = "missing ']' in '" + text::escape_for_terminal(text) + "'";
            return std::nullopt;
        }
        std::string rest = address.substr(close + 1);
        address = address.substr(1, close - 1);
        if (!rest.empty()) {
            if (rest[0] != '@' && rest[0] != ':') {
                *error = "unexpected text after ']' in '" + text::escape_for_terminal(text) + "'";
                return std::nullopt;
            }
            port_text = rest.substr(1);
            if (port_text.empty()) {
                *error = "missing port in '" + text::escape_for_terminal(text) + "'";
                return std::nullopt;
            }
        }
    } else if (auto at = address.rfind('@'); at != std::string::npos) {
        port_text = address.substr(at + 1);
        address.resize(at);
        if (port_text.empty()) {
            *error = "missing port after '@' in '" + text::escape_for_terminal(text) + "'";
            return std::nullopt;
        }
    }
    Server server;
    server.port = default_port;
    if (!port_text.empty()) {
        unsigned long port = 0;
        for (char c : port_text) {
            if (c < '0' || c > '9' || port > 65535) {
                port = 70000;
                break;
            }
            port = port * 10 + static_cast<unsigned long>(c - '0');
        }
        if (port == 0 || port > 65535) {
            *error = "invalid port '" + text::escape_for_terminal(port_text) + "' (1-65535)";
            return std::nullopt;
        }
        server.port = static_cast<std::uint16_t>(port);
    }
    if (!is_ipv4(address) && !is_ipv6(address)) {
        // ADDRESS:PORT is refused, not guessed: with IPv6 the colon is ambiguous, and one
        // notation for every address keeps scripts portable between both families.
        if (auto colon = address.find(':'); port_text.empty() && colon != std::string::npos &&
                                            address.find(':', colon + 1) == std::string::npos &&
                                            is_ipv4(address.substr(0, colon))) {
            *error = "'" + text::escape_for_terminal(address) + "': write the port after '@': " +
                     text::escape_for_terminal(address.substr(0, colon)) + "@" +
                     text::escape_for_terminal(address.substr(colon + 1));
            return std::nullopt;
        }
        *error =
            "'" + text::escape_for_terminal(address) + "' is not a numeric IPv4 or IPv6 address";
        return std::nullopt;
    }
    server.address = address;
    return server;
}

std::vector<Server> read_resolv_conf(const std::string& path) {
    std::vector<Server> servers;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string keyword, address;
        if (!(words >> keyword >> address) || keyword != "nameserver") {
            continue;
        }
        // Link-local scope ids ("fe80::1%eth0") are not supported; skip them.
        std::string error;
        if (auto server = parse_server(address, 53, &error)) {
            servers.push_back(*server);
        }
    }
    return servers;
}

} // namespace caapol::dns
