#include "caapol/dns/engine.hpp"

#include "caapol/dns/message.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <random>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

namespace caapol::dns {

namespace {

using Clock = std::chrono::steady_clock;

struct Address {
    sockaddr_storage storage{};
    socklen_t length = 0;
    int family = AF_INET;
};

bool make_address(const Server& server, Address& out) {
    out = Address{};
    auto* v4 = reinterpret_cast<sockaddr_in*>(&out.storage);
    if (inet_pton(AF_INET, server.address.c_str(), &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons(server.port);
        out.length = sizeof(sockaddr_in);
        out.family = AF_INET;
        return true;
    }
    out.storage = sockaddr_storage{};
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&out.storage);
    if (inet_pton(AF_INET6, server.address.c_str(), &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons(server.port);
        out.length = sizeof(sockaddr_in6);
        out.family = AF_INET6;
        return true;
    }
    return false;
}

bool same_address(const sockaddr_storage& a, const sockaddr_storage& b) {
    if (a.ss_family != b.ss_family) {
        return false;
    }
    if (a.ss_family == AF_INET) {
        const auto& x = reinterpret_cast<const sockaddr_in&>(a);
        const auto& y = reinterpret_cast<const sockaddr_in&>(b);
        return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
    }
    const auto& x = reinterpret_cast<const sockaddr_in6&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in6&>(b);
    return x.sin6_port == y.sin6_port &&
           std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof(in6_addr)) == 0;
}

std::string errno_text(int err) {
    return std::strerror(err);
}

} // namespace

enum class TcpState { none, connecting, writing, reading };

struct Engine::Slot {
    bool active = false;
    std::size_t index = 0;
    Query query;
    Callback callback;
    Address address;
    std::string wire; // the query as sent
    Header header;    // of the query, to match answers against
    unsigned tries = 0;
    Clock::time_point deadline;
    std::string note; // what went wrong while waiting (rejected answers, send errors), "; "-joined
    int fd = -1;      // the UDP socket it goes out on, and the only one answers count on
    bool connected = false;        // fd is connected to the server (no address per datagram)
    ServerState* server = nullptr; // Engine::servers_ of the server asked
    bool mixed_case = false;       // the name went out with 0x20 case randomisation
    // TCP after truncation
    int tcp_fd = -1;
    TcpState tcp_state = TcpState::none;
    std::string tcp_out;
    std::size_t tcp_written = 0;
    std::string tcp_in;

    // Each kind of trouble is said once, in the order first seen: a forger's answers may
    // arrive between two others, and must not hide what the server itself did wrong.
    void add_note(std::string_view text) {
        if (note.find(text) != std::string::npos) {
            return;
        }
        if (!note.empty()) {
            note += "; ";
        }
        note += text;
    }

    // Ready for the next query, the buffers' capacity kept (no allocation per query).
    // `address` is set by start() before any use.
    void reset(std::size_t slot_index) {
        active = false;
        index = slot_index;
        query = Query{};
        callback = nullptr;
        wire.clear();
        header = Header{};
        tries = 0;
        deadline = {};
        note.clear();
        fd = -1;
        connected = false;
        server = nullptr;
        mixed_case = false;
        tcp_fd = -1;
        tcp_state = TcpState::none;
        tcp_out.clear();
        tcp_written = 0;
        tcp_in.clear();
    }
};

Engine::Engine(const EngineOptions& options) : options_(options), slot_by_id_(65536, 0) {
    if (options_.max_in_flight == 0) {
        options_.max_in_flight = 1;
    }
    if (options_.max_in_flight > 10000) {
        options_.max_in_flight = 10000;
    }
}

std::uint32_t Engine::random32() {
    if (random_used_ + 4 > sizeof random_bytes_) {
        std::size_t filled = 0;
        while (filled < sizeof random_bytes_) {
            ssize_t n = ::getrandom(random_bytes_ + filled, sizeof random_bytes_ - filled, 0);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                // No kernel randomness (a kernel before 3.17): the C++ library's device,
                // itself from /dev/urandom or RDRAND.
                std::random_device device;
                for (; filled < sizeof random_bytes_; ++filled) {
                    random_bytes_[filled] = static_cast<unsigned char>(device());
                }
                break;
            }
            filled += static_cast<std::size_t>(n);
        }
        random_used_ = 0;
    }
    std::uint32_t value = 0;
    std::memcpy(&value, random_bytes_ + random_used_, sizeof value);
    random_used_ += 4;
    return value;
}

