#include "caapol/climb/climb.hpp"
#include "caapol/climb/zone_source.hpp"

#include <doctest/doctest.h>

using namespace caapol;
using climb::AnswerKind;
using climb::Outcome;

namespace {

struct Zones {
    zone::ZoneSet set;
    Diagnostics diagnostics;
    void add(std::string_view text, const std::string& name) {
        zone::LoadOptions options;
        options.allow_include = false;
        zone::load_zone_text(text, name, options, set, diagnostics);
    }
};

const char* parent_zone = "@ SOA ns1 hm 1 2 3 4 5\n"
                          "@ NS ns1\n"
                          "@ CAA 0 issue \"apex.example\"\n"
                          "www A 192.0.2.1\n"
                          "both CAA 0 issue \"ignored.example\"\n"
                          "both CNAME www\n"
                          "alias CNAME target.example.net.\n"
                          "shop CAA 0 issue \"shop.example\"\n"
                          "shop CAA 0 iodef \"mailto:a@example.com\"\n"
                          "a.b.c A 192.0.2.2\n"
                          "old DNAME new.example.com.\n"
                          "old CAA 0 issue \"old-owner.example\"\n"
                          "x.new A 192.0.2.3\n"
                          "*.wild CAA 0 issue \"wild.example\"\n"
                          "real.wild A 192.0.2.4\n"
                          "*.wc CNAME www\n"
                          "sub NS ns.sub\n"
                          "ns.sub A 192.0.2.5\n"
                          "child NS ns.child\n";

} // namespace

