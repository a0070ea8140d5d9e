// caapol verify: compare live DNS with the policy, through resolvers or at every
// authoritative server.
#include "caapol/cli/cli.hpp"
#include "caapol/cli/dnssec_options.hpp"
#include "caapol/cli/inputs.hpp"
#include "caapol/cli/progress.hpp"
#include "caapol/climb/live_source.hpp"
#include "caapol/core/atomic_file.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/text.hpp"
#include "caapol/diff/diff.hpp"
#include "caapol/dns/message.hpp"
#include "caapol/output/generate.hpp"
#include "caapol/output/results.hpp"
#include "caapol/policy/policy.hpp"
#include "caapol/verify/names.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <iostream>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

namespace caapol::cli {

namespace {

const char* const verify_usage =
    "usage: caapol verify [--resolver ADDR[@PORT]]... [--authoritative [--port N]]\n"
    "                     [--names FILE] [--format text|json|jsonl|prometheus] [--fix nsupdate]\n"
    "                     [--timeout SECONDS] [--retries N] [--max-in-flight N] [--threads N]\n"
    "                     [--shard K/N] [--strict] [--quiet] [-o FILE]\n"
    "                     [--dnssec validate|require|off] [--trust-anchor FILE]...\n"
    "                     [--dnssec-expiry-warn DAYS] [--now TIME] POLICY...\n\n"
    "Looks up the relevant CAA set of every policy domain and every name of --names in live\n"
    "DNS, climbing the tree exactly as a CA does (RFC 8659 section 3), and compares it with\n"
    "the set the policy expects (its closest policy domain). A name that no policy domain\n"
    "covers has no expectation: it is reported as unchecked, never as drift, and --fix never\n"
    "touches it. Through the resolvers given (default: /etc/resolv.conf), or with\n"
    "--authoritative at every address of every NS of each name's zone, without recursion.\n"
    "TTL differences are notes, never drift. --fix nsupdate writes an nsupdate script for the\n"
    "drifted names on standard output (the report then goes to standard error); a name whose\n"
    "set comes through a CNAME or DNAME gets a comment and a warning instead of updates.\n"
    "DNSSEC (CA/B BR 3.2.2.8.1): every answer a climb uses is validated from the trust anchors\n"
    "(DS and DNSKEY fetched through the same servers); each step is secure, insecure (proven\n"
    "unsigned), indeterminate (no anchor covers it) or bogus; bogus, or a failed DS/DNSKEY\n"
    "lookup, makes the name an error, as it makes a CA refuse. A signature expiring within\n"
    "--dnssec-expiry-warn days is a warning.\n"
    "On a terminal, standard error shows a progress line (names done, names/s, errors) unless\n"
    "--quiet or --authoritative.\n"
    "-o FILE writes what would go to standard output to FILE atomically, whatever the exit\n"
    "status (a monitoring job sees the drift), and leaves no temporary file when killed.\n"
    "Exit status: 0 every name matches (or is unchecked), 1 drift (or, with --strict, an\n"
    "unchecked name), 3 a lookup failed (wins over 1), 2 usage or input error (an output\n"
    "that cannot be written included).";

struct Shard {
    std::size_t index = 0; // 0-based
    std::size_t count = 1;
};

Shard parse_shard(const std::string& text) {
    auto slash = text.find('/');
    auto number = [&](const std::string& s) -> std::size_t {
        if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) {
            throw UsageError{"verify", "--shard '" + text::escape_for_terminal(text) +
                                           "': expected K/N with 0 <= K < N"};
        }
        return static_cast<std::size_t>(std::stoul(s));
    };
    if (slash == std::string::npos) {
        number("");
    }
    Shard shard{number(text.substr(0, slash)), number(text.substr(slash + 1))};
    if (shard.count == 0 || shard.index >= shard.count) {
        throw UsageError{"verify", "--shard '" + text::escape_for_terminal(text) +
                                       "': expected K/N with 0 <= K < N"};
    }
    return shard;
}

// What the chosen output shows of a result, the rest freed at once: the memory is reused for
// the next names instead of growing by a kilobyte per name (its page faults were a tenth of a
// 100,000-name run).
diff::NameResult keep_what_is_shown(diff::NameResult&& result, const std::string& format,
                                    bool fix) {
    if (fix || format == "json" || format == "jsonl") {
        return std::move(result); // the script and JSON use everything
    }
    diff::NameResult shown;
    shown.name = std::move(result.name);
    shown.status = result.status;
    shown.dnssec = std::move(result.dnssec);
    if (format == "text") {
        shown.step_dnssec = std::move(result.step_dnssec);
        shown.dnssec_warning = std::move(result.dnssec_warning);
        shown.expected_from = std::move(result.expected_from);
        shown.relevant_name = std::move(result.relevant_name);
        shown.found_at = std::move(result.found_at);
        shown.difference = std::move(result.difference);
        shown.notes = std::move(result.notes);
        shown.error = std::move(result.error);
        shown.servers = std::move(result.servers);
    }
    return shown;
}

// --authoritative: zones, their servers and serials, then one climb per (name, server).
std::vector<diff::NameResult>
verify_authoritative(const diff::Expectations& expectations, const std::vector<std::string>& names,
                     climb::LiveLookups& lookups, const climb::Route& resolvers, std::uint16_t port,
                     const DnssecSettings& dnssec) {
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
    if (dnssec.enabled()) {
        // Each server's answers validated on their own; the chain through the resolvers.
        lookups.enable_dnssec(dnssec.options, resolvers);
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

// What a run through the resolvers needs.
struct StreamPlan {
    const diff::Expectations& expectations;
    const verify::SortedNames& names;
    std::size_t first_name; // the slice of `names` checked (--shard)
    std::size_t name_count;
    const dns::EngineOptions& engine;
    std::size_t max_threads;
    const climb::Route& resolvers;
    const DnssecSettings& dnssec;
    const output::ResultsStream& stream;
    const std::string& format;
    bool fix;
};

struct StreamedRun {
    output::ResultsSummary summary;
    std::uint64_t queries_sent = 0;
};

// Where the text of one section of one slice of the names goes: the output itself (the first
// slice's first section, written as results come) or a temporary file, copied to the output in
// order once every slice is done. Nothing per name stays in memory once it is written.
class SectionSink {
public:
    explicit SectionSink(Output* out) : out_(out) {}
    void write(std::string& text) {
        if (text.empty()) {
            return;
        }
        if (out_ != nullptr) {
            out_->write(text);
        } else {
            if (!file_) {
                file_ = std::make_unique<verify::TempFile>();
            }
            file_->write(text);
        }
        text.clear();
    }
    void copy_to(Output& out) {
        if (file_) {
            file_->flush();
            file_->copy_to([&out](std::string_view piece) { out.write(piece); });
            file_.reset();
        }
    }

private:
    Output* out_;
    std::unique_ptr<verify::TempFile> file_;
};

// Through the resolvers, in canonical order. Climbs end out of order (a slow answer holds one
// back while hundreds of others finish); a reorder window holds the finished results until
// the ones before them are in, and no climb starts beyond the window, so memory is bounded by
// the window whatever the number of names. Each result is rendered and written in order and
// dropped; with `keep` (--fix) the results are kept instead, for the script.
StreamedRun verify_streaming(const StreamPlan& plan, Output& out, Progress& progress,
                             std::vector<diff::NameResult>* keep) {
    const dns::EngineOptions& engine = plan.engine;
    // With --threads, large runs are split: each thread climbs a contiguous slice of the
    // sorted names with its own sockets and cache (neighbours share ancestors, so little is
    // asked twice); the window is shared out among them. (Slices taken in chunks as threads
    // go measured no faster, and split more zones between two caches.)
    const std::size_t threads =
        std::min<std::size_t>({plan.max_threads, plan.name_count / 5000 + 1, engine.max_in_flight});
    const std::size_t sections = plan.stream.sections();
    // sinks[part * sections + k]: section k of slice `part`.
    std::vector<SectionSink> sinks;
    for (std::size_t part = 0; part < threads; ++part) {
        for (std::size_t k = 0; k < sections; ++k) {
            sinks.emplace_back(part == 0 && k == 0 && keep == nullptr ? &out : nullptr);
        }
    }
    std::vector<output::ResultsSummary> summaries(threads);
    std::vector<std::vector<diff::NameResult>> kept(threads);
    std::vector<std::uint64_t> sent(threads, 0);
    std::vector<std::exception_ptr> failures(threads);
    if (keep == nullptr) {
        out.write(plan.stream.opening(0));
    }
    auto work = [&](std::size_t part) {
        std::size_t at = plan.first_name + plan.name_count * part / threads;
        const std::size_t end = plan.first_name + plan.name_count * (part + 1) / threads;
        const std::size_t start = at;
        auto cursor = plan.names.from(at);
        dns::EngineOptions options = engine;
        options.max_in_flight = std::max<std::size_t>(1, engine.max_in_flight / threads);
        // Left to the OS at exit with its cache (freeing 50,000 answers took 15 ms).
        auto owned_lookups = std::make_unique<climb::LiveLookups>(options);
        climb::LiveLookups& lookups = *owned_lookups;
        lookups.expect_names(end - at + 16);
        if (plan.dnssec.enabled()) {
            lookups.enable_dnssec(plan.dnssec.options, plan.resolvers);
        }
        // More than the climbs under way at once (climb_stream's slots), so that the window
        // only holds climbs back behind a slow one.
        const std::size_t window = 4096 + 4 * options.max_in_flight;
        std::vector<std::optional<diff::NameResult>> ring(window);
        std::size_t next_write = at;
        std::string text[output::ResultsStream::max_sections];
        SectionSink* part_sinks = &sinks[part * sections];
        output::ResultsSummary& summary = summaries[part];
        auto write_ready = [&] {
            while (next_write < at && ring[next_write % window]) {
                diff::NameResult& r = *ring[next_write % window];
                output::count_result(summary, r);
                if (keep != nullptr) {
                    kept[part].push_back(std::move(r));
                } else {
                    plan.stream.add(r, part == 0 && next_write == start, text);
                }
                ring[next_write % window].reset();
                ++next_write;
            }
            for (std::size_t k = 0; k < sections; ++k) {
                if (text[k].size() >= (std::size_t{1} << 16)) {
                    part_sinks[k].write(text[k]);
                }
            }
        };
        climb::climb_stream(
            lookups,
            [&](climb::ClimbRequest& request, std::size_t& id) {
                if (at == end) {
                    return climb::Supply::none;
                }
                if (at - next_write >= window) {
                    return climb::Supply::wait; // the climb of next_write is under way
                }
                if (!cursor.next(request.name)) {
                    return climb::Supply::none; // never: the list holds `end` names
                }
                request.route = plan.resolvers;
                id = at++;
                return climb::Supply::climb;
            },
            [&](std::size_t index, climb::Result&& climb) {
                diff::NameResult r = diff::compare(plan.expectations, std::move(climb), false);
                if (plan.dnssec.enabled()) {
                    r.dnssec_warning = expiry_warning(plan.dnssec, r.dnssec);
                }
                progress.done(r.status == diff::Status::error);
                ring[index % window] = keep_what_is_shown(std::move(r), plan.format, plan.fix);
                write_ready();
            });
        write_ready();
        for (std::size_t k = 0; k < sections; ++k) {
            part_sinks[k].write(text[k]);
        }
        sent[part] = lookups.queries_sent();
        keep_until_exit(std::move(owned_lookups));
    };
    auto guarded = [&](std::size_t part) {
        try {
            work(part);
        } catch (...) {
            failures[part] = std::current_exception(); // a temporary file that failed
        }
    };
#ifdef __GLIBC__
    // Grow the heap in larger steps: with a thread per slice, glibc's per-thread arenas
    // otherwise grow page by page (tens of thousands of mprotect calls per 100,000 names).
    mallopt(M_TOP_PAD, 4 << 20);
#endif
    std::vector<std::thread> pool;
    for (std::size_t part = 1; part < threads; ++part) {
        pool.emplace_back(guarded, part);
    }
    guarded(0);
    for (auto& thread : pool) {
        thread.join();
    }
    for (const auto& failure : failures) {
        if (failure) {
            std::rethrow_exception(failure);
        }
    }
    StreamedRun run;
    for (std::size_t part = 0; part < threads; ++part) {
        run.summary.add(summaries[part]);
        run.queries_sent += sent[part];
        if (keep != nullptr) {
            for (auto& r : kept[part]) {
                keep->push_back(std::move(r));
            }
        }
    }
    if (keep == nullptr) {
        for (std::size_t k = 0; k < sections; ++k) {
            if (k > 0) {
                out.write(plan.stream.opening(k));
            }
            for (std::size_t part = 0; part < threads; ++part) {
                sinks[part * sections + k].copy_to(out);
            }
        }
        out.write(plan.stream.closing(run.summary));
    }
    return run;
}

} // namespace

int run_verify(const Arguments& args) {
    po::options_description options("options");
    options.add_options() //
        ("resolver", po::value<std::vector<std::string>>()->value_name("ADDR[@PORT]"),
         "ask this recursive resolver (repeatable, IPv4 or IPv6; tried in order when one "
         "fails; default: the nameservers of /etc/resolv.conf)") //
        ("authoritative", po::bool_switch(),
         "query every address of every NS of each name's zone directly, without recursion") //
        ("port", po::value<unsigned>()->value_name("N")->default_value(53),
         "port of the authoritative servers (--authoritative; for test setups)") //
        ("names", po::value<std::string>()->value_name("FILE"),
         "also check the names in FILE (one per line, '#' comments)") //
        ("format", po::value<std::string>()->value_name("FORMAT")->default_value("text"),
         "text, json, jsonl (JSON Lines: one object per name, then the summary) or prometheus "
         "(node_exporter textfile collector)") //
        ("fix", po::value<std::string>()->value_name("FORMAT"),
         "write a script that makes live DNS match the policy for the drifted names: "
         "nsupdate") //
        ("timeout", po::value<double>()->value_name("SECONDS")->default_value(2.0, "2"),
         "wait this long for each answer before retransmitting") //
        ("retries", po::value<unsigned>()->value_name("N")->default_value(2),
         "retransmissions of an unanswered query") //
        ("max-in-flight", po::value<unsigned>()->value_name("N")->default_value(150),
         "queries awaiting an answer at any moment (1-10000)") //
        ("threads", po::value<unsigned>()->value_name("N")->default_value(1),
         "split the sorted names over N threads (1-64), each with its own sockets and cache: an "
         "ancestor shared by two slices is asked once in each") //
        ("output,o", po::value<std::string>()->value_name("FILE"),
         "write the report (with --fix: the script) to FILE atomically instead of standard "
         "output, whatever the exit status; through a symbolic link, its target is replaced") //
        ("quiet,q", po::bool_switch(),
         "no progress line on standard error (there is none "
         "unless standard error is a terminal)") //
        ("shard", po::value<std::string>()->value_name("K/N"),
         "check only slice K (0 to N-1) of N of the sorted name list") //
        ("strict", po::bool_switch(),
         "names that no policy domain covers (unchecked) make the exit status 1") //
        ("policy", po::value<std::vector<std::string>>()->value_name("FILE"),
         "policy file (same as the POLICY... arguments)");
    add_dnssec_options(options);
    po::positional_options_description positional;
    positional.add("policy", -1);
    po::variables_map values;
    if (!parse_arguments("verify", verify_usage, options, positional, args, values)) {
        return exit_ok;
    }
    const DnssecSettings dnssec = dnssec_settings("verify", values);
    if (dnssec.enabled()) {
        try {
            dnssec::Validator probe(dnssec.options, {}); // the anchors load, or exit 2
        } catch (const std::runtime_error& e) {
            throw InputError{std::string("--trust-anchor: ") + e.what()};
        }
    }
    if (values.count("policy") == 0) {
        throw UsageError{"verify", "a POLICY file is needed"};
    }
    std::string format = values["format"].as<std::string>();
    const std::optional<output::ResultsFormat> results_format =
        output::parse_results_format(format);
    if (!results_format) {
        throw UsageError{"verify", "--format '" + text::escape_for_terminal(format) +
                                       "': expected text, json, jsonl or prometheus"};
    }
    bool fix = false;
    if (values.count("fix") > 0) {
        if (values["fix"].as<std::string>() != "nsupdate") {
            throw UsageError{
                "verify", "--fix '" + text::escape_for_terminal(values["fix"].as<std::string>()) +
                              "': the only fix format is nsupdate"};
        }
        if (format != "text") {
            throw UsageError{"verify", "--fix writes the script on standard output: it cannot be "
                                       "combined with --format " +
                                           format};
        }
        fix = true;
    }
    dns::EngineOptions engine;
    engine.timeout_seconds = values["timeout"].as<double>();
    if (!(engine.timeout_seconds > 0 && engine.timeout_seconds <= 60)) {
        throw UsageError{"verify", "--timeout must be more than 0 and at most 60 seconds"};
    }
    engine.retries = values["retries"].as<unsigned>();
    if (engine.retries > 10) {
        throw UsageError{"verify", "--retries must be at most 10"};
    }
    unsigned in_flight = values["max-in-flight"].as<unsigned>();
    if (in_flight < 1 || in_flight > 10000) {
        throw UsageError{"verify", "--max-in-flight must be between 1 and 10000"};
    }
    engine.max_in_flight = in_flight;
    // One thread by default: one cache, so every (server, name) is asked once per run. More
    // threads pay only when caapol itself is the limit, and then the resolver is usually on
    // the same machine competing for the cores (on 2 cores with NSD on loopback: 1 thread
    // 0.86 s for 100,001 names, 2 threads 1.15 s). Far resolvers are limited by the window.
    std::size_t max_threads = 1;
    if (values.count("threads") > 0) {
        unsigned requested = values["threads"].as<unsigned>();
        if (requested < 1 || requested > 64) {
            throw UsageError{"verify", "--threads must be between 1 and 64"};
        }
        max_threads = requested;
    }
    unsigned port = values["port"].as<unsigned>();
    bool authoritative = values["authoritative"].as<bool>();
    if (!values["port"].defaulted() && !authoritative) {
        throw UsageError{"verify", "--port needs --authoritative (give a resolver's port as "
                                   "--resolver ADDR@PORT)"};
    }
    if (port < 1 || port > 65535) {
        throw UsageError{"verify", "--port must be between 1 and 65535"};
    }
    Shard shard;
    if (values.count("shard") > 0) {
        shard = parse_shard(values["shard"].as<std::string>());
    }
    std::vector<dns::Server> resolvers;
    if (values.count("resolver") > 0) {
        for (const auto& text : values["resolver"].as<std::vector<std::string>>()) {
            std::string error;
            auto server = dns::parse_server(text, 53, &error);
            if (!server) {
                throw UsageError{"verify", "--resolver: " + error};
            }
            resolvers.push_back(*server);
        }
    }

    Diagnostics diagnostics;
    policy::Policy policy =
        policy::load(values["policy"].as<std::vector<std::string>>(), diagnostics);
    // Warnings are printed as check and generate print them; errors stop the run.
    diagnostics.sort_by_location();
    print_diagnostics(diagnostics, std::cerr, Severity::warning);
    if (diagnostics.has_errors()) {
        std::cerr << "caapol verify: error: the policy has errors (" << summarize(diagnostics)
                  << "); run 'caapol check'\n";
        return exit_input;
    }

    // Opened before the lookups: an unwritable FILE fails now, not after the run, and a
    // signal during the run removes the temporary file.
    Output out(values.count("output") > 0 ? values["output"].as<std::string>() : "-");

    // The names in canonical order, each once, sorted in bounded memory (verify/names.hpp):
    // past a chunk they go through temporary files, never all in memory at once.
    verify::NameSorter sorter;
    for (const auto& domain : policy.domains) {
        sorter.add(domain.name);
    }
    if (values.count("names") > 0) {
        for_each_name(values["names"].as<std::string>(),
                      [&sorter](std::string&& name) { sorter.add(std::move(name)); });
    }
    const verify::SortedNames names = sorter.finish();
    // --shard: a contiguous slice of the sorted list (neighbours share ancestors: cache hits).
    const std::size_t first_name = names.size() * shard.index / shard.count;
    const std::size_t name_count = names.size() * (shard.index + 1) / shard.count - first_name;

    if (resolvers.empty()) {
        resolvers = dns::read_resolv_conf();
        if (resolvers.empty() && name_count > 0) {
            std::cerr << "caapol verify: error: no resolver: /etc/resolv.conf names none; give "
                         "--resolver ADDR[@PORT]\n";
            return exit_input;
        }
    }

    // On a terminal: names done / total, names/s, errors so far, erased at the end.
    Progress progress("verify", name_count, !values["quiet"].as<bool>() && !authoritative);
    auto lookups_started = std::chrono::steady_clock::now();
    climb::Route resolver_route{resolvers, true};
    // The expectations, built once for the run.
    const diff::Expectations expectations(policy);
    // The fixed clock (--now, SOURCE_DATE_EPOCH) or the system's.
    const output::ResultsStream stream(*results_format, dnssec.options.now, dnssec.enabled());
    std::vector<diff::NameResult> results; // --authoritative and --fix only
    output::ResultsSummary summary;
    std::uint64_t queries_sent = 0;
    if (authoritative) {
        // Zones, servers and serials first, then every (name, server): the whole list at once
        // (a zone's servers are a handful; this mode is for an operator's own zones).
        std::vector<std::string> listed;
        listed.reserve(name_count);
        auto cursor = names.from(first_name);
        for (std::string name; listed.size() < name_count && cursor.next(name);) {
            listed.push_back(std::move(name));
        }
        climb::LiveLookups lookups(engine);
        results = verify_authoritative(expectations, listed, lookups, resolver_route,
                                       static_cast<std::uint16_t>(port), dnssec);
        for (auto& r : results) {
            r.dnssec_warning = expiry_warning(dnssec, r.dnssec);
        }
        if (fix) {
            find_wildcard_owners(results, lookups, resolver_route);
        }
        queries_sent = lookups.queries_sent();
        summary = output::summarize_results(results);
    } else {
        StreamedRun run =
            verify_streaming(StreamPlan{expectations, names, first_name, name_count, engine,
                                        max_threads, resolver_route, dnssec, stream, format, fix},
                             out, progress, fix ? &results : nullptr);
        summary = run.summary;
        queries_sent = run.queries_sent;
        if (fix) {
            climb::LiveLookups probes(engine);
            find_wildcard_owners(results, probes, resolver_route);
            queries_sent += probes.queries_sent();
        }
    }

    progress.finish();
    double lookup_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - lookups_started).count();
    if (fix) {
        std::ostringstream rendered;
        std::cerr << output::render_results_text(results);
        diff::Fixes fixes = diff::fixes(expectations, results);
        const std::vector<policy::Domain>& domains = fixes.domains;
        output::GenerateOptions generate_options;
        generate_options.header = false;
        rendered << "; caapol verify --fix nsupdate: " << domains.size()
                 << (domains.size() == 1 ? " name" : " names") << " to change";
        if (!fixes.unfixable.empty()) {
            rendered << ", " << fixes.unfixable.size()
                     << (fixes.unfixable.size() == 1 ? " drifted name" : " drifted names")
                     << " not fixable here";
        }
        rendered << "; review, then run with nsupdate -k KEYFILE\n";
        // A name whose set comes through an alias gets no update lines (a server ignores CAA
        // records added at an alias: the script would look like a fix and fix nothing).
        for (const auto& unfixable : fixes.unfixable) {
            std::string line = text::escape_for_terminal(diff::describe(unfixable));
            rendered << "; " << line << "\n";
            std::cerr << "caapol verify: warning: " << line << "\n";
        }
        if (!domains.empty()) {
            try {
                rendered << output::render(output::Format::nsupdate, domains, generate_options);
            } catch (const output::GenerateError& e) {
                std::cerr << "caapol verify: error: " << e.message << "\n";
                return exit_input;
            }
        }
        out.write(rendered.str());
    } else if (authoritative) {
        out.write(output::render_results(*results_format, results, dnssec.options.now));
    }
    // (Through the resolvers the report is already written, result by result.)
    out.finish(); // whatever the exit status: a monitoring job must see the drift
    // For bench/verify: how much DNS work the run took.
    if (const char* stats = std::getenv("CAAPOL_VERIFY_STATS"); stats != nullptr && *stats) {
        std::cerr << "caapol verify: " << name_count << " names, " << queries_sent
                  << " queries sent, lookups took " << lookup_seconds << " s\n";
    }
    keep_until_exit(std::make_unique<std::vector<diff::NameResult>>(std::move(results)));
    if (summary.error > 0) {
        return exit_lookup;
    }
    bool strict = values["strict"].as<bool>();
    return summary.drift > 0 || (strict && summary.unchecked > 0) ? exit_findings : exit_ok;
}

} // namespace caapol::cli