Engine::~Engine() {
    for (auto& slot : slots_) {
        if (slot->tcp_fd >= 0) {
            ::close(slot->tcp_fd);
        }
    }
    for (int fd : udp4_) {
        ::close(fd);
    }
    for (int fd : udp6_) {
        ::close(fd);
    }
    for (int fd : connected_fds_) {
        ::close(fd);
    }
}

void Engine::submit(Query query, Callback callback) {
    queue_.emplace_back(std::move(query), std::move(callback));
}

bool Engine::idle() const {
    return queue_.empty() && in_flight_ == 0;
}

// A UDP socket bound to a random port (as Unbound picks its outgoing ports): an off-path
// forger must guess the port as well as the ID. Ports in use are skipped; after 16 tries the
// kernel's choice (itself random on Linux) is taken.
int Engine::open_udp_socket(int family) {
    int fd = ::socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    int size = 4 << 20;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    for (int attempt = 0; attempt < 16; ++attempt) {
        auto port = static_cast<std::uint16_t>(1024 + random32() % (65536 - 1024));
        sockaddr_storage local{};
        socklen_t length = 0;
        if (family == AF_INET) {
            auto* v4 = reinterpret_cast<sockaddr_in*>(&local);
            v4->sin_family = AF_INET;
            v4->sin_port = htons(port);
            length = sizeof(sockaddr_in);
        } else {
            auto* v6 = reinterpret_cast<sockaddr_in6*>(&local);
            v6->sin6_family = AF_INET6;
            v6->sin6_port = htons(port);
            length = sizeof(sockaddr_in6);
        }
        if (::bind(fd, reinterpret_cast<const sockaddr*>(&local), length) == 0) {
            return fd;
        }
        if (errno != EADDRINUSE && errno != EACCES) {
            break;
        }
    }
    return fd; // unbound: the kernel picks an ephemeral port at the first send
}

// One socket of `pool`, at random; the pool fills as queries need sockets, up to
// options_.udp_sockets. `peer` non-null: a server's own pool, each socket connected to it.
// A socket that cannot be opened (or connected) leaves the pool smaller; -1 only when the
// pool is empty.
int Engine::draw_socket(std::vector<int>& pool, int family, const sockaddr_storage* peer,
                        socklen_t peer_length) {
    std::size_t wanted = std::max<std::size_t>(1, options_.udp_sockets);
    std::size_t pick = random32() % wanted;
    if (pick < pool.size()) {
        return pool[pick];
    }
    int fd = open_udp_socket(family);
    if (fd >= 0 && peer != nullptr &&
        ::connect(fd, reinterpret_cast<const sockaddr*>(peer), peer_length) != 0) {
        ::close(fd);
        fd = -1;
    }
    if (fd < 0) {
        return pool.empty() ? -1 : pool[pick % pool.size()];
    }
    pool.push_back(fd);
    if (peer != nullptr) {
        connected_fds_.push_back(fd);
    }
    return fd;
}

void Engine::start_queued() {
    while (!queue_.empty() && in_flight_ < options_.max_in_flight) {
        std::size_t index;
        if (!free_slots_.empty()) {
            index = free_slots_.back();
            free_slots_.pop_back();
        } else {
            index = slots_.size();
            slots_.push_back(std::make_unique<Slot>());
        }
        Slot& slot = *slots_[index];
        slot.reset(index);
        slot.active = true;
        slot.query = std::move(queue_.front().first);
        slot.callback = std::move(queue_.front().second);
        queue_.pop_front();
        ++in_flight_;
        start(slot);
    }
}

