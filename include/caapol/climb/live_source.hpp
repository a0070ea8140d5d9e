// Live DNS as a climb::Source: CAA lookups through recursive resolvers or straight at one
// authoritative server, one name at a time (LiveSource, for explain) or many climbs at once
// over the asynchronous window (climb_stream and climb_all, for verify). Answers are cached
// per run by (route, name): names sharing ancestors share the ancestors' answers.
#pragma once

#include "caapol/climb/climb.hpp"
#include "caapol/climb/source.hpp"
#include "caapol/dns/engine.hpp"
#include "caapol/dns/message.hpp"
#include "caapol/dns/server.hpp"
#include "caapol/dnssec/validator.hpp"

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
// recursion desired (resolvers) or not (authoritative servers). Immutable and cheap to copy
// (verify holds one per name).
class Route {
public:
    Route() = default;
    Route(std::vector<dns::Server> servers, bool recursion_desired = true);

    const std::vector<dns::Server>& servers() const;
    bool recursion_desired() const { return data_ == nullptr || data_->recursion_desired; }
    // servers()[index].display(), computed once.
    const std::string& display(std::size_t index) const { return data_->displays[index]; }
    // Identifies the route in the cache: equal routes share answers.
    const std::string& key() const;
    bool same_as(const Route& other) const { return data_ == other.data_; }

private:
    struct Data {
        std::vector<dns::Server> servers;
        std::vector<std::string> displays;
        bool recursion_desired = true;
        std::string key;
    };
    std::shared_ptr<const Data> data_;
};

// A cached CAA answer: what the climb is fed, and whether the server only referred elsewhere.
struct LiveAnswer {
    Answer answer;
    bool referral = false;
};
// What the climber is fed for an answer of dns/.
LiveAnswer from_dns(dns::CaaAnswer&& answer);

// The per-run lookup service: one dns::Engine, one cache.
class LiveLookups {
public:
    using Waiter = std::function<void(const LiveAnswer&)>;

    explicit LiveLookups(const dns::EngineOptions& options = {});

    // The CAA answer of `name` on `route` when it is cached; otherwise nullptr, and `waiter`
    // runs from run() once it is there (concurrent requests for one name share one query).
    // One hash lookup: the batch driver calls this for every step of every climb.
    const LiveAnswer* find_or_request(const Route& route, const std::string& name, Waiter waiter);
    // Asks `name` on `route` without the cache: for a name that no other climb of the run
    // asks (verify's sorted names: a name with none below it), whose answer would only be
    // dropped again. `waiter` runs from run() (or at once when there is no server to ask).
    void request_once(const Route& route, const std::string& name, Waiter waiter);
    // Looks up CAA at `name`; `done` runs from run(), or at once when the answer is cached.
    void lookup_caa(const Route& route, const std::string& name, Waiter done);
    // Any other query (SOA, NS, A, AAAA), not cached; servers of the route tried in order
    // while they fail. `done` gets the parsed message or nullopt with the reason.
    void query(const Route& route, const std::string& name, std::uint16_t type,
               std::function<void(const std::optional<dns::Message>&, const std::string& server,
                                  const std::string& error)>
                   done);
    // Validation on (before the first lookup): every CAA answer is asked with DO (and CD)
    // and gets a dnssec::Status; the DS and DNSKEY RRsets of the chain of trust are asked
    // through `chain` (the resolvers) and cached for the run. Throws std::runtime_error when
    // a trust anchor file is unusable.
    void enable_dnssec(const dnssec::Options& options, Route chain);
    const dnssec::Validator* validator() const { return validator_.get(); }
    // How many distinct names a run will likely ask (sizes the cache once, up to its bound).
    void expect_names(std::size_t count) { expected_names_ = count; }
    // The cache's bound: past this many answers per route, the answers no climb waits for are
    // dropped (at a moment when no climb holds one). Climbs in canonical order need an
    // ancestor's answer only while its descendants are climbed, so a run over millions of
    // names keeps memory flat and asks a shared ancestor again once per this many names.
    void limit_cache(std::size_t entries) { cache_limit_ = entries; }
    void run() { engine_.run(); }
    dns::Engine& engine() { return engine_; }
    std::uint64_t queries_sent() const {
        return engine_.datagrams_sent() + engine_.tcp_connections();
    }

private:
    struct Pooled;
    struct Entry {
        const std::string* name = nullptr; // the table's key, or the pooled lookup's name
        Pooled* pooled = nullptr;          // request_once's: back to the pool when finished
        bool done = false;
        LiveAnswer answer;
        Route route;
        std::size_t server_index = 0;
        std::string failures; // of the servers tried before, for the final reason
        Waiter first;         // most names have one waiter: no vector for them
        std::vector<Waiter> more;
    };
    using Table = std::unordered_map<std::string, Entry>; // by name, per route

    // request_once's lookups, reused: their names keep their memory.
    struct Pooled {
        std::string name;
        Entry entry;
    };

    Table& table_for(const Route& route);
    void send(Entry& entry);
    void on_answer(Entry& entry, const dns::Response& response);
    void finish(Entry& entry);
    void fetch(const Route& route, std::shared_ptr<const std::string> name, std::uint16_t type,
               std::size_t index, std::string failures, dnssec::FetchDone done);

    dns::Engine engine_;
    std::unique_ptr<dnssec::Validator> validator_;
    Route chain_route_;
    std::unordered_map<std::string, Table> tables_; // by route key
    Route last_route_;                              // the route of last_table_ (kept alive)
    Table* last_table_ = nullptr;
    std::size_t expected_names_ = 0;
    std::size_t cache_limit_ = 16384;
    std::vector<std::unique_ptr<Pooled>> pool_; // every request_once lookup made ...
    std::vector<Pooled*> idle_;                 // ... and those not under way
    int finishing_ = 0; // depth of finish(): answers are only dropped outside it
    void trim_cache();
};

// One name at a time, synchronously (explain). The first server that answers decides.
class LiveSource : public Source {
public:
    explicit LiveSource(std::vector<dns::Server> servers, const dns::EngineOptions& options = {},
                        bool recursion_desired = true);
    Answer lookup(const std::string& name) override;
    std::uint64_t queries_sent() const { return lookups_.queries_sent(); }
    // Validation of every answer, the chain of trust through the same servers.
    void enable_dnssec(const dnssec::Options& options) { lookups_.enable_dnssec(options, route_); }

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
    // false: no other climb of the run asks `name` itself (verify's sorted names: none is
    // below it), so its answer skips the cache (LiveLookups::request_once).
    bool shared = true;
};

// What a request source has for the driver: a climb (it filled `request` and `id`), nothing
// yet (`wait`: asked again when a climb under way ends, so one must be under way), or nothing
// more (`none`: never asked again).
enum class Supply { climb, wait, none };
// Supplies climbs one at a time.
using RequestSource = std::function<Supply(ClimbRequest& request, std::size_t& id)>;

// Runs the climbs `next_request` supplies over the asynchronous window, asking for the next as
// one finishes (a bounded number at once, so memory does not grow with their number), and
// hands each result to `done` with its id as soon as it is known.
void climb_stream(LiveLookups& lookups, const RequestSource& next_request,
                  const std::function<void(std::size_t, Result&&)>& done);

// Runs every climb to completion over the asynchronous window (climb_stream), collecting the
// results in request order.
std::vector<Result> climb_all(LiveLookups& lookups, const std::vector<ClimbRequest>& requests);

} // namespace caapol::climb
