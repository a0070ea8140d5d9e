// verify::run against scripted climbs: answers from a table, results handed back in a
// scrambled order, as live DNS does when answers come back at different times.
#include "caapol/verify/run.hpp"
#include "policy_text.hpp"

#include <doctest/doctest.h>
#include <map>
#include <random>
#include <string>
#include <vector>

using namespace caapol;

namespace {

// A zone as a table: names with their own set, everything else empty (NODATA).
class TableSource : public climb::Source {
public:
    explicit TableSource(const std::map<std::string, std::string>& issuers) : issuers_(issuers) {}
    climb::Answer lookup(const std::string& name) override {
        ++lookups;
        climb::Answer answer;
        auto it = issuers_.find(name);
        if (name == "fail.z.test") {
            answer.kind = climb::AnswerKind::failure;
            answer.reason = "scripted SERVFAIL";
            return answer;
        }
        if (it == issuers_.end()) {
            answer.kind = climb::AnswerKind::empty;
            return answer;
        }
        answer.kind = climb::AnswerKind::records;
        answer.records.push_back({caa::Record{0, "issue", it->second}, 300, {}});
        return answer;
    }
    std::uint64_t lookups = 0;

private:
    const std::map<std::string, std::string>& issuers_;
};

// Takes up to `hold` climbs at once and hands their results back in random order.
class ScriptedClimbs : public verify::Climbs {
public:
    ScriptedClimbs(const std::map<std::string, std::string>& issuers, std::size_t hold,
                   unsigned seed, std::size_t* most_held)
        : source_(issuers), hold_(hold), random_(seed), most_held_(most_held) {}
    void stream(const climb::RequestSource& next,
                const std::function<void(std::size_t, climb::Result&&)>& done) override {
        std::vector<std::pair<std::size_t, climb::Result>> held;
        bool exhausted = false;
        while (true) {
            climb::Supply supply = climb::Supply::wait;
            climb::ClimbRequest request;
            std::size_t id = 0;
            if (!exhausted && held.size() < hold_) {
                supply = next(request, id);
            }
            if (supply == climb::Supply::climb) {
                held.emplace_back(id, climb::climb(source_, request.name));
                *most_held_ = std::max(*most_held_, held.size());
                continue;
            }
            exhausted = exhausted || supply == climb::Supply::none;
            if (held.empty()) {
                REQUIRE(exhausted); // `wait` with nothing under way would never end
                return;
            }
            std::size_t pick =
                std::uniform_int_distribution<std::size_t>(0, held.size() - 1)(random_);
            std::swap(held[pick], held.back());
            auto [done_id, result] = std::move(held.back());
            held.pop_back();
            done(done_id, std::move(result));
        }
    }
    std::uint64_t queries_sent() const override { return source_.lookups; }

private:
    TableSource source_;
    std::size_t hold_;
    std::mt19937 random_;
    std::size_t* most_held_;
};

class StringSink : public verify::Sink {
public:
    void write(std::string_view text) override { text_.append(text); }
    std::string text_;
};

struct Estate {
    policy::Policy policy =
        testing::load_policy("version = 1\n[domain.\"z.test\"]\nissue = [\"ca.example\"]\n");
    diff::Expectations expectations{policy};
    std::map<std::string, std::string> issuers;
    std::vector<std::string> listed;

    explicit Estate(std::size_t count) {
        issuers["z.test"] = "ca.example";
        for (std::size_t i = 0; i < count; ++i) {
            std::size_t k = (i * 7919) % count;
            std::string name = "h" + std::to_string(k) + ".s" + std::to_string(k % 5) + ".z.test";
            if (k % 4 == 0) {
                issuers[name] = "other.example"; // drift
            }
            listed.push_back(name);
        }
        listed.push_back("fail.z.test");
        listed.push_back("z.test");
    }

    struct Run {
        std::string text;
        verify::Outcome outcome;
        std::size_t most_held = 0;
    };
    Run run(output::ResultsFormat format, std::size_t threads, std::size_t hold,
            std::size_t chunk = 100000, std::size_t first = 0, std::size_t count = 0) {
        verify::NameSorter sorter(chunk);
        for (const auto& n : listed) {
            sorter.add(n);
        }
        verify::SortedNames names = sorter.finish();
        Run out;
        verify::Plan plan{expectations, names};
        plan.first_name = first;
        plan.name_count = count == 0 ? names.size() - first : count;
        plan.max_threads = threads;
        plan.max_in_flight = 1;
        output::ResultsStream stream(format, 1700000000, false);
        StringSink sink;
        unsigned seed = 7;
        out.outcome = verify::run(
            plan, stream,
            [&](std::size_t, std::size_t) {
                return std::make_unique<ScriptedClimbs>(issuers, hold, seed++, &out.most_held);
            },
            sink);
        out.text = std::move(sink.text_);
        return out;
    }
};

} // namespace