void Engine::start(Slot& slot) {
    const Server& server = *slot.query.server;
    if (!have_last_server_ || !(server == last_server_)) {
        if (!make_address(server, slot.address)) {
            complete(slot, Response{false, {}, "not a numeric address", false});
            return;
        }
        // Keyed by the socket address's bytes (6 for IPv4: no allocation). Copied into a
        // buffer first: GCC 12 at -O3 took string::assign + append for a read of
        // uninitialized bytes (-Wmaybe-uninitialized).
        char key[sizeof(in_port_t) + sizeof(in6_addr)];
        std::size_t key_length = sizeof(in_port_t);
        if (slot.address.family == AF_INET) {
            const auto& v4 = reinterpret_cast<const sockaddr_in&>(slot.address.storage);
            std::memcpy(key, &v4.sin_port, sizeof(in_port_t));
            std::memcpy(key + key_length, &v4.sin_addr, sizeof v4.sin_addr);
            key_length += sizeof v4.sin_addr;
        } else {
            const auto& v6 = reinterpret_cast<const sockaddr_in6&>(slot.address.storage);
            std::memcpy(key, &v6.sin6_port, sizeof(in_port_t));
            std::memcpy(key + key_length, &v6.sin6_addr, sizeof v6.sin6_addr);
            key_length += sizeof v6.sin6_addr;
        }
        const std::string server_key(key, key_length);
        last_server_ = server;
        have_last_server_ = true;
        last_storage_ = slot.address.storage;
        last_length_ = slot.address.length;
        auto [state, added] = servers_.try_emplace(server_key);
        if (added && connected_servers_ < options_.connected_servers) {
            state->second.connect = true;
            ++connected_servers_;
        }
        last_state_ = &state->second;
    } else {
        slot.address.storage = last_storage_;
        slot.address.length = last_length_;
        slot.address.family = last_storage_.ss_family;
    }
    slot.server = last_state_;
    if (slot.server->silent >= silent_limit) {
        // The server answered none of the last queries: fail fast instead of waiting out the
        // retries of every remaining query (100,000 names behind a dead resolver).
        complete(slot, Response{false,
                                {},
                                "not asked: the last " + std::to_string(silent_limit) +
                                    " queries to this server got no answer",
                                false});
        return;
    }
    // A random ID not used by another query in flight.
    std::uint16_t id = 0;
    for (int attempt = 0; attempt < 1000; ++attempt) {
        id = static_cast<std::uint16_t>(random32());
        if (slot_by_id_[id] == 0) {
            break;
        }
    }
    std::string error;
    if (!build_query_into(slot.wire, id, slot.query.name, slot.query.type,
                          slot.query.recursion_desired, &error, slot.query.dnssec)) {
        slot.wire.clear(); // no ID taken: complete() frees none
        complete(slot, Response{false, {}, error, false});
        return;
    }
    if (options_.randomize_case && slot.server->case_changed < case_limit) {
        // 0x20 (draft-vixie-dnsext-dns0x20): each letter of the name flipped at random, one
        // more bit per letter for a forger to guess. The name starts after the header.
        std::uint32_t bits = 0;
        unsigned left = 0;
        std::size_t at = 12;
        while (at < slot.wire.size() && slot.wire[at] != 0) {
            std::size_t length = static_cast<unsigned char>(slot.wire[at]);
            for (std::size_t i = at + 1; i <= at + length && i < slot.wire.size(); ++i) {
                char& c = slot.wire[i];
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
                    if (left == 0) {
                        bits = random32();
                        left = 32;
                    }
                    if ((bits & 1) != 0) {
                        c = static_cast<char>(c ^ 0x20);
                    }
                    bits >>= 1;
                    --left;
                }
            }
            at += length + 1;
        }
        slot.mixed_case = true;
    }
    slot.header = *read_header(slot.wire);
    if (slot_by_id_[id] != 0) { // 1000 collisions: the window is nearly 65536 wide
        complete(slot, Response{false, {}, "no free query ID", false});
        return;
    }
    slot_by_id_[id] = static_cast<std::uint16_t>(slot.index + 1);
    transmit(slot);
}

