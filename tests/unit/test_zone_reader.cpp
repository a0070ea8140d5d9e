#include "caapol/zone/zone.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <fstream>
#include <sys/stat.h>

using namespace caapol;

namespace {

struct Loaded {
    zone::ZoneSet set;
    Diagnostics diagnostics;
    const zone::Zone& only() const {
        REQUIRE(set.zones.size() == 1);
        return set.zones[0];
    }
    std::string errors() const {
        std::string out;
        for (const auto& d : diagnostics.all()) {
            out += format_diagnostic(d) + "\n";
        }
        return out;
    }
    std::vector<std::string> caa_lines() const {
        std::vector<std::string> out;
        for (const auto& z : set.zones) {
            for (const auto& e : z.caa) {
                out.push_back(std::string(z.names[e.name].name) + " " + std::to_string(e.ttl) +
                              " " + caa::to_presentation(e.record()) + " @" +
                              std::to_string(e.site.line));
            }
        }
        return out;
    }
};

Loaded load(std::string_view text, const std::string& name = "db.example.com",
            zone::LoadOptions options = {}) {
    Loaded loaded;
    options.allow_include = false;
    zone::load_zone_text(text, name, options, loaded.set, loaded.diagnostics);
    return loaded;
}

struct TempDir {
    std::filesystem::path path;
    TempDir() {
        char templ[] = "/tmp/caapol-zone-XXXXXX";
        path = mkdtemp(templ);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    std::string write(const std::string& name, const std::string& text) const {
        auto p = path / name;
        std::filesystem::create_directories(p.parent_path());
        std::ofstream(p) << text;
        return p.string();
    }
};

const char* soa = "@ 3600 IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n";

} // namespace

TEST_SUITE("zone") {
    TEST_CASE("origin from the file name") {
        CHECK(zone::origin_from_file_name("zones/db.example.com") == "example.com");
        CHECK(zone::origin_from_file_name("example.com.zone") == "example.com");
        CHECK(zone::origin_from_file_name("Example.COM.db") == "example.com");
        CHECK(zone::origin_from_file_name("/x/example.com") == "example.com");
        CHECK(zone::origin_from_file_name("example.com.") == "example.com");
        CHECK(zone::origin_from_file_name("zonefile") == "");
        CHECK(zone::origin_from_file_name("bad_name!.zone") == "");
    }

    TEST_CASE("relative names, @, omitted owners, $TTL, parentheses, comments") {
        auto l = load(std::string("$TTL 300\n") + soa +
                      "www  IN CAA 0 issue \"letsencrypt.org\" ; comment\n"
                      "     CAA ( 0 ; the flags\n"
                      "           iodef \"mailto:a@example.com\" )\n"
                      "abs.example.com. 60 CAA 128 issue \";\"\n"
                      "@ IN 1h CAA 0 issuewild \"pki.goog\"\n");
        CHECK(l.errors() == "");
        CHECK(l.caa_lines() ==
              std::vector<std::string>{"www.example.com 300 0 issue \"letsencrypt.org\" @3",
                                       "www.example.com 300 0 iodef \"mailto:a@example.com\" @4",
                                       "abs.example.com 60 128 issue \";\" @6",
                                       "example.com 3600 0 issuewild \"pki.goog\" @7"});
        CHECK(l.only().has_soa);
        CHECK(l.only().soa.line == 2);
    }

    TEST_CASE("$ORIGIN changes relative names and, first, the apex") {
        auto l = load("$ORIGIN example.org.\n"
                      "@ SOA ns1 hm 1 2 3 4 5\n"
                      "$ORIGIN sub.example.org.\n"
                      "www CAA 0 issue \"ca.example\"\n",
                      "db.example.com");
        CHECK(l.errors() == "");
        CHECK(l.only().origin == "example.org");
        CHECK(l.caa_lines()[0].rfind("www.sub.example.org ", 0) == 0);
    }

    TEST_CASE("--origin wins over $ORIGIN and the file name") {
        zone::LoadOptions options;
        options.origin = "Other.NET.";
        auto l = load("www CAA 0 issue \"ca.example\"\n", "db.example.com", options);
        CHECK(l.only().origin == "other.net");
    }

    TEST_CASE("an absolute SOA names the apex when nothing else does") {
        auto l = load("example.net. SOA ns1.example.net. hm.example.net. 1 2 3 4 5\n", "zonefile");
        CHECK(l.only().origin == "example.net");
        CHECK_THROWS_AS(load("www A 192.0.2.1\n", "zonefile"), InputError);
    }

    TEST_CASE("unquoted CAA values (RFC 8659) are accepted, escapes are decoded") {
        auto l = load("@ CAA 0 issue letsencrypt.org\n"
                      "@ CAA 0 issue letsencrypt.org;a comment, as in every zone file\n"
                      "@ CAA 0 iodef \"mailto:a\\064b\\\"c\"\n");
        CHECK(l.errors() == "");
        REQUIRE(l.only().caa.size() == 3);
        CHECK(l.only().caa[0].record().value == "letsencrypt.org");
        CHECK(l.only().caa[1].record().value == "letsencrypt.org");
        CHECK(l.only().caa[2].record().value == "mailto:a@b\"c");
    }

    TEST_CASE("RFC 3597 generic CAA records") {
        // 0 issue "ca.example": flags 00, length 05, "issue", "ca.example"
        auto l = load("@ TYPE257 \\# 17 00 05 6973737565 63612e6578616d706c65\n"
                      "@ CAA \\# 3 00 0000\n"
                      "@ TYPE257 \\# 4 0005\n");
        CHECK(l.only().caa.size() == 1);
        CHECK(l.only().caa[0].record() == caa::Record{0, "issue", "ca.example"});
        CHECK(l.diagnostics.all().size() == 2);
        CHECK(l.diagnostics.all()[0].location.line == 2);
        CHECK(l.diagnostics.all()[1].location.line == 3);
    }

    TEST_CASE("every syntax error is reported with its line, and reading goes on") {
        auto l = load(std::string(soa) +
                      "a A 192.0.2.300\n"
                      "b CAA 0 issue \"ca.example\"\n"
                      "c FOO bar\n"
                      "d CAA 256 issue x\n"
                      "e CAA 0 issue two words\n"
                      "f ( A\n"
                      "  ( 192.0.2.1 ) )\n"
                      "g CAA 0 issue \"unterminated\n"
                      "h CAA 0 issue \"ok\"\n"
                      "i MX 10\n"
                      "j AAAA 2001:db8::1\n"
                      "k TXT \"x\" \"y\"\n"
                      "l SRV 0 0 443 j\n"
                      "m NAPTR 100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:a@example.com!\" .\n"
                      "n NAPTR 100 bogus\n"
                      "$FOO\n"
                      "o TXT \"" +
                      std::string(300, 'x') + "\"\n");
        CHECK(l.errors() ==
              "db.example.com:2:5: error: not an IPv4 address [syntax]\n"
              "db.example.com:4:3: error: unknown record type FOO [syntax]\n"
              "db.example.com:5:7: error: CAA flags must be a number from 0 to 255 [syntax]\n"
              "db.example.com:6:19: error: the CAA value has 2 words: a value with spaces must "
              "be quoted [syntax]\n"
              "db.example.com:8:3: error: parentheses do not nest in zone files [syntax]\n"
              "db.example.com:9:15: error: this quoted string is not closed on its line "
              "[syntax]\n"
              "db.example.com:11:6: error: missing fields: MX PREFERENCE EXCHANGE [syntax]\n"
              "db.example.com:16:9: error: bad NAPTR record: Syntax error, could not parse the "
              "RR's rdata [syntax]\n"
              "db.example.com:17:1: error: $FOO is not a zone-file directive caapol reads "
              "($ORIGIN, $TTL and $INCLUDE are) [syntax]\n"
              "db.example.com:18:7: error: a TXT string is at most 255 octets; split it into "
              "several [syntax]\n");
        REQUIRE(l.caa_lines().size() == 2);
        CHECK(l.caa_lines()[1] == "h.example.com 3600 0 issue \"ok\" @10");
    }

    TEST_CASE("names outside the zone and SOA away from the apex are errors") {
        auto l = load("@ SOA ns1 hm 1 2 3 4 5\n"
                      "www.example.org. CAA 0 issue \"x\"\n"
                      "sub SOA ns1 hm 1 2 3 4 5\n");
        CHECK(l.diagnostics.all().size() == 2);
        CHECK(l.only().caa.empty());
    }

    TEST_CASE("hostile text: random bytes, nested parentheses, huge values, bad UTF-8") {
        std::string random;
        std::uint32_t x = 12345;
        for (int i = 0; i < 200000; ++i) {
            x = x * 1103515245 + 12345;
            random += static_cast<char>(x >> 16);
        }
        auto r = load(random);
        CHECK(r.diagnostics.has_errors());
        for (const auto& d : r.diagnostics.all()) {
            CHECK(d.location.line > 0);
        }

        auto nested =
            load("@ CAA " + std::string(5000, '(') + "0 issue x" + std::string(5000, ')'));
        REQUIRE(nested.diagnostics.all().size() == 1);
        CHECK(nested.diagnostics.all()[0].message == "parentheses do not nest in zone files");

        auto huge = load("@ CAA 0 issue \"" + std::string(1000000, 'a') + "\"\nok CAA 0 issue x\n");
        REQUIRE(huge.diagnostics.all().size() == 1);
        CHECK(huge.diagnostics.all()[0].location.line == 1);
        CHECK(huge.only().caa.size() == 1);

        auto big = load("@ CAA 0 issue \"" + std::string(70000, 'a') + "\"\n");
        REQUIRE(big.diagnostics.all().size() == 1);
        CHECK(big.diagnostics.all()[0].message.find("at most 65535") != std::string::npos);

        auto utf8 = load("@ CAA 0 issue \"\xff\xfe\xc3\"\n");
        CHECK(utf8.errors() == "");
        CHECK(utf8.only().caa[0].record().value == "\xff\xfe\xc3");

        auto unclosed = load("@ CAA ( 0 issue x\nwww A 192.0.2.1\n");
        REQUIRE(unclosed.diagnostics.all().size() == 1);
        CHECK(unclosed.diagnostics.all()[0].location.line == 1);
        CHECK(unclosed.diagnostics.all()[0].location.column == 7);
    }

    TEST_CASE("too many errors stop the file with one message") {
        std::string text;
        for (int i = 0; i < 1500; ++i) {
            text += "x A nope\n";
        }
        auto l = load(text);
        CHECK(l.diagnostics.all().size() == 1001);
    }

    TEST_CASE("existence: owners and empty non-terminals") {
        auto l = load("@ SOA ns1 hm 1 2 3 4 5\n"
                      "a.b.c A 192.0.2.1\n");
        const auto& z = l.only();
        CHECK(z.exists("example.com"));
        CHECK(z.exists("a.b.c.example.com"));
        CHECK(z.exists("b.c.example.com"));
        CHECK(z.exists("c.example.com"));
        CHECK_FALSE(z.exists("x.example.com"));
        CHECK_FALSE(z.exists("example.org"));
    }

    TEST_CASE("existence flags: who owns data a CNAME may not share, who has names below") {
        auto l = load("@ SOA ns1 hm 1 2 3 4 5\n"
                      "a.b.c A 192.0.2.1\n"
                      "x CNAME a.b.c\n"
                      "x RRSIG CNAME 8 2 60 20300101000000 20200101000000 1 example.com. AAAA\n"
                      "y CNAME a.b.c\n"
                      "z TXT \"t\"\n"
                      "z CNAME a.b.c\n");
        INFO(l.errors());
        const auto& z = l.only();
        CHECK(z.owns_data("example.com")); // the SOA
        CHECK(z.owns_data("a.b.c.example.com"));
        CHECK_FALSE(z.owns_data("b.c.example.com")); // an empty non-terminal
        CHECK_FALSE(z.owns_data("x.example.com"));   // CNAME and RRSIG only
        CHECK_FALSE(z.owns_data("y.example.com"));
        CHECK(z.owns_data("z.example.com")); // TXT, in another order
        CHECK_FALSE(z.owns_data("nope.example.com"));
        CHECK(z.has_descendants("example.com"));
        CHECK(z.has_descendants("b.c.example.com"));
        CHECK(z.has_descendants("c.example.com"));
        CHECK_FALSE(z.has_descendants("a.b.c.example.com"));
        CHECK_FALSE(z.has_descendants("x.example.com"));
        CHECK(z.exists("b.c.example.com"));
        CHECK(z.exists("x.example.com"));
        auto apex_only = load("@ SOA ns1 hm 1 2 3 4 5\n@ CNAME example.net.\n");
        CHECK_FALSE(apex_only.only().has_descendants("example.com"));
    }

    TEST_CASE("a file given twice is read once") {
        TempDir dir;
        std::string file = dir.write("db.example.com", "@ SOA ns1 hm 1 2 3 4 5\n"
                                                       "@ CAA 0 issue \"pki.goog\"\n");
        Loaded l;
        l.set = zone::load_zones({file, (dir.path / "." / "db.example.com").string()}, {},
                                 l.diagnostics);
        CHECK(l.errors() == "");
        CHECK(l.caa_lines() == std::vector<std::string>{"example.com 0 0 issue \"pki.goog\" @2"});
    }

    TEST_CASE("second SOA: an error within one file, not across files of one origin") {
        auto twice = load("@ SOA ns1 hm 1 2 3 4 5\n@ SOA ns1 hm 2 2 3 4 5\n");
        CHECK(twice.errors().find("[duplicate-soa]") != std::string::npos);
        TempDir dir;
        std::string a = dir.write("a/db.example.com", "@ SOA ns1 hm 1 2 3 4 5\n");
        std::string b = dir.write("b/db.example.com", "@ SOA ns1 hm 1 2 3 4 5\n");
        Loaded views;
        views.set = zone::load_zones({a, b}, {}, views.diagnostics);
        CHECK(views.errors() == "");
    }

    TEST_CASE("$INCLUDE: relative to the including file, confined to the root, loops refused") {
        TempDir dir;
        std::string main_zone =
            dir.write("repo/zones/db.example.com", "@ SOA ns1 hm 1 2 3 4 5\n"
                                                   "$INCLUDE caa.inc\n"
                                                   "$INCLUDE sub/sub.inc sub\n"
                                                   "$INCLUDE ../../secret.txt\n"
                                                   "$INCLUDE /etc/passwd\n"
                                                   "$INCLUDE missing.inc\n"
                                                   "after CAA 0 issue \"after\"\n");
        dir.write("repo/zones/caa.inc", "@ CAA 0 issue \"included\"\n");
        dir.write("repo/zones/sub/sub.inc", "@ CAA 0 issue \"sub\"\n$INCLUDE ../loop.inc\n");
        dir.write("repo/zones/loop.inc", "$INCLUDE db.example.com\n");
        dir.write("secret.txt", "@ CAA 0 issue \"secret\"\n");
        Loaded l;
        zone::LoadOptions options;
        options.include_root = (dir.path / "repo").string();
        l.set = zone::load_zones({main_zone}, options, l.diagnostics);
        auto lines = l.caa_lines();
        REQUIRE(lines.size() == 3);
        CHECK(lines[0].rfind("example.com 0 0 issue \"included\"", 0) == 0);
        CHECK(lines[1].rfind("sub.example.com 0 0 issue \"sub\"", 0) == 0);
        CHECK(lines[2].rfind("after.example.com", 0) == 0);
        const auto& d = l.diagnostics.all();
        REQUIRE(d.size() == 4);
        CHECK(d[0].rule == "syntax");
        CHECK(d[0].message.find("include loop") != std::string::npos);
        CHECK(d[0].location.file == (dir.path / "repo/zones/loop.inc").string());
        CHECK(d[1].rule == "include-outside-root");
        CHECK(d[1].location.line == 4);
        CHECK(d[2].rule == "include-outside-root");
        CHECK(d[2].location.line == 5);
        CHECK(d[3].rule == "syntax");
        CHECK(d[3].location.line == 6);
        CHECK(l.set.files[1] == (dir.path / "repo/zones/caa.inc").string());
    }

    TEST_CASE("the default include root is the git work tree holding the file") {
        TempDir dir;
        std::filesystem::create_directories(dir.path / "repo/.git");
        std::string file = dir.write("repo/zones/db.example.com", "");
        CHECK(zone::default_include_root(file, "") ==
              std::filesystem::canonical(dir.path / "repo").string());
        std::string outside = dir.write("plain/db.example.com", "");
        CHECK(zone::default_include_root(outside, "/given") == "/given");
        CHECK(zone::default_include_root(outside, "") ==
              std::filesystem::canonical(dir.path / "plain").string());
    }

    TEST_CASE("includes are refused for in-memory text") {
        auto l = load("$INCLUDE x.inc\n");
        REQUIRE(l.diagnostics.all().size() == 1);
        CHECK(l.diagnostics.all()[0].location.line == 1);
    }

    TEST_CASE("unreadable files, FIFOs and directories are input errors, never a hang") {
        Diagnostics d;
        CHECK_THROWS_AS(zone::load_zones({"/nonexistent/db.example.com"}, {}, d), InputError);
        TempDir dir;
        std::string fifo = (dir.path / "db.fifo.example").string();
        REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
        CHECK_THROWS_AS(zone::load_zones({fifo}, {}, d), InputError);
        CHECK_THROWS_AS(zone::load_zones({dir.path.string()}, {}, d), InputError);
        std::string main_zone =
            dir.write("db.example.com", "@ CAA 0 issue \"x\"\n$INCLUDE db.fifo.example\n");
        zone::LoadOptions options;
        options.include_root = dir.path.string();
        auto set = zone::load_zones({main_zone}, options, d);
        REQUIRE(d.all().size() == 1);
        CHECK(d.all()[0].location.line == 2);
    }
}
