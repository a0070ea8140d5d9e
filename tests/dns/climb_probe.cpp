// Test tool: climbs names over live DNS with climb::LiveSource (one at a time) or climb_all
// (batch) and prints one line per name, for tests/dns/*.py.
//   climb_probe [--batch] [--window N] [--timeout S] [--retries N] [--norec] SERVER NAME...
#include "caapol/caa/record.hpp"
#include "caapol/climb/live_source.hpp"
#include "caapol/core/text.hpp"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>

using namespace caapol;

int main(int argc, char** argv) {
    dns::EngineOptions options;
    options.timeout_seconds = 2;
    options.retries = 1;
    bool batch = false;
    bool recursion = true;
    int i = 1;
    for (; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--batch") {
            batch = true;
        } else if (a == "--norec") {
            recursion = false;
        } else if (a == "--timeout" && i + 1 < argc) {
            options.timeout_seconds = std::atof(argv[++i]);
        } else if (a == "--window" && i + 1 < argc) {
            options.max_in_flight = static_cast<std::size_t>(std::atoi(argv[++i]));
        } else if (a == "--retries" && i + 1 < argc) {
            options.retries = static_cast<unsigned>(std::atoi(argv[++i]));
        } else {
            break;
        }
    }
    if (argc - i < 2) {
        std::cerr << "usage: climb_probe [--batch] [--window N] [--timeout S] [--retries N] "
                     "[--norec] SERVER NAME...\n";
        return 2;
    }
    std::string error;
    auto server = dns::parse_server(argv[i], 53, &error);
    if (!server) {
        std::cerr << error << "\n";
        return 2;
    }
    std::vector<std::string> names(argv + i + 1, argv + argc);
    std::vector<climb::Result> results;
    std::uint64_t sent = 0;
    if (batch) {
        climb::LiveLookups lookups(options);
        std::vector<climb::ClimbRequest> requests;
        for (const auto& n : names) {
            requests.push_back({n, climb::Route{{*server}, recursion}, {}, {}});
        }
        results = climb::climb_all(lookups, requests);
        sent = lookups.queries_sent();
    } else {
        climb::LiveSource source({*server}, options, recursion);
        for (const auto& n : names) {
            results.push_back(climb::climb(source, n));
        }
        sent = source.queries_sent();
    }
    for (const auto& r : results) {
        std::cout << r.name << " " << climb::outcome_name(r.outcome);
        if (r.outcome == climb::Outcome::found) {
            std::cout << " at=" << r.relevant_name << " found_at=" << r.found_at;
            std::vector<std::string> shown; // sorted: resolvers rotate RRsets
            for (const auto& rec : r.records) {
                shown.push_back(text::escape_for_terminal(caa::to_presentation(rec.record)));
            }
            std::sort(shown.begin(), shown.end());
            for (const auto& s : shown) {
                std::cout << " [" << s << "]";
            }
        }
        if (r.outcome == climb::Outcome::failure) {
            std::cout << " reason=" << text::escape_for_terminal(r.reason);
        }
        std::cout << " lookups=" << r.path.size() << "\n";
    }
    std::cout << "queries_sent " << sent << "\n";
    return 0;
}