// The socket of a query's first transmission. Queries go out in groups of up to send_group
// per flush, each group on one socket drawn at random from the pool: every query's port is
// still uniform over the pool (a forger's odds per datagram are unchanged, each query having
// its own random ID and case), and a group is one sendmmsg, its answers one recvmmsg, instead
// of one system call per query each way.
void Engine::pick_socket(Slot& slot) {
    ServerState* own = slot.server != nullptr && slot.server->connect ? slot.server : nullptr;
    SendGroup* group = nullptr;
    for (auto& g : send_groups_) {
        if (g.server == own && g.family == slot.address.family) {
            group = &g;
            break;
        }
    }
    if (group != nullptr && group->left > 0) {
        --group->left;
        slot.fd = group->fd;
        slot.connected = group->connected;
        return;
    }
    const int family = slot.address.family;
    int fd = -1;
    bool connected = false;
    if (own != nullptr) {
        fd = draw_socket(own->pool, family, &slot.address.storage, slot.address.length);
        connected = fd >= 0;
        if (!connected) {
            own->connect = false; // not one socket could be had: the shared pools from now on
        }
    }
    if (fd < 0) {
        fd = draw_socket(family == AF_INET ? udp4_ : udp6_, family, nullptr, 0);
    }
    if (fd < 0) {
        return;
    }
    // Keyed by the server it was asked for: one that fell back on the shared pools above
    // starts a new group next time, on them.
    SendGroup fresh{own, slot.address.family, fd, connected, send_group - 1};
    if (group != nullptr) {
        *group = fresh;
    } else {
        send_groups_.push_back(fresh);
    }
    slot.fd = fd;
    slot.connected = connected;
}

void Engine::transmit(Slot& slot) {
    ++slot.tries;
    auto timeout = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options_.timeout_seconds));
    slot.deadline = Clock::now() + timeout;
    if (slot.fd < 0) {
        pick_socket(slot); // kept for the retransmissions
    }
    if (slot.fd < 0) {
        complete(slot,
                 Response{false, {}, "cannot open a UDP socket: " + errno_text(errno), false});
        return;
    }
    pending_sends_.push_back(slot.index);
}

// One sendmmsg per socket for every datagram queued since the last flush: far fewer system
// calls when hundreds of queries go out at once.
void Engine::flush_sends() {
    constexpr std::size_t batch = 256;
    if (pending_sends_.empty()) {
        return;
    }
    // Kept between calls: allocating these per flush made malloc consolidate its free lists
    // every time (they exceed its small-block sizes).
    std::vector<Slot*>& slots = send_slots_;
    send_messages_.resize(batch);
    send_vectors_.resize(batch);
    slots.clear();
    for (std::size_t index : pending_sends_) {
        Slot& slot = *slots_[index];
        if (slot.active && slot.tcp_state == TcpState::none && slot.fd >= 0) {
            slots.push_back(&slot);
        }
    }
    // One sendmmsg per run of datagrams for the same socket.
    std::stable_sort(slots.begin(), slots.end(),
                     [](const Slot* a, const Slot* b) { return a->fd < b->fd; });
    std::size_t done = 0;
    while (done < slots.size()) {
        int fd = slots[done]->fd;
        std::size_t run = done;
        while (run < slots.size() && run - done < batch && slots[run]->fd == fd) {
            ++run;
        }
        std::size_t count = run - done;
        mmsghdr* messages = send_messages_.data();
        iovec* vectors = send_vectors_.data();
        for (std::size_t i = 0; i < count; ++i) {
            messages[i] = mmsghdr{};
            Slot& slot = *slots[done + i];
            vectors[i].iov_base = slot.wire.data();
            vectors[i].iov_len = slot.wire.size();
            if (!slot.connected) {
                messages[i].msg_hdr.msg_name = &slot.address.storage;
                messages[i].msg_hdr.msg_namelen = slot.address.length;
            }
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
        }
        int sent = ::sendmmsg(fd, messages, static_cast<unsigned>(count), 0);
        if (sent < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
                // Socket buffer full: these go out very soon without spending a try.
                for (std::size_t i = done; i < run; ++i) {
                    --slots[i]->tries;
                    slots[i]->deadline = Clock::now() + std::chrono::milliseconds(2);
                }
                done = run;
                continue;
            }
            slots[done]->add_note("send failed: " + errno_text(errno));
            ++done; // retried at its deadline
            continue;
        }
        datagrams_sent_ += static_cast<std::uint64_t>(sent);
        done += static_cast<std::size_t>(sent);
    }
    pending_sends_.clear();
    send_groups_.clear(); // the next flush draws its sockets afresh
}

