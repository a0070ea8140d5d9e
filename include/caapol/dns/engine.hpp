// Asynchronous DNS queries over UDP (TCP on truncation) with a bounded window in flight.
// One thread: submit() queues, run()/run_once() send, poll, retransmit on timeout and call
// each query's callback exactly once. Callbacks may submit further queries.
#pragma once

#include "caapol/dns/server.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unordered_map>
#include <vector>

namespace caapol::dns {

struct EngineOptions {
    double timeout_seconds = 2.0;    // per transmission
    unsigned retries = 2;            // retransmissions after the first try
    std::size_t max_in_flight = 150; // queries awaiting an answer at any moment
    // Spoof resistance (SECURITY.md): each query goes out from one of this many UDP sockets
    // per address family, each bound to a random source port, and is answered only on it.
    std::size_t udp_sockets = 32;
    // 0x20: the letters of each query name in random case, answers accepted only with the
    // case echoed exactly (a server that changes it gets its query again in lower case).
    bool randomize_case = true;
    // The first this many servers get sockets of their own, connected to them (Unbound's
    // outgoing sockets are connected too): the kernel then delivers only that server's
    // datagrams and keeps the route instead of looking it up per datagram. Later servers (an
    // --authoritative run over many zones) share the unconnected pools, which bounds the
    // descriptors open.
    std::size_t connected_servers = 8;
};

// The server and the name are referred to, not copied (a query per name of a 100,000-name
// run): both must outlive the query's callback.
struct Query {
    const Server* server = nullptr;
    std::string_view name; // normalized
    std::uint16_t type = 0;
    bool recursion_desired = true;
    bool dnssec = false; // DO (and CD with recursion): answers keep RRSIG, NSEC, NSEC3
};

struct Response {
    bool ok = false; // `wire` holds an answer matching the query (ID, question, server)
    // Valid during the callback only (it views the engine's receive buffer): parse it there.
    std::string_view wire;
    std::string error; // !ok: why ("timed out after 3 tries", "TCP: connection refused", ...)
    bool via_tcp = false;
};

using Callback = std::function<void(const Query&, const Response&)>;

class Engine {
public:
    explicit Engine(const EngineOptions& options = {});
    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    void submit(Query query, Callback callback);
    // Runs until every submitted query (and those submitted by callbacks) has completed.
    void run();
    bool idle() const;

    const EngineOptions& options() const { return options_; }
    std::uint64_t datagrams_sent() const { return datagrams_sent_; }
    std::uint64_t tcp_connections() const { return tcp_connections_; }
    std::uint64_t queries_completed() const { return queries_completed_; }
    // Answers dropped as possible forgeries: from another address or port, on another
    // socket, with an ID no query in flight has, or with the question's case changed.
    std::uint64_t answers_rejected() const { return answers_rejected_; }

private:
    struct Slot;
    void start_queued();
    void start(Slot& slot);
    void transmit(Slot& slot);
    void start_tcp(Slot& slot);
    // `connected`: fd is connected to one server, whose datagrams alone the kernel delivers.
    void handle_udp(int fd, bool connected);
    // `from`: the sender, or null on a connected socket.
    void handle_datagram(int fd, std::string_view wire, const ::sockaddr_storage* from);
    void handle_tcp(Slot& slot, short revents);
    void check_deadlines();
    void complete(Slot& slot, Response response);
    struct ServerState;
    void pick_socket(Slot& slot);
    int draw_socket(std::vector<int>& pool, int family, const ::sockaddr_storage* peer,
                    ::socklen_t peer_length);
    int open_udp_socket(int family);
    std::uint32_t random32();
    void poll_once();
    void flush_sends();

    EngineOptions options_;
    std::deque<std::pair<Query, Callback>> queue_;
    std::vector<std::unique_ptr<Slot>> slots_;
    std::vector<std::size_t> free_slots_;
    // 65536 entries: slot index + 1 of the UDP query with that ID (at most 10,000 slots; 16
    // bits keep the table at 128 KiB, mostly in cache, for the random lookups).
    std::vector<std::uint16_t> slot_by_id_;
    std::size_t in_flight_ = 0;
    std::vector<int> udp4_; // the socket pools, filled as queries need them
    std::vector<int> udp6_;
    std::uint64_t datagrams_sent_ = 0;
    std::uint64_t tcp_connections_ = 0;
    std::uint64_t queries_completed_ = 0;
    std::uint64_t answers_rejected_ = 0;
    // Random bytes from the kernel (getrandom), drawn in blocks: IDs, ports, sockets, case.
    unsigned char random_bytes_[4096] = {};
    std::size_t random_used_ = sizeof random_bytes_;
    std::vector<std::size_t> pending_sends_; // slots whose datagram goes out at the next flush
    std::vector<char> receive_buffers_;
    // Reused by every flush_sends() and poll_once() call.
    std::vector<Slot*> send_slots_;
    std::vector<::mmsghdr> send_messages_;
    std::vector<::iovec> send_vectors_;
    std::vector<::pollfd> poll_fds_;
    std::vector<Slot*> poll_tcp_slots_;
    // Queries in a row that got no answer at all, per server (by its socket address); at
    // silent_limit the server is taken for dead for the rest of the run and not asked again.
    static constexpr unsigned silent_limit = 50;
    // Answers with the question's case changed, per server; at case_limit the server is
    // taken for one that does not echo case, and asked without 0x20 for the rest of the run.
    static constexpr unsigned case_limit = 3;
    struct ServerState {
        unsigned silent = 0;
        unsigned case_changed = 0;
        bool connect = false;  // one of the first options_.connected_servers
        std::vector<int> pool; // that pool, filled as queries need sockets
    };
    std::size_t connected_servers_ = 0;
    // The sockets drawn for the queries of the next flush (see pick_socket()).
    static constexpr unsigned send_group = 16;
    struct SendGroup {
        ServerState* server; // null: the shared pools
        int family;
        int fd;
        bool connected;
        unsigned left; // queries that may still join the group
    };
    std::vector<SendGroup> send_groups_;
    std::vector<int> connected_fds_; // every connected socket, for poll
    std::map<std::string, ServerState> servers_;
    // The server last resolved to a socket address, with its silent_ counter: nearly every
    // query goes to the same server as the one before (compared by value, not by pointer).
    Server last_server_;
    bool have_last_server_ = false;
    ::sockaddr_storage last_storage_{};
    ::socklen_t last_length_ = 0;
    ServerState* last_state_ = nullptr;
};

} // namespace caapol::dns
