// The verify run through resolvers: the sorted names climbed over the asynchronous window,
// in slices over threads, each result rendered in canonical order as soon as the ones before
// it are in, and dropped. Memory stays bounded whatever the number of names: a reorder window
// holds the finished results that wait for an earlier one, no climb starts beyond it, and
// what cannot go out yet (Prometheus's later metric families, the slices of other threads)
// waits in temporary files. The climbs themselves come from a `Climbs` per thread: live DNS
// (`live_climbs`) in a run, a scripted table in the unit tests.
#pragma once

#include "caapol/climb/live_source.hpp"
#include "caapol/diff/diff.hpp"
#include "caapol/dns/engine.hpp"
#include "caapol/dnssec/validator.hpp"
#include "caapol/output/results.hpp"
#include "caapol/verify/names.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>
#include <vector>

namespace caapol::verify {

// One thread's climbs: runs the climbs `next` supplies (respecting climb::Supply::wait) and
// hands each result to `done` with its id, in any order.
class Climbs {
public:
    virtual ~Climbs() = default;
    virtual void stream(const climb::RequestSource& next,
                        const std::function<void(std::size_t, climb::Result&&)>& done) = 0;
    virtual std::uint64_t queries_sent() const = 0;
    // DNSSEC signatures verified (each (RRset, RRSIG) once per run and thread).
    virtual std::uint64_t signatures_verified() const { return 0; }
};
// Makes one thread's climbs: `max_in_flight` is the thread's share of the window,
// `expected_names` the size of its slice.
using ClimbsFactory =
    std::function<std::unique_ptr<Climbs>(std::size_t max_in_flight, std::size_t expected_names)>;

// Live DNS: a climb::LiveLookups (its own sockets and bounded cache) per thread, validating
// with `dnssec` (nullptr: validation off) and the chain of trust asked through `chain`.
ClimbsFactory live_climbs(const dns::EngineOptions& engine, const dnssec::Options* dnssec,
                          climb::Route chain);

// Where the report goes (the output file or standard output).
class Sink {
public:
    virtual ~Sink() = default;
    virtual void write(std::string_view text) = 0;
};

struct Plan {
    const diff::Expectations& expectations;
    const SortedNames& names;
    std::size_t first_name = 0; // the slice of `names` checked (--shard)
    std::size_t name_count = 0;
    std::size_t max_threads = 1; // slices of 5,000 names or more each
    std::size_t max_in_flight = 150;
    climb::Route route{}; // the resolvers
    // Runs on each result before it is counted and rendered (the DNSSEC expiry warning, the
    // fields the chosen format does not show dropped); may be empty.
    std::function<void(diff::NameResult&)> complete{};
    // One name done (any thread); may be empty.
    std::function<void(const diff::NameResult&)> progress{};
    // Keep every result (in order) instead of rendering: --fix needs all the verdicts.
    bool keep_results = false;
};

struct Outcome {
    output::ResultsSummary summary;
    std::uint64_t queries_sent = 0;
    std::uint64_t signatures_verified = 0;
    std::vector<diff::NameResult> results; // keep_results only
};

// The run: the report written to `sink` through `stream` (unless keep_results). Throws
// InputError when a temporary file cannot be written.
Outcome run(const Plan& plan, const output::ResultsStream& stream, const ClimbsFactory& climbs,
            Sink& sink);

// verify --authoritative: the sorted names a chunk at a time (zones, their servers and serials
// looked up per chunk, then one climb per (name, server): verify::check_authoritative), each
// chunk's results rendered in order and dropped, so that memory stays bounded by the chunk.
struct AuthoritativePlan {
    const diff::Expectations& expectations;
    const SortedNames& names;
    std::size_t first_name = 0; // the slice of `names` checked (--shard)
    std::size_t name_count = 0;
    climb::Route resolvers{};           // for the zones, their servers, and names elsewhere
    std::uint16_t port = 53;            // of the authoritative servers
    const dnssec::Options* dnssec = {}; // nullptr: validation off
    std::function<void(diff::NameResult&)> complete{};
    std::function<void(const diff::NameResult&)> progress{};
    bool keep_results = false;
    std::size_t chunk_names = 2000;
};

Outcome run_authoritative(const AuthoritativePlan& plan, const output::ResultsStream& stream,
                          climb::LiveLookups& lookups, Sink& sink);

} // namespace caapol::verify