void Engine::start_tcp(Slot& slot) {
    std::uint16_t id = slot.header.id;
    if (slot_by_id_[id] != 0) {
        slot_by_id_[id] = 0; // answers now come over TCP; the ID is free for UDP again
    }
    ++tcp_connections_;
    slot.tcp_fd = ::socket(slot.address.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    auto timeout = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(options_.timeout_seconds));
    slot.deadline = Clock::now() + timeout;
    if (slot.tcp_fd < 0) {
        complete(slot, Response{false, {}, "truncated over UDP; cannot open a TCP socket", false});
        return;
    }
    slot.tcp_out.clear();
    slot.tcp_out.push_back(static_cast<char>(slot.wire.size() >> 8));
    slot.tcp_out.push_back(static_cast<char>(slot.wire.size() & 0xff));
    slot.tcp_out += slot.wire;
    slot.tcp_written = 0;
    slot.tcp_in.clear();
    int rc = ::connect(slot.tcp_fd, reinterpret_cast<const sockaddr*>(&slot.address.storage),
                       slot.address.length);
    if (rc < 0 && errno != EINPROGRESS) {
        complete(slot, Response{false, {}, "truncated over UDP; TCP: " + errno_text(errno), true});
        return;
    }
    slot.tcp_state = TcpState::connecting;
}

void Engine::complete(Slot& slot, Response response) {
    if (!slot.active) {
        return;
    }
    if (slot.tcp_fd >= 0) {
        ::close(slot.tcp_fd);
        slot.tcp_fd = -1;
    }
    if (!slot.wire.empty()) {
        std::uint16_t& owner = slot_by_id_[slot.header.id];
        if (owner != 0 && slots_[static_cast<std::size_t>(owner - 1)].get() == &slot) {
            owner = 0;
        }
    }
    slot.active = false;
    Query query = std::move(slot.query);
    Callback callback = std::move(slot.callback);
    free_slots_.push_back(slot.index);
    --in_flight_;
    ++queries_completed_;
    callback(query, std::move(response));
}

void Engine::handle_udp(int fd, bool connected) {
    constexpr std::size_t batch = 32;
    constexpr std::size_t size = 4096; // we advertise 1232; larger datagrams are not answers
    if (receive_buffers_.size() < batch * size) {
        receive_buffers_.resize(batch * size);
    }
    for (int round = 0; round < 128; ++round) {
        mmsghdr messages[batch]{};
        iovec vectors[batch];
        sockaddr_storage peers[batch];
        for (std::size_t i = 0; i < batch; ++i) {
            vectors[i].iov_base = receive_buffers_.data() + i * size;
            vectors[i].iov_len = size;
            if (!connected) {
                messages[i].msg_hdr.msg_name = &peers[i];
                messages[i].msg_hdr.msg_namelen = sizeof peers[i];
            }
            messages[i].msg_hdr.msg_iov = &vectors[i];
            messages[i].msg_hdr.msg_iovlen = 1;
        }
        int received = ::recvmmsg(fd, messages, batch, 0, nullptr);
        if (received < 0 && connected && errno == ECONNREFUSED) {
            // An ICMP port unreachable for an earlier datagram (only connected sockets hear
            // of them): said in the message of the queries still waiting on this socket,
            // which keep waiting (an ICMP message is as easy to forge as an answer).
            for (auto& pointer : slots_) {
                Slot& slot = *pointer;
                if (slot.active && slot.fd == fd && slot.tcp_state == TcpState::none) {
                    slot.add_note("ICMP port unreachable: nothing listens on the server's port");
                }
            }
            continue;
        }
        if (received <= 0) {
            return; // EAGAIN or a transient error: poll again
        }
        for (int m = 0; m < received; ++m) {
            if ((messages[m].msg_hdr.msg_flags & MSG_TRUNC) != 0) {
                continue; // larger than any answer to our queries can be
            }
            handle_datagram(
                fd,
                std::string_view(receive_buffers_.data() + static_cast<std::size_t>(m) * size,
                                 messages[m].msg_len),
                connected ? nullptr : &peers[m]);
        }
        if (static_cast<std::size_t>(received) < batch) {
            return;
        }
    }
}

