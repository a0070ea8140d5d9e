#include "caapol/climb/live_source.hpp"

#include "caapol/core/dns_name.hpp"

#include <algorithm>
#include <iterator>
#include <memory>
#include <optional>

namespace caapol::climb {

static_assert(dns::max_aliases_in_answer >= 2 * max_alias_hops,
              "an answer may carry the longest chain the climber accepts, loops included");

namespace {

AnswerKind kind_of(dns::CaaKind kind) {
    switch (kind) {
    case dns::CaaKind::records:
        return AnswerKind::records;
    case dns::CaaKind::empty:
        return AnswerKind::empty;
    case dns::CaaKind::nxdomain:
        return AnswerKind::nxdomain;
    case dns::CaaKind::alias:
        return AnswerKind::alias;
    case dns::CaaKind::failure:
        break;
    }
    return AnswerKind::failure;
}

} // namespace

LiveAnswer from_dns(dns::CaaAnswer&& in) {
    LiveAnswer out;
    out.referral = in.referral;
    Answer& answer = out.answer;
    answer.kind = kind_of(in.kind);
    answer.records.reserve(in.records.size());
    for (auto& r : in.records) {
        answer.records.push_back(SourcedRecord{std::move(r.record), r.ttl, {}});
    }
    answer.target = std::move(in.target);
    answer.aliases = std::move(in.aliases);
    answer.reason = std::move(in.reason);
    answer.server = std::move(in.server);
    return out;
}

Route::Route(std::vector<dns::Server> servers, bool recursion_desired) {
    auto data = std::make_shared<Data>();
    data->recursion_desired = recursion_desired;
    data->key = recursion_desired ? "rd" : "norec";
    for (const auto& server : servers) {
        data->displays.push_back(server.display());
        data->key += " " + data->displays.back();
    }
    data->servers = std::move(servers);
    data_ = std::move(data);
}

const std::vector<dns::Server>& Route::servers() const {
    static const std::vector<dns::Server> none;
    return data_ == nullptr ? none : data_->servers;
}

const std::string& Route::key() const {
    static const std::string none = "rd";
    return data_ == nullptr ? none : data_->key;
}

LiveLookups::LiveLookups(const dns::EngineOptions& options) : engine_(options) {}

LiveLookups::Table& LiveLookups::table_for(const Route& route) {
    if (last_table_ != nullptr && route.same_as(last_route_)) {
        return *last_table_;
    }
    auto [it, inserted] = tables_.try_emplace(route.key());
    if (inserted && expected_names_ > 0) {
        it->second.reserve(std::min(expected_names_, cache_limit_ + 1024));
    }
    last_route_ = route;
    last_table_ = &it->second;
    return it->second;
}

const LiveAnswer* LiveLookups::find_or_request(const Route& route, const std::string& name,
                                               Waiter waiter) {
    Table& table = table_for(route);
    auto [it, inserted] = table.try_emplace(name);
    Entry& entry = it->second;
    if (!inserted) {
        if (entry.done) {
            return &entry.answer;
        }
        entry.more.push_back(std::move(waiter));
        return nullptr;
    }
    entry.name = &it->first; // nodes of an unordered_map stay put when it grows
    entry.route = route;
    entry.first = std::move(waiter);
    send(entry);
    return nullptr;
}

void LiveLookups::request_once(const Route& route, const std::string& name, Waiter waiter) {
    if (idle_.empty()) {
        pool_.push_back(std::make_unique<Pooled>());
        idle_.push_back(pool_.back().get());
    }
    Pooled* lookup = idle_.back();
    idle_.pop_back();
    lookup->name.assign(name);
    // Every member but `answer`, which each way to finish() assigns whole.
    Entry& entry = lookup->entry;
    entry.name = &lookup->name;
    entry.pooled = lookup;
    entry.done = false;
    entry.server_index = 0;
    entry.failures.clear();
    entry.route = route;
    entry.first = std::move(waiter);
    entry.more.clear();
    send(entry);
}

void LiveLookups::lookup_caa(const Route& route, const std::string& name, Waiter done) {
    if (const LiveAnswer* answer = find_or_request(route, name, done)) {
        done(*answer);
    }
}

void LiveLookups::send(Entry& entry) {
    const auto& servers = entry.route.servers();
    if (servers.empty()) {
        entry.answer = LiveAnswer{}; // whole: a pooled entry holds an earlier name's answer
        entry.answer.answer.kind = AnswerKind::failure;
        entry.answer.answer.reason = "no DNS server to ask";
        finish(entry);
        return;
    }
    dns::Query query{&servers[entry.server_index], *entry.name, dns::type_caa,
                     entry.route.recursion_desired(), validator_ != nullptr};
    // Two pointers: small enough for std::function to hold without allocating.
    Entry* pointer = &entry;
    engine_.submit(std::move(query),
                   [this, pointer](const dns::Query&, const dns::Response& response) {
                       on_answer(*pointer, response);
                   });
}

void LiveLookups::on_answer(Entry& entry, const dns::Response& response) {
    const std::string& name = *entry.name;
    const std::string& server = entry.route.display(entry.server_index);
    LiveAnswer answer;
    if (response.ok) {
        answer = from_dns(dns::interpret_caa(response.wire, name, server));
    } else {
        answer.answer.kind = AnswerKind::failure;
        answer.answer.reason = response.error;
        answer.answer.server = server;
    }
    if (answer.answer.kind == AnswerKind::failure && !answer.referral &&
        entry.server_index + 1 < entry.route.servers().size()) {
        entry.failures += server + ": " + answer.answer.reason + "; ";
        ++entry.server_index;
        send(entry);
        return;
    }
    if (answer.answer.kind == AnswerKind::failure && !entry.failures.empty()) {
        answer.answer.reason = entry.failures + server + ": " + answer.answer.reason;
    }
    entry.answer = std::move(answer);
    if (validator_ != nullptr && entry.answer.answer.kind != AnswerKind::failure) {
        Entry* pending = &entry;
        validator_->validate(response.wire, name, dns::type_caa, server,
                             [this, pending](dnssec::Status status) {
                                 pending->answer.answer.dnssec = std::move(status);
                                 finish(*pending);
                             });
        return;
    }
    finish(entry);
}

void LiveLookups::enable_dnssec(const dnssec::Options& options, Route chain) {
    chain_route_ = std::move(chain);
    validator_ = std::make_unique<dnssec::Validator>(
        options, [this](const std::string& name, std::uint16_t type, dnssec::FetchDone done) {
            fetch(chain_route_, std::make_shared<const std::string>(name), type, 0, {},
                  std::move(done));
        });
}

void LiveLookups::fetch(const Route& route, std::shared_ptr<const std::string> name,
                        std::uint16_t type, std::size_t index, std::string failures,
                        dnssec::FetchDone done) {
    if (route.servers().empty()) {
        done({}, "", "no DNS server to ask");
        return;
    }
    dns::Query query{&route.servers()[index], *name, type, route.recursion_desired(), true};
    engine_.submit(
        query, [this, route, name, type, index, failures = std::move(failures),
                done = std::move(done)](const dns::Query&, const dns::Response& response) {
            const std::string& server = route.display(index);
            std::string error = response.error;
            if (response.ok) {
                auto header = dns::read_header(response.wire);
                unsigned rcode = header ? header->rcode : unsigned{dns::rcode_formerr};
                if (rcode == dns::rcode_noerror || rcode == dns::rcode_nxdomain) {
                    done(response.wire, server, {});
                    return;
                }
                error = "the server answered " + dns::rcode_name(rcode);
            }
            if (index + 1 < route.servers().size()) {
                fetch(route, name, type, index + 1, failures + server + ": " + error + "; ", done);
                return;
            }
            done({}, server, failures + error);
        });
}

void LiveLookups::finish(Entry& entry) {
    entry.done = true;
    entry.failures.clear();
    Waiter first = std::move(entry.first);
    entry.first = nullptr;
    std::vector<Waiter> more = std::move(entry.more);
    entry.more.clear();
    // The waiters may ask for more names (the table grows; this entry stays where it is).
    ++finishing_;
    if (first) {
        first(entry.answer);
    }
    for (auto& waiter : more) {
        waiter(entry.answer);
    }
    if (entry.pooled != nullptr) {
        idle_.push_back(entry.pooled); // its one waiter is done with the answer
    }
    if (--finishing_ == 0) {
        // The outermost finish: no waiter runs, so no climb holds an answer of the cache.
        trim_cache();
    }
}

void LiveLookups::trim_cache() {
    for (auto& [key, table] : tables_) {
        if (table.size() <= cache_limit_) {
            continue;
        }
        // Every answer nobody waits for: the in-flight ones stay (the engine points at them).
        for (auto it = table.begin(); it != table.end();) {
            it = it->second.done ? table.erase(it) : std::next(it);
        }
    }
}

void LiveLookups::query(
    const Route& route, const std::string& name, std::uint16_t type,
    std::function<void(const std::optional<dns::Message>&, const std::string&, const std::string&)>
        done) {
    if (route.servers().empty()) {
        done(std::nullopt, "", "no DNS server to ask");
        return;
    }
    auto attempt = std::make_shared<std::function<void(std::size_t, std::string)>>();
    *attempt = [this, route, name, type, done, attempt](std::size_t index, std::string failures) {
        // `route` and `name` live in this closure, which lives until the callback has run.
        dns::Query q{&route.servers()[index], name, type, route.recursion_desired()};
        engine_.submit(q, [route, done, attempt, index, failures](const dns::Query& sent,
                                                                  const dns::Response& response) {
            std::string server = sent.server->display();
            std::string error = response.error;
            std::optional<dns::Message> message;
            if (response.ok) {
                message = dns::parse_message(response.wire, &error);
                if (message && message->rcode != dns::rcode_noerror &&
                    message->rcode != dns::rcode_nxdomain) {
                    error = "the server answered " + dns::rcode_name(message->rcode);
                    message.reset();
                }
            }
            if (!message && index + 1 < route.servers().size()) {
                (*attempt)(index + 1, failures + server + ": " + error + "; ");
                return;
            }
            done(message, server, message ? std::string() : failures + error);
            if (index + 1 >= route.servers().size() || message) {
                *attempt = nullptr; // break the self-reference
            }
        });
    };
    (*attempt)(0, {});
}

LiveSource::LiveSource(std::vector<dns::Server> servers, const dns::EngineOptions& options,
                       bool recursion_desired)
    : route_{std::move(servers), recursion_desired}, lookups_(options) {}

Answer LiveSource::lookup(const std::string& name) {
    Answer result;
    lookups_.lookup_caa(route_, dns_name::normalize(name),
                        [&result](const LiveAnswer& answer) { result = answer.answer; });
    lookups_.run();
    return result;
}

namespace {

// Starts climbs as earlier ones finish, so that at most `active.size()` are under way: memory
// stays bounded (and the engine's queue short) whatever the number of requests.
struct Driver {
    LiveLookups& lookups;
    const RequestSource& next_request;
    const std::function<void(std::size_t, Result&&)>& done;
    struct Active {
        std::size_t id = 0;
        ClimbRequest request;
        // Restarted for each climb of this slot; not done() while its climb is under way.
        Climber climber{std::string_view()};
    };
    std::vector<Active> active;
    std::vector<std::size_t> free_slots;
    bool exhausted = false;
    bool starting = false;

