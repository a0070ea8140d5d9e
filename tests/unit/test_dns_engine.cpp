// The engine against a responder on loopback, in a thread of the test: answers are accepted
// only from the address and port asked, whether the server has connected sockets of its own
// or shares the unconnected pools.
#include "caapol/dns/engine.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <cstring>
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>

using namespace caapol;

namespace {

int loopback_socket(std::uint16_t& port) {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0);
    socklen_t length = sizeof address;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
    port = ntohs(address.sin_port);
    return fd;
}

// A query received by a responder: its bytes and where to answer it.
struct Received {
    char wire[512];
    std::size_t size = 0;
    sockaddr_storage from{};
    socklen_t from_length = sizeof from;
};

// The next query of at least a header's size, or false after 5 s without one.
bool receive_query(int server, Received& query) {
    for (;;) {
        pollfd ready{server, POLLIN, 0};
        if (::poll(&ready, 1, 5000) <= 0) {
            return false;
        }
        query.from_length = sizeof query.from;
        ssize_t n = ::recvfrom(server, query.wire, sizeof query.wire, 0,
                               reinterpret_cast<sockaddr*>(&query.from), &query.from_length);
        if (n >= 12) {
            query.size = static_cast<std::size_t>(n);
            return true;
        }
    }
}

// `wire` from `fd` to where `query` came from.
void answer(int fd, const Received& query, std::string_view wire) {
    ::sendto(fd, wire.data(), wire.size(), 0, reinterpret_cast<const sockaddr*>(&query.from),
             query.from_length);
}

// Answers each query (NOERROR, no records) twice: first from `forger`, another port of the
// same address, then from `server`, the one asked. Stops after `queries` queries or 5 s.
void respond(int server, int forger, int queries, std::atomic<int>& answered) {
    Received query;
    for (int seen = 0; seen < queries && receive_query(server, query); ++seen) {
        query.wire[2] = static_cast<char>(query.wire[2] | 0x80); // QR: ID and question echoed
        for (int fd : {forger, server}) {
            answer(fd, query, std::string_view(query.wire, query.size));
        }
        ++answered;
    }
}

// Answers each query twice from the port asked, and never rightly: first to another question
// (the type changed), then with the question's letter case swapped. Stops after `queries`
// queries or 5 s.
void respond_wrongly(int server, int queries, std::atomic<int>& answered) {
    Received query;
    for (int seen = 0; seen < queries && receive_query(server, query); ++seen) {
        // The question: the name from offset 12 to its root label, then QTYPE and QCLASS
        // (an OPT record may follow).
        std::size_t name_end = 12;
        while (name_end < query.size && query.wire[name_end] != 0) {
            name_end += 1 + static_cast<unsigned char>(query.wire[name_end]);
        }
        if (name_end + 4 >= query.size) {
            continue;
        }
        query.wire[2] = static_cast<char>(query.wire[2] | 0x80); // QR
        std::string other(query.wire, query.size);
        other[name_end + 1] = 0; // QTYPE 257 (CAA) becomes 1 (A)
        std::string swapped(query.wire, query.size);
        for (std::size_t i = 12; i < name_end; ++i) {
            char& c = swapped[i];
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                c = static_cast<char>(c ^ 0x20);
            }
        }
        answer(server, query, other);
        answer(server, query, swapped);
        ++answered;
    }
}

struct Outcome {
    bool ok = false;
    std::string error;
    std::uint64_t rejected = 0; // answers the engine saw and refused
};

// One CAA query to 127.0.0.1@port through an engine of its own.
Outcome query_once(std::uint16_t port, double timeout, unsigned retries,
                   std::size_t connected_servers) {
    dns::EngineOptions options;
    options.timeout_seconds = timeout;
    options.retries = retries;
    options.connected_servers = connected_servers;
    dns::Engine engine(options);
    const dns::Server target{"127.0.0.1", port};
    Outcome outcome;
    engine.submit(dns::Query{&target, "example.test", 257, true, false},
                  [&outcome](const dns::Query&, const dns::Response& response) {
                      outcome.ok = response.ok;
                      outcome.error = response.error;
                  });
    engine.run();
    outcome.rejected = engine.answers_rejected();
    return outcome;
}

// A query answered from another port first (a forgery), then from the port asked.
Outcome ask(std::size_t connected_servers) {
    std::uint16_t port = 0;
    std::uint16_t forger_port = 0;
    int server = loopback_socket(port);
    int forger = loopback_socket(forger_port);
    std::atomic<int> answered{0};
    std::thread responder(respond, server, forger, 1, std::ref(answered));
    Outcome outcome = query_once(port, 1, 0, connected_servers);
    responder.join();
    ::close(server);
    ::close(forger);
    CHECK(answered == 1);
    return outcome;
}

// A query to a server that answers each try twice, wrongly in two ways.
Outcome ask_wrongly() {
    std::uint16_t port = 0;
    int server = loopback_socket(port);
    // The first try and its lower-case resend after the 0x20 rejection, which is the retry.
    std::atomic<int> answered{0};
    std::thread responder(respond_wrongly, server, 2, std::ref(answered));
    Outcome outcome = query_once(port, 0.5, 1, 8);
    responder.join();
    ::close(server);
    CHECK(answered == 2);
    return outcome;
}

// A query to a loopback port nothing listens on.
Outcome ask_closed_port(std::size_t connected_servers) {
    std::uint16_t port = 0;
    ::close(loopback_socket(port)); // the port, free again
    return query_once(port, 0.2, 1, connected_servers);
}

} // namespace

TEST_SUITE("dns") {
    TEST_CASE("a closed port: the ICMP error a connected socket hears is in the message") {
        Outcome connected = ask_closed_port(8);
        CHECK_FALSE(connected.ok);
        CHECK(connected.error == "no answer after 2 tries; ICMP port unreachable: nothing "
                                 "listens on the server's port");
        Outcome shared = ask_closed_port(0);
        CHECK_FALSE(shared.ok);
        CHECK(shared.error == "no answer after 2 tries");
    }

    TEST_CASE("every kind of rejected answer is in the message, once, in the order seen") {
        // A later forgery must not hide an earlier one: each kind is said once.
        Outcome outcome = ask_wrongly();
        CHECK_FALSE(outcome.ok);
        CHECK(outcome.error ==
              "no answer after 2 tries; a mismatched answer arrived (answer to another "
              "question); an answer with the question's letter case changed was rejected (0x20)");
    }

    TEST_CASE("a server with connected sockets: the kernel drops another port's answer") {
        Outcome outcome = ask(8);
        CHECK(outcome.ok);
        CHECK(outcome.error.empty());
        CHECK(outcome.rejected == 0); // never reached the engine
    }

    TEST_CASE("a server on the shared pools: the engine rejects another port's answer") {
        Outcome outcome = ask(0);
        CHECK(outcome.ok);
        CHECK(outcome.error.empty());
        CHECK(outcome.rejected == 1); // seen, and refused for its port
    }
}