void Engine::handle_datagram(int fd, std::string_view wire, const sockaddr_storage* from) {
    if (wire.size() < 2) {
        ++answers_rejected_;
        return;
    }
    std::uint16_t id = static_cast<std::uint16_t>((static_cast<unsigned char>(wire[0]) << 8) |
                                                  static_cast<unsigned char>(wire[1]));
    int owner = slot_by_id_[id];
    if (owner == 0) {
        ++answers_rejected_;
        return; // late, duplicate, unsolicited or forged (no query in flight has the ID)
    }
    Slot& slot = *slots_[static_cast<std::size_t>(owner - 1)];
    // On a connected socket the kernel has checked the sender already.
    if (!slot.active || slot.tcp_state != TcpState::none || slot.fd != fd ||
        (from != nullptr && !same_address(*from, slot.address.storage))) {
        ++answers_rejected_;
        return; // not from the address and port asked, or not on the socket it went out on
    }
    auto header = read_header(wire);
    if (!header) {
        slot.add_note("a malformed answer arrived");
        return;
    }
    std::string why = mismatch(slot.header, *header);
    if (!why.empty()) {
        slot.add_note("a mismatched answer arrived (" + why + ")");
        return; // keep waiting for the right one
    }
    if (header->question_count == 1 && header->question_wire != slot.header.question_wire) {
        // 0x20: the question came back in another case. A forgery, or a server that does not
        // echo case: never accepted; the query goes out again at once in lower case (the
        // normalized name), which such a server answers as asked.
        ++answers_rejected_;
        ++slot.server->case_changed;
        slot.add_note("an answer with the question's letter case changed was rejected (0x20)");
        if (slot.mixed_case) {
            std::size_t at = 12;
            for (std::size_t i = at; i < at + slot.header.question_wire.size(); ++i) {
                char& c = slot.wire[i];
                if (c >= 'A' && c <= 'Z') {
                    c = static_cast<char>(c + 32);
                }
            }
            slot.mixed_case = false;
            slot.header = *read_header(slot.wire);
            transmit(slot);
        }
        return;
    }
    if (header->truncated) {
        start_tcp(slot);
        return;
    }
    slot.server->silent = 0;
    complete(slot, Response{true, wire, {}, false});
}

void Engine::handle_tcp(Slot& slot, short revents) {
    auto fail = [&](const std::string& why) {
        complete(slot, Response{false, {}, "truncated over UDP; TCP: " + why, true});
    };
    if (slot.tcp_state == TcpState::connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(slot.tcp_fd, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            fail(errno_text(err));
            return;
        }
        if ((revents & POLLOUT) == 0) {
            if ((revents & (POLLERR | POLLHUP)) != 0) {
                fail("connection failed");
            }
            return;
        }
        slot.tcp_state = TcpState::writing;
    }
    if (slot.tcp_state == TcpState::writing) {
        ssize_t n = ::send(slot.tcp_fd, slot.tcp_out.data() + slot.tcp_written,
                           slot.tcp_out.size() - slot.tcp_written, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                fail(errno_text(errno));
            }
            return;
        }
        slot.tcp_written += static_cast<std::size_t>(n);
        if (slot.tcp_written == slot.tcp_out.size()) {
            slot.tcp_state = TcpState::reading;
        }
        return;
    }
    if (slot.tcp_state == TcpState::reading && (revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
        char buffer[16384];
        ssize_t n = ::recv(slot.tcp_fd, buffer, sizeof buffer, 0);
        if (n < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                fail(errno_text(errno));
            }
            return;
        }
        if (n == 0) {
            fail("the server closed the connection before a whole answer arrived");
            return;
        }
        slot.tcp_in.append(buffer, static_cast<std::size_t>(n));
        if (slot.tcp_in.size() < 2) {
            return;
        }
        std::size_t length = (static_cast<unsigned char>(slot.tcp_in[0]) << 8) |
                             static_cast<unsigned char>(slot.tcp_in[1]);
        if (slot.tcp_in.size() < length + 2) {
            return;
        }
        std::string wire = slot.tcp_in.substr(2, length);
        auto header = read_header(wire);
        if (!header) {
            fail("malformed answer");
            return;
        }
        std::string why = mismatch(slot.header, *header);
        if (!why.empty()) {
            fail("mismatched answer (" + why + ")");
            return;
        }
        if (header->truncated) {
            fail("the answer is truncated even over TCP");
            return;
        }
        slot.server->silent = 0;
        complete(slot, Response{true, wire, {}, true});
    }
}

