#include "caapol/verify/run.hpp"

#include "caapol/core/diagnostic.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/verify/authoritative.hpp"

#include <algorithm>
#include <exception>
#include <optional>
#include <string>
#include <thread>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace caapol::verify {

namespace {

class LiveClimbs : public Climbs {
public:
    LiveClimbs(const dns::EngineOptions& options, const dnssec::Options* dnssec,
               const climb::Route& chain, std::size_t expected_names)
        : lookups_(options) {
        lookups_.expect_names(expected_names);
        if (dnssec != nullptr) {
            lookups_.enable_dnssec(*dnssec, chain);
        }
    }
    void stream(const climb::RequestSource& next,
                const std::function<void(std::size_t, climb::Result&&)>& done) override {
        climb::climb_stream(lookups_, next, done);
    }
    std::uint64_t queries_sent() const override { return lookups_.queries_sent(); }
    std::uint64_t signatures_verified() const override {
        return lookups_.validator() != nullptr ? lookups_.validator()->signatures_verified() : 0;
    }

private:
    climb::LiveLookups lookups_;
};

// Where the text of one section of one slice goes: the sink itself (the first slice's first
// section, written as results come) or a temporary file, copied to the sink in order once
// every slice is done.
class SectionSink {
public:
    explicit SectionSink(Sink* direct) : direct_(direct) {}
    void write(std::string& text) {
        if (text.empty()) {
            return;
        }
        if (direct_ != nullptr) {
            direct_->write(text);
        } else {
            if (!file_) {
                file_ = std::make_unique<TempFile>();
            }
            file_->write(text);
        }
        text.clear();
    }
    void copy_to(Sink& sink) {
        if (file_) {
            file_->flush();
            file_->copy_to([&sink](std::string_view piece) { sink.write(piece); });
            file_.reset();
        }
    }

private:
    Sink* direct_;
    std::unique_ptr<TempFile> file_;
};

} // namespace

ClimbsFactory live_climbs(const dns::EngineOptions& engine, const dnssec::Options* dnssec,
                          climb::Route chain) {
    std::optional<dnssec::Options> validation;
    if (dnssec != nullptr) {
        validation = *dnssec;
    }
    return [engine, validation, chain](std::size_t max_in_flight, std::size_t expected) {
        dns::EngineOptions options = engine;
        options.max_in_flight = max_in_flight;
        return std::make_unique<LiveClimbs>(options, validation ? &*validation : nullptr, chain,
                                            expected);
    };
}