    const Route& route_for(const ClimbRequest& request, const std::string& name) const {
        if (request.zone.empty() || dns_name::is_at_or_below(name, request.zone)) {
            return request.route;
        }
        return request.fallback;
    }

    void start_more() {
        if (starting) {
            return; // the loop below, further up the stack, takes the freed slot
        }
        starting = true;
        while (!exhausted && !free_slots.empty()) {
            std::size_t slot = free_slots.back();
            Active& entry = active[slot];
            Supply supply = next_request(entry.request, entry.id);
            if (supply != Supply::climb) {
                exhausted = supply == Supply::none;
                break; // `wait`: asked again when a climb ends
            }
            free_slots.pop_back();
            entry.climber.restart(entry.request.name);
            advance(slot);
        }
        starting = false;
    }

    // `arrived`: the answer to the pending query, handed over by the cache (no second lookup).
    void advance(std::size_t slot, const LiveAnswer* arrived = nullptr) {
        Climber& climber = active[slot].climber;
        const ClimbRequest& request = active[slot].request;
        auto resume = [this, slot](const LiveAnswer& answer) { advance(slot, &answer); };
        while (const std::string* name = climber.next_query()) {
            const Route& route = route_for(request, *name);
            const LiveAnswer* answer = arrived;
            arrived = nullptr;
            if (answer == nullptr) {
                if (!request.shared && &route == &request.route && *name == climber.result().name) {
                    lookups.request_once(route, *name, resume);
                    return;
                }
                answer = lookups.find_or_request(route, *name, resume);
            }
            if (answer == nullptr) {
                return;
            }
            if (answer->referral && &route != &request.fallback) {
                answer = lookups.find_or_request(request.fallback, *name, resume);
                if (answer == nullptr) {
                    return;
                }
            }
            climber.feed(answer->answer);
        }
        finish(slot);
        start_more();
    }

