#include "caapol/verify/authoritative.hpp"

#include "caapol/caa/record.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/dns/message.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <string>

namespace caapol::verify {

// --authoritative: zones, their servers and serials, then one climb per (name, server).
std::vector<diff::NameResult> check_authoritative(const diff::Expectations& expectations,
                                                  const std::vector<std::string>& names,
                                                  climb::LiveLookups& lookups,
                                                  const climb::Route& resolvers, std::uint16_t port,
                                                  const dnssec::Options* dnssec) {
    // 1. The zone of each name: the closest enclosing name with an SOA of its own.
    std::map<std::string, std::string> apex_error; // candidate -> "" (apex), "-" (not), error
    std::map<std::string, std::string> candidate_of;
    std::map<std::string, std::string> zone_of;
    std::map<std::string, std::string> name_error;
    for (const auto& name : names) {
        candidate_of[name] = std::string(dns_name::strip_wildcard(name));
    }
    while (!candidate_of.empty()) {
        std::set<std::string> wanted;
        for (const auto& [name, candidate] : candidate_of) {
            if (apex_error.count(candidate) == 0) {
                wanted.insert(candidate);
            }
        }
        for (const auto& candidate : wanted) {
            lookups.query(
                resolvers, candidate, dns::type_soa,
                [&apex_error, candidate](const std::optional<dns::Message>& m,
                                         const std::string& server, const std::string& error) {
                    if (!m) {
                        apex_error[candidate] =
                            "SOA lookup of " + candidate + " failed at " + server + ": " + error;
                        return;
                    }
                    bool apex = false;
                    for (const auto& rr : m->answer) {
                        apex = apex || (rr.type == dns::type_soa && rr.owner == candidate);
                    }
                    apex_error[candidate] = apex ? "" : "-";
                });
        }
        lookups.run();
        for (auto it = candidate_of.begin(); it != candidate_of.end();) {
            const std::string& state = apex_error[it->second];
            if (state.empty()) {
                zone_of[it->first] = it->second;
            } else if (state != "-") {
                name_error[it->first] = state;
            } else {
                it->second = dns_name::parent(it->second);
                if (!it->second.empty()) {
                    ++it;
                    continue;
                }
                name_error[it->first] = "no zone found above " + it->first;
            }
            it = candidate_of.erase(it);
        }
    }

    // 2. The NS names of each zone, 3. their addresses.
    std::map<std::string, std::vector<std::string>> ns_of;
    std::map<std::string, std::string> zone_error;
    std::set<std::string> zones;
    for (const auto& [name, zone] : zone_of) {
        zones.insert(zone);
    }
    for (const auto& zone : zones) {
        lookups.query(resolvers, zone, dns::type_ns,
                      [&, zone](const std::optional<dns::Message>& m, const std::string& server,
                                const std::string& error) {
                          if (!m) {
                              zone_error[zone] =
                                  "NS lookup of " + zone + " failed at " + server + ": " + error;
                              return;
                          }
                          for (const auto& rr : m->answer) {
                              if (rr.type == dns::type_ns && rr.owner == zone) {
                                  ns_of[zone].push_back(rr.target);
                              }
                          }
                          if (ns_of[zone].empty()) {
                              zone_error[zone] = "no NS records for " + zone + " at " + server;
                          }
                      });
    }
    lookups.run();
    std::map<std::string, std::set<std::string>> addresses_of;
    std::map<std::string, std::string> host_error;
    std::set<std::string> hosts;
    for (const auto& [zone, list] : ns_of) {
        hosts.insert(list.begin(), list.end());
    }
    for (const auto& host : hosts) {
        for (std::uint16_t type : {dns::type_a, dns::type_aaaa}) {
            lookups.query(resolvers, host, type,
                          [&, host, type](const std::optional<dns::Message>& m,
                                          const std::string& server, const std::string& error) {
                              if (!m) {
                                  host_error[host] += dns::type_name(type) + " lookup of " + host +
                                                      " failed at " + server + ": " + error + "; ";
                                  return;
                              }
                              for (const auto& rr : m->answer) {
                                  if (rr.type == type && !rr.target.empty()) {
                                      addresses_of[host].insert(rr.target);
                                  }
                              }
                          });
        }
    }
    lookups.run();
    std::map<std::string, std::vector<dns::Server>> servers_of;
    for (const auto& zone : zones) {
        std::set<std::string> seen;
        for (const auto& host : ns_of[zone]) {
            for (const auto& address : addresses_of[host]) {
                if (seen.insert(address).second) {
                    servers_of[zone].push_back(dns::Server{address, port});
                }
            }
        }
        std::sort(
            servers_of[zone].begin(), servers_of[zone].end(),
            [](const dns::Server& a, const dns::Server& b) { return a.display() < b.display(); });
        if (servers_of[zone].empty() && zone_error.count(zone) == 0) {
            std::string why;
            for (const auto& host : ns_of[zone]) {
                why += host_error[host];
            }
            zone_error[zone] = "no address found for the name servers of " + zone +
                               (why.empty() ? "" : " (" + why.substr(0, why.size() - 2) + ")");
        }
    }

    // 4. Each server's SOA serial of its zone.
    std::map<std::pair<std::string, std::string>,
             std::pair<std::optional<std::uint32_t>, std::string>>
        serials;
    for (const auto& [zone, servers] : servers_of) {
        for (const auto& server : servers) {
            climb::Route direct{{server}, false};
            auto key = std::make_pair(zone, server.display());
            lookups.query(direct, zone, dns::type_soa,
                          [&serials, key](const std::optional<dns::Message>& m, const std::string&,
                                          const std::string& error) {
                              auto& slot = serials[key];
                              if (!m) {
                                  slot.second = error;
                                  return;
                              }
                              for (const auto& rr : m->answer) {
                                  if (rr.type == dns::type_soa && rr.owner == key.first) {
                                      slot.first = rr.serial;
                                  }
                              }
                              if (!slot.first) {
                                  slot.second = "no SOA in the answer";
                              }
                          });
        }
    }
    lookups.run();

    // 5. One climb per (name, server): the server's zone directly, the rest via the resolvers.
    std::vector<climb::ClimbRequest> requests;
    std::vector<std::pair<std::size_t, diff::ServerView>> owners; // name index, view template
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto zone = zone_of.find(names[i]);
        if (zone == zone_of.end() || servers_of.count(zone->second) == 0) {
            continue;
        }
        for (const auto& server : servers_of[zone->second]) {
            requests.push_back({names[i], climb::Route{{server}, false}, zone->second, resolvers});
            diff::ServerView view;
            view.server = server.display();
            view.zone = zone->second;
            auto& serial = serials[{zone->second, view.server}];
            view.serial = serial.first;
            view.serial_error = serial.second;
            owners.emplace_back(i, std::move(view));
        }
    }
    if (dnssec != nullptr && lookups.validator() == nullptr) {
        // Each server's answers validated on their own; the chain through the resolvers (one
        // validator for the run: its keys and chain states serve every chunk of names).
        lookups.enable_dnssec(*dnssec, resolvers);
    }
    std::vector<climb::Result> climbs = climb::climb_all(lookups, requests);
    std::vector<std::vector<diff::ServerView>> views(names.size());
    for (std::size_t k = 0; k < climbs.size(); ++k) {
        owners[k].second.result = std::move(climbs[k]);
        views[owners[k].first].push_back(std::move(owners[k].second));
    }