TEST_SUITE("zone") {
    TEST_CASE("zone source: answers as an authoritative server") {
        Zones z;
        z.add(parent_zone, "db.example.com");
        z.add("@ SOA ns1 hm 1 2 3 4 5\n@ CAA 0 issue \"child.example\"\n", "db.child.example.com");
        REQUIRE(z.diagnostics.empty());
        climb::ZoneSource source(z.set);

        auto a = source.lookup("example.com");
        CHECK(a.kind == AnswerKind::records);
        REQUIRE(a.records.size() == 1);
        CHECK(a.records[0].location.file == "db.example.com");
        CHECK(a.records[0].location.line == 3);

        CHECK(source.lookup("www.example.com").kind == AnswerKind::empty);
        CHECK(source.lookup("b.c.example.com").kind == AnswerKind::empty); // empty non-terminal
        CHECK(source.lookup("nope.example.com").kind == AnswerKind::nxdomain);

        a = source.lookup("both.example.com"); // CNAME wins over CAA beside it
        CHECK(a.kind == AnswerKind::alias);
        CHECK(a.target == "www.example.com");

        a = source.lookup("shop.example.com");
        CHECK(a.kind == AnswerKind::records);
        CHECK(a.records.size() == 2);

        // DNAME: names below are redirected, the owner is not.
        a = source.lookup("x.old.example.com");
        CHECK(a.kind == AnswerKind::alias);
        CHECK(a.target == "x.new.example.com");
        a = source.lookup("old.example.com");
        CHECK(a.kind == AnswerKind::records);

        // Wildcards answer for names that do not exist, not for those that do.
        a = source.lookup("anything.wild.example.com");
        CHECK(a.kind == AnswerKind::records);
        CHECK(a.records[0].record.value == "wild.example");
        CHECK(source.lookup("real.wild.example.com").kind == AnswerKind::empty);
        CHECK(source.lookup("deep.er.wild.example.com").kind == AnswerKind::records);
        a = source.lookup("x.wc.example.com");
        CHECK(a.kind == AnswerKind::alias);
        CHECK(a.target == "www.example.com");

        // Delegations: unknown, unless the child zone is loaded.
        a = source.lookup("sub.example.com");
        CHECK(a.kind == AnswerKind::failure);
        CHECK(a.reason.find("delegation to sub.example.com.") != std::string::npos);
        CHECK(source.lookup("www.sub.example.com").kind == AnswerKind::failure);
        a = source.lookup("child.example.com");
        CHECK(a.kind == AnswerKind::records);
        CHECK(a.records[0].record.value == "child.example");

        a = source.lookup("example.org");
        CHECK(a.kind == AnswerKind::failure);
        CHECK(a.reason == "example.org. is outside every loaded zone");
    }

    TEST_CASE("zone source: climbing over loaded zones") {
        Zones z;
        z.add(parent_zone, "db.example.com");
        climb::ZoneSource source(z.set);

        auto r = climb::climb(source, "host.www.example.com");
        CHECK(r.outcome == Outcome::found);
        CHECK(r.relevant_name == "example.com");

        // An alias out of every loaded zone is a failure, not "no CAA".
        r = climb::climb(source, "alias.example.com");
        CHECK(r.outcome == Outcome::failure);
        CHECK(r.reason.find("outside every loaded zone") != std::string::npos);

        // a.x.new does not exist; x.old -> x.new exists, empty; the DNAME owner has CAA.
        r = climb::climb(source, "a.x.old.example.com");
        CHECK(r.outcome == Outcome::found);
        CHECK(r.relevant_name == "old.example.com");

        r = climb::climb(source, "*.shop.example.com");
        CHECK(r.outcome == Outcome::found);
        CHECK(r.relevant_name == "shop.example.com");

        r = climb::climb(source, "www.sub.example.com");
        CHECK(r.outcome == Outcome::failure);
    }

    TEST_CASE("zone source: DNAME at the apex, and substitution that grows too long") {
        Zones z;
        z.add("@ SOA ns1 hm 1 2 3 4 5\n@ DNAME example.net.\n", "db.example.com");
        z.add("@ SOA ns1 hm 1 2 3 4 5\nwww CAA 0 issue \"net.example\"\n", "db.example.net");
        climb::ZoneSource source(z.set);
        auto a = source.lookup("www.example.com");
        CHECK(a.kind == AnswerKind::alias);
        CHECK(a.target == "www.example.net");
        auto r = climb::climb(source, "www.example.com");
        CHECK(r.outcome == Outcome::found);
        CHECK(r.relevant_name == "www.example.com");
        CHECK(r.found_at == "www.example.net");
        // The apex itself is not redirected: no CAA there, and "com" is not loaded.
        r = climb::climb(source, "example.com");
        CHECK(r.outcome == Outcome::failure);

        Zones longer;
        longer.add("@ SOA ns1 hm 1 2 3 4 5\nd DNAME " + std::string(63, 'a') + "." +
                       std::string(63, 'b') + "." + std::string(63, 'c') + ".\n",
                   "db.example.com");
        climb::ZoneSource long_source(longer.set);
        a = long_source.lookup(std::string(63, 'x') + ".d.example.com");
        CHECK(a.kind == AnswerKind::failure);
    }

    TEST_CASE("DNAME substitution and origins count wire octets, not escaped text") {
        // 40 labels of two escaped spaces: 120 octets of labels, 360 characters of text.
        std::string escaped;
        for (int i = 0; i < 40; ++i) {
            escaped += "\\032\\032.";
        }
        Zones z;
        z.add("$ORIGIN example.com.\n@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\n"
              "old DNAME new.example.com.\n" +
                  escaped + "new CAA 0 issue \"escaped.example\"\n",
              "escaped.zone");
        REQUIRE_FALSE(z.diagnostics.has_errors());
        climb::ZoneSource source(z.set);
        auto r = climb::climb(source, escaped + "old.example.com");
        CHECK(r.outcome == Outcome::found);
        CHECK(r.found_at == escaped + "new.example.com");
        // An owner relative to an escaped $ORIGIN is measured the same way.
        Zones o;
        o.add("$ORIGIN " + escaped +
                  "example.org.\n@ SOA ns1 hm 1 2 3 4 5\n@ NS ns1\n"
                  "www CAA 0 issue \"x.example\"\n",
              "origin.zone");
        CHECK_FALSE(o.diagnostics.has_errors());
    }

    TEST_CASE("a wildcard's set names the wildcard as its owner") {
        Zones z;
        z.add(parent_zone, "example.com.zone");
        climb::ZoneSource source(z.set);
        auto r = climb::climb(source, "x.wild.example.com");
        CHECK(r.outcome == Outcome::found);
        CHECK(r.relevant_name == "x.wild.example.com");
        CHECK(r.found_at == "*.wild.example.com");
        // Checked as an owner, the wildcard is its own relevant name.
        auto w = climb::climb(source, "*.wild.example.com", climb::Start::owner_name);
        CHECK(w.relevant_name == "*.wild.example.com");
        CHECK(w.found_at == "*.wild.example.com");
    }
}