    void finish(std::size_t slot) {
        Active& entry = active[slot];
        // `done` reads the climber's result (or moves from it); the next climb of this slot
        // restarts the climber.
        done(entry.id, entry.climber.release_result());
        free_slots.push_back(slot);
    }
};

} // namespace

void climb_stream(LiveLookups& lookups, const RequestSource& next_request,
                  const std::function<void(std::size_t, Result&&)>& done) {
    Driver driver{lookups, next_request, done, {}, {}, false, false};
    // Twice the window: climbs waiting on a shared ancestor's answer hold no query slot, and
    // the engine should never run out of queries to send.
    std::size_t slots = 2 * lookups.engine().options().max_in_flight + 16;
    driver.active.resize(slots);
    for (std::size_t slot = slots; slot-- > 0;) {
        driver.free_slots.push_back(slot);
    }
    driver.start_more();
    lookups.run();
    // run() returns when every lookup has completed, so every climb has; one still open would
    // be a bug: report it as a failure rather than lose the name.
    const Answer never{AnswerKind::failure, {}, {}, {}, "the lookup never completed", {}, {}};
    for (std::size_t slot = 0; slot < slots; ++slot) {
        if (!driver.active[slot].climber.done()) {
            driver.active[slot].climber.feed(never);
            driver.finish(slot);
        }
    }
    ClimbRequest request;
    std::size_t id = 0;
    while (!driver.exhausted && next_request(request, id) == Supply::climb) {
        Climber climber(request.name);
        climber.feed(never);
        done(id, climber.take_result());
    }
}

std::vector<Result> climb_all(LiveLookups& lookups, const std::vector<ClimbRequest>& requests) {
    lookups.expect_names(requests.size() + 16);
    std::vector<Result> results(requests.size());
    std::size_t next = 0;
    climb_stream(
        lookups,
        [&](ClimbRequest& request, std::size_t& id) {
            if (next == requests.size()) {
                return Supply::none;
            }
            request = requests[next];
            id = next++;
            return Supply::climb;
        },
        [&results](std::size_t index, Result&& result) { results[index] = std::move(result); });
    return results;
}

} // namespace caapol::climb
