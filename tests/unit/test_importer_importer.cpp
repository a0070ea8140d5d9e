#include "caapol/importer/importer.hpp"

#include <doctest/doctest.h>
#include <string>
#include <vector>

using namespace caapol;

namespace {

importer::ObservedSet set(const std::string& name, std::uint32_t ttl,
                          const std::vector<std::string>& issuers) {
    importer::ObservedSet s;
    s.name = name;
    std::uint32_t line = 1;
    for (const auto& issuer : issuers) {
        s.records.push_back({caa::Record{0, "issue", issuer}, ttl, Location{name, line++, 1}});
    }
    return s;
}

} // namespace

TEST_SUITE("importer") {
    TEST_CASE("derive: canonical order, inherit = false only for a repeated parent set") {
        Diagnostics d;
        auto entries = importer::derive({set("b.a.example", 60, {"y.example", "x.example"}),
                                         set("a.example", 300, {"x.example", "y.example"}),
                                         set("c.b.a.example", 60, {"z.example"}),
                                         set("z.example", 60, {"x.example"})},
                                        d);
        CHECK(d.empty());
        REQUIRE(entries.size() == 4);
        CHECK(entries[0].domain.name == "a.example");
        CHECK(entries[1].domain.name == "b.a.example");
        CHECK(entries[2].domain.name == "c.b.a.example");
        CHECK(entries[3].domain.name == "z.example");
        CHECK_FALSE(entries[0].explicit_own);
        CHECK(entries[1].explicit_own); // same set as a.example (order does not matter)
        CHECK_FALSE(entries[2].explicit_own);
        CHECK(entries[1].domain.ttl == 60);
        CHECK(entries[1].domain.records[0].record.value == "y.example"); // record order kept
    }

    TEST_CASE("derive: one TTL per name") {
        Diagnostics d;
        auto s = set("a.example", 300, {"x.example", "y.example"});
        s.records[1].ttl = 600;
        auto entries = importer::derive({s}, d);
        CHECK(entries.empty());
        REQUIRE(d.all().size() == 1);
        CHECK(d.all()[0].location.line == 2);
        CHECK(d.all()[0].message.find("TTL 600 differs from TTL 300") != std::string::npos);
    }

    TEST_CASE("from_json reads generate's output, grouping records by name") {
        Diagnostics d;
        auto sets = importer::from_json(
            "{\"version\":1,\"records\":[\n"
            "{\"name\":\"A.example.\",\"ttl\":60,\"flags\":0,\"tag\":\"issue\",\"value\":\"x\"},\n"
            "{\"name\":\"b.example.\",\"ttl\":60,\"flags\":128,\"tag\":\"tbs\",\"value\":\"\\\"\"},"
            "\n"
            "{\"name\":\"a.example\",\"ttl\":60,\"flags\":0,\"tag\":\"issue\",\"value\":\"y\"}\n"
            "]}",
            "r.json", d);
        CHECK(d.empty());
        REQUIRE(sets.size() == 2);
        CHECK(sets[0].name == "a.example");
        REQUIRE(sets[0].records.size() == 2);
        CHECK(sets[0].records[1].location.line == 4);
        CHECK(sets[1].records[0].record == caa::Record{128, "tbs", "\""});
    }

    TEST_CASE("from_json names each problem's place") {
        Diagnostics d;
        importer::from_json("{\"version\":2,\"records\":[]}", "r.json", d);
        REQUIRE(d.all().size() == 1);
        CHECK(d.all()[0].location.column == 12);
        Diagnostics e;
        importer::from_json("{\"version\":1,\"records\":[{\"name\":\"a\",\"ttl\":1.5,\"flags\":0,"
                            "\"tag\":\"issue\",\"value\":\"x\"}]}",
                            "r.json", e);
        REQUIRE(e.all().size() == 1);
        CHECK(e.all()[0].message.find("\"ttl\"") != std::string::npos);
    }

    TEST_CASE("check_round_trip with derive's keys still finds a written set that differs") {
        Diagnostics d;
        std::vector<std::vector<std::string>> keys;
        auto entries =
            importer::derive({set("a.example", 3600, {"x.example", "y.example"})}, d, &keys);
        REQUIRE(keys.size() == 1);
        auto written = output::render_policy(entries, {}, d);
        CHECK(d.empty());
        std::vector<std::shared_ptr<void>> kept;
        auto keep = [&](std::shared_ptr<void> p) { kept.push_back(std::move(p)); };
        const policy::Policy* loaded =
            importer::check_round_trip(written, "p.toml", entries, true, d, keep, &keys);
        CHECK(d.empty());
        REQUIRE(loaded != nullptr);
        CHECK(loaded->domains.size() == 1);
        CHECK(kept.size() == 1); // the policy
        // The same entries against a text where one issuer changed: an internal error.
        auto at = written.text.find("y.example");
        REQUIRE(at != std::string::npos);
        written.text.replace(at, 1, "z");
        importer::check_round_trip(written, "p.toml", entries, true, d, keep, &keys);
        CHECK(d.count(Severity::error) == 1);
    }

    TEST_CASE("check_round_trip maps loader errors to the records") {
        Diagnostics d;
        auto entries = importer::derive({set("a.example", 60, {"x.example"})}, d);
        entries[0].domain.records[0].record.tag = "iodef";
        entries[0].domain.records[0].record.value = "not-a-url";
        auto written = output::render_policy(entries, {}, d);
        CHECK(d.empty());
        importer::check_round_trip(written, "p.toml", entries, true, d,
                                   [](const std::shared_ptr<void>&) {});
        REQUIRE(d.count(Severity::error) == 1);
        CHECK(d.all()[0].location.file == "a.example");
        CHECK(d.all()[0].location.line == 1);
        CHECK(d.all()[0].rule == "iodef-url");
    }
}