void Engine::check_deadlines() {
    auto now = Clock::now();
    for (auto& pointer : slots_) {
        Slot& slot = *pointer;
        if (!slot.active || slot.deadline > now) {
            continue;
        }
        if (slot.tcp_state != TcpState::none) {
            complete(slot, Response{false,
                                    {},
                                    "truncated over UDP; TCP: no answer within " +
                                        std::to_string(options_.timeout_seconds) + " s",
                                    true});
            continue;
        }
        if (slot.tries < 1 + options_.retries) {
            transmit(slot);
            continue;
        }
        ++slot.server->silent;
        std::string error =
            "no answer after " + std::to_string(slot.tries) + (slot.tries == 1 ? " try" : " tries");
        if (!slot.note.empty()) {
            error += "; " + slot.note;
        }
        complete(slot, Response{false, {}, error, false});
    }
}

void Engine::poll_once() {
    std::vector<pollfd>& fds = poll_fds_;
    std::vector<Slot*>& tcp_slots = poll_tcp_slots_;
    fds.clear();
    tcp_slots.clear();
    for (int fd : udp4_) {
        fds.push_back(pollfd{fd, POLLIN, 0});
    }
    for (int fd : udp6_) {
        fds.push_back(pollfd{fd, POLLIN, 0});
    }
    const std::size_t first_connected = fds.size();
    for (int fd : connected_fds_) {
        fds.push_back(pollfd{fd, POLLIN, 0});
    }
    std::size_t first_tcp = fds.size();
    auto now = Clock::now();
    auto earliest = now + std::chrono::seconds(1);
    for (auto& pointer : slots_) {
        Slot& slot = *pointer;
        if (!slot.active) {
            continue;
        }
        earliest = std::min(earliest, slot.deadline);
        if (slot.tcp_fd >= 0) {
            short events = slot.tcp_state == TcpState::reading ? POLLIN : POLLOUT;
            fds.push_back(pollfd{slot.tcp_fd, events, 0});
            tcp_slots.push_back(&slot);
        }
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(earliest - now).count() + 1;
    if (wait < 0) {
        wait = 0;
    }
    int ready = ::poll(fds.data(), fds.size(), static_cast<int>(wait));
    if (ready > 0) {
        for (std::size_t i = 0; i < first_tcp; ++i) {
            if (fds[i].revents != 0) {
                handle_udp(fds[i].fd, i >= first_connected);
            }
        }
        for (std::size_t i = first_tcp; i < fds.size(); ++i) {
            Slot* slot = tcp_slots[i - first_tcp];
            if (fds[i].revents != 0 && slot->active && slot->tcp_fd == fds[i].fd) {
                handle_tcp(*slot, fds[i].revents);
            }
        }
    }
    check_deadlines();
}

void Engine::run() {
    while (true) {
        start_queued();
        flush_sends();
        if (in_flight_ == 0) {
            if (queue_.empty()) {
                return;
            }
            continue;
        }
        poll_once();
    }
}

} // namespace caapol::dns
