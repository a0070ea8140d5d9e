#include "caapol/climb/live_source.hpp"

#include "caapol/core/dns_name.hpp"

#include <memory>

namespace caapol::climb {

const std::string& Route::key() const {
    if (key_cache_.empty()) {
        key_cache_ = recursion_desired ? "rd" : "norec";
        for (const auto& server : servers) {
            key_cache_ += " " + server.display();
        }
    }
    return key_cache_;
}

namespace {
std::string cache_key(const Route& route, const std::string& name) {
    std::string key;
    key.reserve(route.key().size() + 1 + name.size());
    key += route.key();
    key.push_back('\n');
    key += name;
    return key;
}
} // namespace

LiveLookups::LiveLookups(const dns::EngineOptions& options) : engine_(options) {}

const dns::CaaAnswer* LiveLookups::cached(const Route& route, const std::string& name) const {
    auto it = cache_.find(cache_key(route, name));
    return it == cache_.end() ? nullptr : &it->second;
}

void LiveLookups::lookup_caa(const Route& route, const std::string& name,
                             std::function<void(const dns::CaaAnswer&)> done) {
    auto key = cache_key(route, name);
    if (auto it = cache_.find(key); it != cache_.end()) {
        done(it->second);
        return;
    }
    auto& waiters = waiting_[key];
    waiters.push_back(std::move(done));
    if (waiters.size() == 1) {
        send_caa(route, name, 0, {});
    }
}

void LiveLookups::send_caa(const Route& route, const std::string& name, std::size_t server_index,
                           std::string earlier_failures) {
    if (route.servers.empty()) {
        dns::CaaAnswer answer;
        answer.answer.kind = AnswerKind::failure;
        answer.answer.reason = "no DNS server to ask";
        auto key = cache_key(route, name);
        cache_[key] = answer;
        auto waiters = std::move(waiting_[key]);
        waiting_.erase(key);
        for (auto& w : waiters) {
            w(cache_[key]);
        }
        return;
    }
    dns::Query query{route.servers[server_index], name, dns::type_caa, route.recursion_desired};
    // The route is captured by address (it outlives run(), see the header): copying its
    // server list for every query showed in profiles.
    const Route* route_pointer = &route;
    engine_.submit(query, [this, route_pointer, server_index,
                           earlier_failures](const dns::Query& q, dns::Response response) {
        const Route& route = *route_pointer;
        const std::string& name = q.name;
        std::string server = q.server.display();
        dns::CaaAnswer answer;
        if (response.ok) {
            answer = dns::interpret_caa(response.wire, name, server);
        } else {
            answer.answer.kind = AnswerKind::failure;
            answer.answer.reason = response.error;
            answer.answer.server = server;
        }
        if (answer.answer.kind == AnswerKind::failure && !answer.referral &&
            server_index + 1 < route.servers.size()) {
            std::string failures = earlier_failures + server + ": " + answer.answer.reason + "; ";
            send_caa(route, name, server_index + 1, failures);
            return;
        }
        if (answer.answer.kind == AnswerKind::failure && !earlier_failures.empty()) {
            answer.answer.reason = earlier_failures + server + ": " + answer.answer.reason;
        }
        auto key = cache_key(route, name);
        auto& stored = cache_[key] = std::move(answer);
        auto waiters = std::move(waiting_[key]);
        waiting_.erase(key);
        for (auto& w : waiters) {
            w(stored);
        }
    });
}

void LiveLookups::query(
    const Route& route, const std::string& name, std::uint16_t type,
    std::function<void(const std::optional<dns::Message>&, const std::string&, const std::string&)>
        done) {
    if (route.servers.empty()) {
        done(std::nullopt, "", "no DNS server to ask");
        return;
    }
    auto attempt = std::make_shared<std::function<void(std::size_t, std::string)>>();
    *attempt = [this, route, name, type, done, attempt](std::size_t index, std::string failures) {
        dns::Query q{route.servers[index], name, type, route.recursion_desired};
        engine_.submit(q, [route, done, attempt, index, failures](const dns::Query& sent,
                                                                  dns::Response response) {
            std::string server = sent.server.display();
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
            if (!message && index + 1 < route.servers.size()) {
                (*attempt)(index + 1, failures + server + ": " + error + "; ");
                return;
            }
            done(message, server, message ? std::string() : failures + error);
            if (index + 1 >= route.servers.size() || message) {
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
                        [&result](const dns::CaaAnswer& answer) { result = answer.answer; });
    lookups_.run();
    return result;
}

namespace {

struct Driver {
    LiveLookups& lookups;
    const std::vector<ClimbRequest>& requests;
    std::vector<Climber> climbers;

    const Route& route_for(const ClimbRequest& request, const std::string& name) const {
        if (request.zone.empty() || dns_name::is_at_or_below(name, request.zone)) {
            return request.route;
        }
        return request.fallback;
    }

    void advance(std::size_t index) {
        Climber& climber = climbers[index];
        const ClimbRequest& request = requests[index];
        while (auto name = climber.next_query()) {
            const Route& route = route_for(request, *name);
            const dns::CaaAnswer* answer = lookups.cached(route, *name);
            if (answer != nullptr && answer->referral && &route != &request.fallback) {
                answer = lookups.cached(request.fallback, *name);
                if (answer == nullptr) {
                    ask(index, request.fallback, *name);
                    return;
                }
            }
            if (answer == nullptr) {
                ask(index, route, *name);
                return;
            }
            climber.feed(answer->answer);
        }
    }

    void ask(std::size_t index, const Route& route, const std::string& name) {
        lookups.lookup_caa(route, name, [this, index](const dns::CaaAnswer&) { advance(index); });
    }
};

} // namespace

std::vector<Result> climb_all(LiveLookups& lookups, const std::vector<ClimbRequest>& requests) {
    Driver driver{lookups, requests, {}};
    driver.climbers.reserve(requests.size());
    for (const auto& request : requests) {
        driver.climbers.emplace_back(request.name);
    }
    for (std::size_t i = 0; i < requests.size(); ++i) {
        driver.advance(i);
    }
    lookups.run();
    std::vector<Result> results;
    results.reserve(requests.size());
    for (auto& climber : driver.climbers) {
        if (!climber.done()) { // cannot happen: run() returns when every lookup completed
            climber.feed(Answer{AnswerKind::failure, {}, {}, {}, "the lookup never completed", {}});
        }
        results.push_back(climber.take_result());
    }
    return results;
}

} // namespace caapol::climb