    std::vector<diff::NameResult> results;
    for (std::size_t i = 0; i < names.size(); ++i) {
        const std::string& name = names[i];
        std::string error;
        if (auto e = name_error.find(name); e != name_error.end()) {
            error = e->second;
        } else if (auto z = zone_error.find(zone_of[name]); z != zone_error.end()) {
            error = z->second;
        }
        if (!error.empty()) {
            diff::NameResult r = diff::compare_servers(expectations, name, {});
            r.error = error;
            results.push_back(std::move(r));
            continue;
        }
        results.push_back(diff::compare_servers(expectations, name, std::move(views[i])));
    }
    return results;
}

// A resolver's answer does not say whether a wildcard synthesized it. For a drifted name whose
// set was found at the name itself, ask the wildcard owners "*.P" for P from the expected
// domain down to the name's parent: the first, from the top, that holds the same set is where
// the set lives (a wildcard above would have matched first), so that --fix changes that owner
// and not the name, where a deletion removes nothing. Drift is rare: a few queries per drifted
// name, once per run, and only for --fix (a monitoring run asks one query per name).
void find_wildcard_owners(std::vector<diff::NameResult>& results, climb::LiveLookups& lookups,
                          const climb::Route& route) {
    struct Probe {
        diff::NameResult* result;
        std::vector<std::string> owners; // "*.P", from the top
    };
    std::vector<Probe> probes;
    std::map<std::string, std::optional<climb::Answer>> answers;
    for (auto& r : results) {
        if (r.status != diff::Status::drift || !r.aliases.empty() || r.expected_from.empty() ||
            r.relevant_name.empty() || r.found_at != r.relevant_name ||
            r.relevant_name == r.expected_from ||
            !dns_name::is_at_or_below(r.relevant_name, r.expected_from)) {
            continue;
        }
        Probe probe{&r, {}};
        for (std::string p = dns_name::parent(r.relevant_name);; p = dns_name::parent(p)) {
            probe.owners.insert(probe.owners.begin(), "*." + p);
            if (p == r.expected_from || p.empty()) {
                break;
            }
        }
        for (const auto& owner : probe.owners) {
            answers.emplace(owner, std::nullopt);
        }
        probes.push_back(std::move(probe));
    }
    if (probes.empty()) {
        return;
    }
    for (auto& entry : answers) {
        // Not a structured binding: clang 14 cannot capture one (C++20 P1091).
        auto& slot = entry.second;
        lookups.lookup_caa(route, entry.first,
                           [&slot](const climb::LiveAnswer& answer) { slot = answer.answer; });
    }
    lookups.run();
    auto set_key = [](const std::vector<climb::SourcedRecord>& records) {
        std::vector<std::string> keys;
        for (const auto& r : records) {
            keys.push_back(caa::canonical_key(r.record));
        }
        std::sort(keys.begin(), keys.end());
        return keys;
    };
    for (auto& probe : probes) {
        const auto wanted = set_key(probe.result->actual);
        for (const auto& owner : probe.owners) {
            const auto& answer = answers[owner];
            if (answer && answer->kind == climb::AnswerKind::records && answer->aliases.empty() &&
                set_key(answer->records) == wanted) {
                probe.result->found_at = owner;
                probe.result->notes.push_back("the set is synthesized from the wildcard " + owner);
                // --authoritative: the servers that gave the same set got it from there too.
                for (auto& view : probe.result->servers) {
                    if (view.result.outcome == climb::Outcome::found &&
                        view.result.found_at == probe.result->relevant_name &&
                        set_key(view.result.records) == wanted) {
                        view.result.found_at = owner;
                    }
                }
                break;
            }
        }
    }
}

} // namespace caapol::verify
