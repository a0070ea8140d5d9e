// Live DNS as a climb::Source: CAA lookups through recursive resolvers or straight at one
// authoritative server, one name at a time (LiveSource, for explain) or many climbs at once
// over the asynchronous window (climb_all, for verify). Answers are cached per run by
// (route, name): names sharing ancestors share the ancestors' answers.
#pragma once

#include "caapol/climb/climb.hpp"
#include "caapol/climb/source.hpp"
#include "caapol/dns/engine.hpp"
#include "caapol/dns/message.hpp"
#include "caapol/dns/server.hpp"

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace caapol::climb {

// Where a lookup goes: servers tried in order (the next one when a lookup fails), with
// recursion desired (resolvers) or not (authoritative servers).
struct Route {
    Route() = default;
    Route(std::vector<dns::Server> servers_, bool recursion_desired_ = true)
        : servers(std::move(servers_)), recursion_desired(recursion_desired_) {}

    std::vector<dns::Server> servers;
    bool recursion_desired = true;
    const std::string& key() const; // identifies the route in the cache (computed once)

private:
    mutable std::string key_cache_;
};

// The per-run lookup service: one dns::Engine, one cache.
class LiveLookups {
public:
    explicit LiveLookups(const dns::EngineOptions& options = {});

    // The cached CAA answer of `name` on `route`, or nullptr.
    const dns::CaaAnswer* cached(const Route& route, const std::string& name) const;
    // Looks up CAA at `name` (cache first; concurrent asks for the same key share one query).
    // `done` runs from run() (or immediately when cached). `route` must outlive run().
    void lookup_caa(const Route& route, const std::string& name,
                    std::function<void(const dns::CaaAnswer&)> done);
    // Any other query (SOA, NS, A, AAAA), not cached; servers of the route tried in order
    // while they fail. `done` gets the parsed message or nullopt with the reason.
    void query(const Route& route, const std::string& name, std::uint16_t type,
               std::function<void(const std::optional<dns::Message>&, const std::string& server,
                                  const std::string& error)>
                   done);
    void run() { engine_.run(); }
    dns::Engine& engine() { return engine_; }
    std::uint64_t queries_sent() const {
        return engine_.datagrams_sent() + engine_.tcp_connections();
    }

private:
    void send_caa(const Route& route, const std::string& name, std::size_t server_index,
                  std::string earlier_failures);

    dns::Engine engine_;
    // Keyed by route key + '\n' + name.
    std::unordered_map<std::string, dns::CaaAnswer> cache_;
    std::unordered_map<std::string, std::vector<std::function<void(const dns::CaaAnswer&)>>>
        waiting_;
};

// One name at a time, synchronously (explain). The first server that answers decides.
class LiveSource : public Source {
public:
    explicit LiveSource(std::vector<dns::Server> servers, const dns::EngineOptions& options = {},
                        bool recursion_desired = true);
    Answer lookup(const std::string& name) override;
    std::uint64_t queries_sent() const { return lookups_.queries_sent(); }

private:
    Route route_;
    LiveLookups lookups_;
};

// A climb for the batch driver.
struct ClimbRequest {
    std::string name;
    Route route; // where lookups go ...
    // ... when `zone` is empty or the looked-up name is at or below it; other names, and
    // names the route answers with a referral, go to `fallback` (authoritative mode: the
    // server's own zone directly, everything else through the resolvers).
    std::string zone;
    Route fallback;
};

// Runs every climb to completion over the asynchronous window; results in request order.
std::vector<Result> climb_all(LiveLookups& lookups, const std::vector<ClimbRequest>& requests);

} // namespace caapol::climb
