#include "caapol/audit/issuers.hpp"

#include <doctest/doctest.h>
#include <string>

using namespace caapol;
using namespace caapol::audit;

namespace {

Certificate issued_by(std::string dn, std::string key_id = {}) {
    Certificate c;
    c.issuer_dn = std::move(dn);
    c.authority_key_id = std::move(key_id);
    return c;
}

std::vector<std::string> domains_of(const IssuerResolution& r) {
    return r.caa_domains != nullptr ? *r.caa_domains : std::vector<std::string>{};
}

} // namespace

TEST_SUITE("audit") {
    TEST_CASE("distinguished names compare whatever the style, order and quoting") {
        const std::string crtsh = "C=US, O=Let's Encrypt, CN=R3";
        CHECK(dn_key(crtsh) == dn_key("CN=R3; O=Let's Encrypt; C=US"));
        CHECK(dn_key(crtsh) == dn_key("/C=US/O=Let's Encrypt/CN=R3"));
        CHECK(dn_key(crtsh) == dn_key("c = us ,  o = let's encrypt , cn = r3"));
        CHECK(dn_key(crtsh) != dn_key("C=US, O=Let's Encrypt, CN=R4"));
        CHECK(dn_key("C=US, O=\"DigiCert, Inc.\", CN=X") ==
              dn_key("CN=X; O=DigiCert\\, Inc.; C=US"));
        CHECK(dn_key("C=US, O=\"DigiCert, Inc.\", CN=X") != dn_key("C=US, O=DigiCert, CN=X"));
        CHECK(dn_organisation("C=GB, ST=Greater Manchester, O=Sectigo Limited, CN=Y") ==
              "Sectigo Limited");
        CHECK(dn_organisation("CN=only") == "");
    }

    TEST_CASE("key identifiers and CAA domain lists") {
        CHECK(normalize_key_id("14:2E:B3:17") == "142eb317");
        CHECK(normalize_key_id("142EB317") == "142eb317");
        CHECK(normalize_key_id("14 2e") == "142e");
        CHECK(normalize_key_id("xyz") == "");
        CHECK(normalize_key_id("abc") == ""); // odd number of digits
        CHECK(split_caa_domains("a.test, B.test;c.test\nd.test. a.test") ==
              std::vector<std::string>{"a.test", "b.test", "c.test", "d.test"});
        CHECK(split_caa_domains(" , ").empty());
    }

    TEST_CASE("a CCADB CSV: quoted fields, CRLF, columns found by name") {
        IssuerTable table;
        Diagnostics d;
        table.load_text("CA Owner,Subject,Subject Key Identifier (Hex),Recognized CAA Domains\r\n"
                        "\"Owner, Inc.\",\"CN=One; O=\"\"Q\"\"; C=XX\",AABB,\"one.test, "
                        "one-alias.test\"\r\n"
                        "Two,CN=Two; C=XX,,\"two.test\n2.test\"\r\n"
                        "Three,CN=Three,CCDD,\r\n",
                        "r.csv", d);
        CHECK(d.empty());
        auto by_key = table.resolve(issued_by("CN=Other", "aabb"));
        CHECK(by_key.match == IssuerMatch::key_id);
        CHECK(domains_of(by_key) == std::vector<std::string>{"one.test", "one-alias.test"});
        CHECK(by_key.location.line == 2);
        auto by_dn = table.resolve(issued_by("C=XX, O=\"Q\", CN=One"));
        CHECK(by_dn.match == IssuerMatch::dn);
        auto two = table.resolve(issued_by("C=XX, CN=Two"));
        CHECK(domains_of(two) == std::vector<std::string>{"two.test", "2.test"});
        // A row without CAA domains maps nothing.
        CHECK(table.resolve(issued_by("CN=Three", "ccdd")).caa_domains == nullptr);
    }

    TEST_CASE("CSV errors are located") {
        Diagnostics d;
        IssuerTable table;
        table.load_text("Subject,Recognized CAA Domains\nCN=A,a.test\n\"CN=B,b.test\n", "bad.csv",
                        d);
        REQUIRE(d.all().size() == 1);
        CHECK(d.all()[0].location.line == 3);
        CHECK(d.all()[0].location.column == 1);
        CHECK(d.all()[0].message.find("not closed") != std::string::npos);

        Diagnostics d2;
        IssuerTable t2;
        t2.load_text("Subject,Other,Recognized CAA Domains\nCN=A,x\n", "short.csv", d2);
        REQUIRE(d2.all().size() == 1);
        CHECK(d2.all()[0].location.line == 2);

        Diagnostics d3;
        IssuerTable t3;
        t3.load_text("Name,Recognized CAA Domains\nx,y\n", "nocolumns.csv", d3);
        CHECK(d3.has_errors());
    }

    TEST_CASE("caapol tables: kinds, errors located") {
        Diagnostics d;
        IssuerTable table;
        table.load_text("# comment\nski\tAA:BB\tone.test\nsubject\tCN=S, O=T\ts.test\n"
                        "organisation\tAcme CA\tacme.test\nbogus\tx\ty.test\nski\tzz\tz.test\n"
                        "ski\taa\n",
                        "t.tsv", d);
        REQUIRE(d.all().size() == 3);
        CHECK(d.all()[0].location.line == 5);
        CHECK(d.all()[1].location.line == 6);
        CHECK(d.all()[1].location.column == 5);
        CHECK(d.all()[2].location.line == 7);
        CHECK(table.resolve(issued_by("CN=x", "aabb")).match == IssuerMatch::key_id);
        CHECK(table.resolve(issued_by("O=T, CN=S")).match == IssuerMatch::dn);
        auto org = table.resolve(issued_by("C=XX, O=acme ca, CN=Acme R1"));
        CHECK(org.match == IssuerMatch::organisation);
        CHECK(domains_of(org) == std::vector<std::string>{"acme.test"});
    }

    TEST_CASE("order: given tables, then Cert Spotter's caa_domains, then the built-in table") {
        Diagnostics d;
        IssuerTable table;
        table.load_text("organisation\tLet's Encrypt\tmine.test\n", "mine.tsv", d);
        table.add_builtin();
        Certificate le = issued_by("C=US, O=Let's Encrypt, CN=R3");
        CHECK(domains_of(table.resolve(le)) == std::vector<std::string>{"mine.test"});

        IssuerTable builtin;
        builtin.add_builtin();
        CHECK(domains_of(builtin.resolve(le)) == std::vector<std::string>{"letsencrypt.org"});
        // Let's Encrypt R3 by its key id, whatever the DN says.
        auto r3 =
            builtin.resolve(issued_by("CN=renamed", "142eb317b75856cbae500940e61faf9d8b14c2c6"));
        CHECK(r3.match == IssuerMatch::key_id);
        CHECK(domains_of(r3) == std::vector<std::string>{"letsencrypt.org"});

        Certificate spotted = issued_by("C=US, O=Let's Encrypt, CN=R3");
        spotted.source_caa_domains = {"spotted.test"};
        auto s = builtin.resolve(spotted);
        CHECK(s.match == IssuerMatch::certspotter);
        CHECK(domains_of(s) == std::vector<std::string>{"spotted.test"});
        CHECK(domains_of(table.resolve(spotted)) == std::vector<std::string>{"mine.test"});

        CHECK(builtin.resolve(issued_by("C=ZZ, O=Nobody, CN=X")).caa_domains == nullptr);
        CHECK(builtin.resolve(issued_by("")).caa_domains == nullptr);
    }

    TEST_CASE("the shipped table (policies/ca-issuers.tsv) has no errors") {
        Diagnostics d;
        IssuerTable table;
        table.load_file(std::string(CAAPOL_TEST_DATA) + "/../../policies/ca-issuers.tsv", d);
        for (const auto& diagnostic : d.all()) {
            INFO(format_diagnostic(diagnostic));
        }
        CHECK(d.empty());
        CHECK(table
                  .resolve(issued_by("C=US, O=DigiCert Inc, CN=DigiCert Global G2 TLS RSA SHA256 "
                                     "2020 CA1"))
                  .match == IssuerMatch::organisation);
    }
}