TEST_SUITE("verify") {
    TEST_CASE("results come out in canonical order whatever order the climbs end in") {
        Estate estate(12000);
        auto in_order = estate.run(output::ResultsFormat::jsonl, 1, 1);
        auto scrambled = estate.run(output::ResultsFormat::jsonl, 1, 3000);
        CHECK(scrambled.text == in_order.text);
        CHECK(in_order.outcome.summary.checked == 12002);
        CHECK(in_order.outcome.summary.drift == 3000);
        CHECK(in_order.outcome.summary.error == 1);
        // The first line is the apex (canonical order), the last the summary.
        CHECK(in_order.text.rfind("{\"name\":\"z.test\",", 0) == 0);
        CHECK(in_order.text.find("{\"version\":1,\"summary\":{\"checked\":12002,\"ok\":9001,"
                                 "\"drift\":3000,\"unchecked\":0,\"error\":1}}\n") !=
              std::string::npos);
    }

    TEST_CASE("the reorder window bounds the finished results held back") {
        Estate estate(20000);
        // The scripted climbs would take every name at once; the window (4,096 + 4 x the
        // in-flight window of 1) says wait before that.
        auto run = estate.run(output::ResultsFormat::prometheus, 1, 1000000);
        CHECK(run.most_held == 4100);
        CHECK(run.outcome.summary.checked == 20002);
    }

    TEST_CASE("threads, temporary files and external sort give the same report") {
        Estate estate(16000);
        for (auto format : {output::ResultsFormat::text, output::ResultsFormat::json,
                            output::ResultsFormat::jsonl, output::ResultsFormat::prometheus}) {
            CAPTURE(static_cast<int>(format));
            auto one = estate.run(format, 1, 1);
            auto three = estate.run(format, 3, 500, 997); // 17 sorted runs merged
            CHECK(three.text == one.text);
            CHECK(three.outcome.summary.checked == 16002);
        }
    }

    TEST_CASE("prometheus: each family's lines together, in name order") {
        Estate estate(10);
        auto run = estate.run(output::ResultsFormat::prometheus, 1, 5);
        auto drift = run.text.find("caapol_caa_drift{");
        auto last_drift = run.text.rfind("caapol_caa_drift{");
        auto first_error = run.text.find("caapol_caa_lookup_error{");
        REQUIRE(drift != std::string::npos);
        CHECK(last_drift < first_error);
        CHECK(run.text.find("caapol_caa_lookup_error{name=\"fail.z.test\"} 1\n") !=
              std::string::npos);
        CHECK(run.text.find("caapol_names_checked 12\n") != std::string::npos);
    }

    TEST_CASE("kept results (--fix) in canonical order, nothing rendered") {
        Estate estate(300);
        verify::NameSorter sorter;
        for (const auto& n : estate.listed) {
            sorter.add(n);
        }
        auto sorted = sorter.finish();
        verify::Plan plan{estate.expectations, sorted};
        plan.name_count = sorted.size();
        plan.keep_results = true;
        output::ResultsStream stream(output::ResultsFormat::text, 0, false);
        StringSink sink;
        std::size_t most = 0;
        auto outcome = verify::run(
            plan, stream,
            [&](std::size_t, std::size_t) {
                return std::make_unique<ScriptedClimbs>(estate.issuers, 50, 3, &most);
            },
            sink);
        CHECK(sink.text_.empty());
        REQUIRE(outcome.results.size() == sorted.size());
        auto cursor = sorted.from(0);
        std::string name;
        for (const auto& r : outcome.results) {
            REQUIRE(cursor.next(name));
            CHECK(r.name == name);
        }
        CHECK(outcome.summary.drift == 75);
    }

    TEST_CASE("a shard is its slice of the sorted names") {
        Estate estate(100);
        auto whole = estate.run(output::ResultsFormat::jsonl, 1, 1);
        auto first = estate.run(output::ResultsFormat::jsonl, 1, 7, 100000, 0, 51);
        auto second = estate.run(output::ResultsFormat::jsonl, 1, 7, 100000, 51, 51);
        auto body = [](const std::string& text) {
            return text.substr(0, text.rfind("{\"version\""));
        };
        CHECK(body(first.text) + body(second.text) == body(whole.text));
    }
}
