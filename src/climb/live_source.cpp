#include "caapol/climb/live_source.hpp"

#include "caapol/core/dns_name.hpp"

#include <memory>

namespace caapol::climb {

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

LiveLookups::Table* LiveLookups::find_table(const Route& route) const {
    if (last_table_ != nullptr && route.same_as(last_route_)) {
        return last_table_;
    }
    auto it = tables_.find(route.key());
    return it == tables_.end() ? nullptr : const_cast<Table*>(&it->second);
}

LiveLookups::Table& LiveLookups::table_for(const Route& route) {
    if (last_table_ != nullptr && route.same_as(last_route_)) {
        return *last_table_;
    }
    auto [it, inserted] = tables_.try_emplace(route.key());
    if (inserted && expected_names_ > 0) {
        it->second.reserve(expected_names_);
    }
    last_route_ = route;
    last_table_ = &it->second;
    return it->second;
}

const dns::CaaAnswer* LiveLookups::cached(const Route& route, const std::string& name) const {
    const Table* table = find_table(route);
    if (table == nullptr) {
        return nullptr;
    }
    auto it = table->find(name);
    return it == table->end() || !it->second.done ? nullptr : &it->second.answer;
}

const dns::CaaAnswer* LiveLookups::find_or_request(const Route& route, const std::string& name,
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
    entry.route = route;
    entry.first = std::move(waiter);
    send(*it);
    return nullptr;
}

void LiveLookups::lookup_caa(const Route& route, const std::string& name, Waiter done) {
    if (const dns::CaaAnswer* answer = find_or_request(route, name, done)) {
        done(*answer);
    }
}

void LiveLookups::send(Node& node) {
    Entry& entry = node.second;
    const auto& servers = entry.route.servers();
    if (servers.empty()) {
        entry.answer.answer.kind = AnswerKind::failure;
        entry.answer.answer.reason = "no DNS server to ask";
        finish(entry);
        return;
    }
    dns::Query query{servers[entry.server_index], node.first, dns::type_caa,
                     entry.route.recursion_desired()};
    // Two pointers: small enough for std::function to hold without allocating. Nodes of an
    // unordered_map stay put when it grows.
    Node* pointer = &node;
    engine_.submit(std::move(query),
                   [this, pointer](const dns::Query&, const dns::Response& response) {
                       on_answer(*pointer, response);
                   });
}

void LiveLookups::on_answer(Node& node, const dns::Response& response) {
    Entry& entry = node.second;
    const std::string& server = entry.route.display(entry.server_index);
    dns::CaaAnswer answer;
    if (response.ok) {
        answer = dns::interpret_caa(response.wire, node.first, server);
    } else {
        answer.answer.kind = AnswerKind::failure;
        answer.answer.reason = response.error;
        answer.answer.server = server;
    }
    if (answer.answer.kind == AnswerKind::failure && !answer.referral &&
        entry.server_index + 1 < entry.route.servers().size()) {
        entry.failures += server + ": " + answer.answer.reason + "; ";
        ++entry.server_index;
        send(node);
        return;
    }
    if (answer.answer.kind == AnswerKind::failure && !entry.failures.empty()) {
        answer.answer.reason = entry.failures + server + ": " + answer.answer.reason;
    }
    entry.answer = std::move(answer);
    finish(entry);
}

void LiveLookups::finish(Entry& entry) {
    entry.done = true;
    entry.failures.clear();
    Waiter first = std::move(entry.first);
    entry.first = nullptr;
    std::vector<Waiter> more = std::move(entry.more);
    entry.more.clear();
    // The waiters may ask for more names (the table grows; this entry stays where it is).
    if (first) {
        first(entry.answer);
    }
    for (auto& waiter : more) {
        waiter(entry.answer);
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
        dns::Query q{route.servers()[index], name, type, route.recursion_desired()};
        engine_.submit(q, [route, done, attempt, index, failures](const dns::Query& sent,
                                                                  const dns::Response& response) {
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
        auto resume = [this, index](const dns::CaaAnswer&) { advance(index); };
        while (const std::string* name = climber.next_query()) {
            const Route& route = route_for(request, *name);
            const dns::CaaAnswer* answer = lookups.find_or_request(route, *name, resume);
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
    }
};

} // namespace

std::vector<Result> climb_all(LiveLookups& lookups, const std::vector<ClimbRequest>& requests) {
    Driver driver{lookups, requests, {}};
    lookups.expect_names(requests.size() + 16);
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