Outcome run(const Plan& plan, const output::ResultsStream& stream, const ClimbsFactory& climbs,
            Sink& sink) {
    // With several threads, each climbs a contiguous slice of the sorted names with its own
    // sockets and cache (neighbours share ancestors, so little is asked twice); the window is
    // shared out among them. (Slices taken in chunks as threads go measured no faster, and
    // split more zones between two caches.)
    const std::size_t threads = std::max<std::size_t>(
        1,
        std::min<std::size_t>({plan.max_threads, plan.name_count / 5000 + 1, plan.max_in_flight}));
    const bool render = !plan.keep_results;
    const std::size_t sections = stream.sections();
    // sinks[part * sections + k]: section k of slice `part`.
    std::vector<SectionSink> sinks;
    for (std::size_t part = 0; part < threads; ++part) {
        for (std::size_t k = 0; k < sections; ++k) {
            sinks.emplace_back(part == 0 && k == 0 && render ? &sink : nullptr);
        }
    }
    std::vector<output::ResultsSummary> summaries(threads);
    std::vector<std::vector<diff::NameResult>> kept(threads);
    std::vector<std::uint64_t> sent(threads, 0);
    std::vector<std::uint64_t> verified(threads, 0);
    std::vector<std::exception_ptr> failures(threads);
    if (render) {
        sink.write(stream.opening(0));
    }
    auto work = [&](std::size_t part) {
        std::size_t at = plan.first_name + plan.name_count * part / threads;
        const std::size_t end = plan.first_name + plan.name_count * (part + 1) / threads;
        const std::size_t start = at;
        auto cursor = plan.names.from(at);
        std::string upcoming; // the next name of the slice, read ahead
        bool have_upcoming = false;
        const std::size_t in_flight = std::max<std::size_t>(1, plan.max_in_flight / threads);
        std::unique_ptr<Climbs> part_climbs = climbs(in_flight, end - at + 16);
        // Climbs end out of order (a slow answer holds one back while hundreds of others
        // finish): finished results wait here for the ones before them, and no climb starts
        // beyond the window. Larger than the climbs under way at once (climb_stream's slots),
        // so that it only holds climbs back behind a slow one.
        const std::size_t window = 4096 + 4 * in_flight;
        // The results are recycled (diff::compare_into), and a result held back comes from a
        // pool whose last returned (still in the CPU's caches) is taken first: the ring holds
        // only pointers.
        std::vector<std::unique_ptr<diff::NameResult>> ring(window);
        std::vector<std::unique_ptr<diff::NameResult>> spare;
        diff::NameResult in_order;
        std::size_t next_write = at;
        std::string text[output::ResultsStream::max_sections];
        SectionSink* part_sinks = &sinks[part * sections];
        output::ResultsSummary& summary = summaries[part];
        auto emit = [&](diff::NameResult& r) { // the result of name next_write
            output::count_result(summary, r);
            if (render) {
                stream.add(r, part == 0 && next_write == start, text);
            } else {
                kept[part].push_back(std::move(r));
            }
            ++next_write;
        };
        auto write_ready = [&] {
            while (next_write < at && ring[next_write % window]) {
                std::unique_ptr<diff::NameResult> held = std::move(ring[next_write % window]);
                emit(*held);
                spare.push_back(std::move(held));
            }
            for (std::size_t k = 0; k < sections; ++k) {
                if (text[k].size() >= (std::size_t{1} << 16)) {
                    part_sinks[k].write(text[k]);
                }
            }
        };
        part_climbs->stream(
            [&](climb::ClimbRequest& request, std::size_t& id) {
                if (at == end) {
                    return climb::Supply::none;
                }
                if (at - next_write >= window) {
                    return climb::Supply::wait; // the climb of next_write is under way
                }
                if (!have_upcoming && !cursor.next(upcoming)) {
                    return climb::Supply::none; // never: the list holds `end` names
                }
                request.name.swap(upcoming);
                // One name ahead: in canonical order the names below a name follow it, so
                // when the next one is not below it, no other climb of this slice asks it.
                have_upcoming = at + 1 < end && cursor.next(upcoming);
                request.shared = have_upcoming && dns_name::is_at_or_below(upcoming, request.name);
                request.route = plan.route;
                id = at++;
                return climb::Supply::climb;
            },
            [&](std::size_t index, climb::Result&& climb) {
                // Next in order (most are): straight out, not through the ring.
                const bool next = index == next_write;
                std::unique_ptr<diff::NameResult> held;
                if (!next) {
                    if (spare.empty()) {
                        held = std::make_unique<diff::NameResult>();
                    } else {
                        held = std::move(spare.back());
                        spare.pop_back();
                    }
                }
                diff::NameResult& r = next ? in_order : *held;
                diff::compare_into(plan.expectations, climb, false, r);
                if (plan.progress) {
                    plan.progress(r);
                }
                if (plan.complete) {
                    plan.complete(r);
                }
                if (next) {
                    emit(r);
                } else {
                    ring[index % window] = std::move(held);
                }
                write_ready();
            });
        write_ready();
        if (next_write != end) {
            // A climb that never ended would be a bug of the climbs: never a silent gap.
            throw InputError{"verify: " + std::to_string(end - next_write) +
                             " names got no result"};
        }
        for (std::size_t k = 0; k < sections; ++k) {
            part_sinks[k].write(text[k]);
        }
        sent[part] = part_climbs->queries_sent();
        verified[part] = part_climbs->signatures_verified();
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
    Outcome outcome;
    for (std::size_t part = 0; part < threads; ++part) {
        outcome.summary.add(summaries[part]);
        outcome.queries_sent += sent[part];
        outcome.signatures_verified += verified[part];
        for (auto& r : kept[part]) {
            outcome.results.push_back(std::move(r));
        }
    }
    if (render) {
        for (std::size_t k = 0; k < sections; ++k) {
            if (k > 0) {
                sink.write(stream.opening(k));
            }
            for (std::size_t part = 0; part < threads; ++part) {
                sinks[part * sections + k].copy_to(sink);
            }
        }
        sink.write(stream.closing(outcome.summary));
    }
    return outcome;
}

Outcome run_authoritative(const AuthoritativePlan& plan, const output::ResultsStream& stream,
                          climb::LiveLookups& lookups, Sink& sink) {
    const bool render = !plan.keep_results;
    const std::size_t sections = stream.sections();
    std::vector<SectionSink> sinks; // the first section straight out, the others spooled
    for (std::size_t k = 0; k < sections; ++k) {
        sinks.emplace_back(k == 0 && render ? &sink : nullptr);
    }
    Outcome outcome;
    if (render) {
        sink.write(stream.opening(0));
    }
    std::string text[output::ResultsStream::max_sections];
    auto cursor = plan.names.from(plan.first_name);
    std::vector<std::string> chunk;
    bool first = true;
    for (std::size_t done = 0; done < plan.name_count;) {
        chunk.clear();
        const std::size_t wanted =
            std::min(std::max<std::size_t>(1, plan.chunk_names), plan.name_count - done);
        for (std::string name; chunk.size() < wanted && cursor.next(name);) {
            chunk.push_back(std::move(name));
        }
        if (chunk.empty()) {
            // A list shorter than it said would be a bug of the sorter: never a silent gap.
            throw InputError{"verify: " + std::to_string(plan.name_count - done) +
                             " names got no result"};
        }
        done += chunk.size();
        std::vector<diff::NameResult> results = check_authoritative(
            plan.expectations, chunk, lookups, plan.resolvers, plan.port, plan.dnssec);
        for (auto& r : results) {
            if (plan.complete) {
                plan.complete(r);
            }
            if (plan.progress) {
                plan.progress(r);
            }
            output::count_result(outcome.summary, r);
            if (render) {
                stream.add(r, first, text);
                first = false;
            } else {
                outcome.results.push_back(std::move(r));
            }
        }
        for (std::size_t k = 0; k < sections; ++k) {
            if (text[k].size() >= (std::size_t{1} << 16)) {
                sinks[k].write(text[k]);
            }
        }
    }
    outcome.queries_sent = lookups.queries_sent();
    if (lookups.validator() != nullptr) {
        outcome.signatures_verified = lookups.validator()->signatures_verified();
    }
    if (render) {
        for (std::size_t k = 0; k < sections; ++k) {
            sinks[k].write(text[k]);
        }
        for (std::size_t k = 0; k < sections; ++k) {
            if (k > 0) {
                sink.write(stream.opening(k));
            }
            sinks[k].copy_to(sink);
        }
        sink.write(stream.closing(outcome.summary));
    }
    return outcome;
}

} // namespace caapol::verify
