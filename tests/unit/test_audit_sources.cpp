#include "caapol/audit/certificate.hpp"
#include "caapol/audit/issuers.hpp"

#include <cstdio>
#include <cstdlib>
#include <doctest/doctest.h>
#include <string>
#include <unistd.h>
#include <vector>

using namespace caapol;
using namespace caapol::audit;

namespace {

struct Read {
    std::vector<Certificate> certificates;
    Diagnostics diagnostics;
};

Read json(const std::string& text) {
    Read r;
    read_json(
        text, "t.json", [&](const Certificate& c) { r.certificates.push_back(c); }, r.diagnostics);
    return r;
}

std::vector<std::string> names(const Certificate& c) {
    std::vector<std::string> out;
    for (const auto& n : c.names) {
        out.push_back(n.name);
    }
    return out;
}

} // namespace

TEST_SUITE("audit") {
    TEST_CASE("names: normalized, wildcards, and what is refused") {
        Name n;
        CHECK(parse_name("WWW.Example.COM.", n).empty());
        CHECK(n.name == "www.example.com");
        CHECK_FALSE(n.wildcard);
        CHECK(parse_name("*.example.com", n).empty());
        CHECK(n.wildcard);
        CHECK(n.name == "*.example.com");
        CHECK(parse_name(std::string("a\0b.example", 11), n).find("NUL") != std::string::npos);
        CHECK(parse_name("caf\xc3\xa9.example", n).find("0xc3") != std::string::npos);
        CHECK(parse_name("w*.example.com", n).find("wildcard") != std::string::npos);
        CHECK(parse_name("*.", n) != "");
        CHECK(parse_name("", n) != "");
        CHECK(parse_name("a..b", n) != "");
        CHECK(parse_name(std::string(300, 'a'), n) != "");
    }

    TEST_CASE("detecting the kind of a source") {
        CHECK(detect_kind("\x30\x82\x01\x00") == SourceKind::der);
        CHECK(detect_kind("  \n[{\"id\":1}]") == SourceKind::crtsh_json);
        CHECK(detect_kind("\xEF\xBB\xBF{}") == SourceKind::crtsh_json);
        CHECK(detect_kind("Bag Attributes\n-----BEGIN CERTIFICATE-----\n") == SourceKind::pem);
        CHECK(detect_kind("hello") == SourceKind::unknown);
    }

    TEST_CASE("a crt.sh export") {
        auto r = json("[\n"
                      " {\"issuer_ca_id\":16418,\"issuer_name\":\"C=US, O=Let's Encrypt, CN=R3\","
                      "\"common_name\":\"example.com\",\"name_value\":\"example.com\\nWWW.example."
                      "com\\nexample.com\",\"id\":123,\"not_before\":\"2024-01-31T03:47:26\","
                      "\"not_after\":\"2024-04-30T03:47:26\",\"serial_number\":\"0A1B\"},\n"
                      " {\"issuer_name\":\"C=US, O=X, CN=Y\",\"common_name\":\"*.example.org\","
                      "\"name_value\":\"\",\"id\":124,\"extra\":{\"nested\":[1,2,{\"a\":null}]}}\n"
                      "]");
        CHECK(r.diagnostics.empty());
        REQUIRE(r.certificates.size() == 2);
        const Certificate& a = r.certificates[0];
        CHECK(a.kind == SourceKind::crtsh_json);
        CHECK(a.crtsh_id == "123");
        CHECK(a.serial == "0a1b");
        CHECK(a.issuer_dn == "C=US, O=Let's Encrypt, CN=R3");
        CHECK(names(a) == std::vector<std::string>{"example.com", "www.example.com"});
        CHECK(a.not_before == "2024-01-31T03:47:26Z");
        CHECK(a.not_after_unix == 1714448846);
        CHECK(a.location.line == 2);
        CHECK(a.location.column == 2);
        const Certificate& b = r.certificates[1];
        CHECK(b.from_common_name);
        CHECK(names(b) == std::vector<std::string>{"*.example.org"});
        CHECK(b.names[0].wildcard);
        CHECK(b.location.line == 3);
    }

    TEST_CASE("Cert Spotter: API issuances and the hook's JSON file") {
        auto r = json("[{\"id\":\"1\",\"tbs_sha256\":\"AB\",\"dns_names\":[\"a.example\",\"b."
                      "example\"],\"pubkey_sha256\":\"cd\",\"issuer\":{\"name\":\"C=US, O=Let's "
                      "Encrypt, CN=R3\",\"caa_domains\":[\"letsencrypt.org\"],\"operator\":{"
                      "\"name\":\"ISRG\",\"domain\":[\"x\"]}},\"not_before\":\"2024-01-31T03:47:"
                      "26Z\",\"revoked\":false}]");
        CHECK(r.diagnostics.empty());
        REQUIRE(r.certificates.size() == 1);
        const Certificate& c = r.certificates[0];
        CHECK(c.kind == SourceKind::certspotter_json);
        CHECK(c.crtsh_id.empty());
        CHECK(c.tbs_sha256 == "ab");
        CHECK(c.issuer_dn == "C=US, O=Let's Encrypt, CN=R3");
        CHECK(c.source_caa_domains == std::vector<std::string>{"letsencrypt.org"});
        CHECK(names(c) == std::vector<std::string>{"a.example", "b.example"});

        auto hook = json("{\"dns_names\":[\"sslmate.com\",\"www.sslmate.com\"],\"ip_addresses\":"
                         "[],\"not_after\":\"2024-01-26T03:47:26Z\",\"not_before\":\"2023-01-31T0"
                         "3:47:26Z\",\"pubkey_sha256\":\"33\",\"tbs_sha256\":\"23\"}");
        CHECK(hook.diagnostics.empty());
        REQUIRE(hook.certificates.size() == 1);
        CHECK(names(hook.certificates[0]) ==
              std::vector<std::string>{"sslmate.com", "www.sslmate.com"});
        CHECK(hook.certificates[0].location.line == 1);
    }

    TEST_CASE("JSON errors are located; records before them are kept") {
        auto r = json("[{\"issuer_name\":\"x\",\"name_value\":\"a.example\"},\n  {\"name_value\""
                      ": tru}]");
        CHECK(r.certificates.size() == 1);
        REQUIRE(r.diagnostics.all().size() == 1);
        CHECK(r.diagnostics.all()[0].rule == "json-syntax");
        CHECK(r.diagnostics.all()[0].location.line == 2);
        CHECK(r.diagnostics.all()[0].location.column >= 17);

        auto utf8 = json("[{\"issuer_name\":\"x\",\n\"name_value\":\"a\xff.example\"}]");
        REQUIRE(utf8.diagnostics.all().size() == 1);
        CHECK(utf8.diagnostics.all()[0].location.line == 2);
        CHECK(utf8.diagnostics.all()[0].message.find("UTF-8") != std::string::npos);

        auto deep = json("[{\"extra\":" + std::string(100, '['));
        REQUIRE(deep.diagnostics.all().size() == 1);
        CHECK(deep.diagnostics.all()[0].message.find("deeper") != std::string::npos);
        CHECK(deep.diagnostics.all()[0].location.column == 41); // the 31st '[' after the key

        auto scalar = json("  42");
        REQUIRE(scalar.diagnostics.all().size() == 1);
        CHECK(scalar.diagnostics.all()[0].rule == "json-format");

        auto other = json("[{\"foo\":1},\n{\"bar\":2}]");
        REQUIRE(other.diagnostics.all().size() == 2);
        CHECK(other.diagnostics.all()[1].location.line == 2);
        CHECK(other.diagnostics.all()[1].location.column == 1);

        // Elements of the top-level array that are not objects: refused, never skipped.
        for (const char* text : {"[1]", "[\"a.example\"]", "[[{\"name_value\":\"a.example\"}]]",
                                 "[{\"issuer_name\":\"x\",\"name_value\":\"a.example\"},null]"}) {
            auto stray = json(text);
            INFO(text);
            REQUIRE(stray.diagnostics.all().size() == 1);
            CHECK(stray.diagnostics.all()[0].rule == "json-format");
        }
        auto number_name = json("[{\"tbs_sha256\":\"ab\",\"dns_names\":[\"a.example\",7]}]");
        REQUIRE(number_name.diagnostics.all().size() == 1);
        CHECK(number_name.diagnostics.all()[0].rule == "invalid-name");
        REQUIRE(number_name.certificates.size() == 1);
        CHECK(names(number_name.certificates[0]) == std::vector<std::string>{"a.example"});

        auto truncated = json("[{\"issuer_name\":\"x\",\"name_");
        CHECK(truncated.certificates.empty());
        CHECK(truncated.diagnostics.has_errors());
    }

    TEST_CASE("bad names in JSON: located, bounded, e-mail addresses skipped") {
        std::string many;
        for (int i = 0; i < 50; ++i) {
            many += "bad_" + std::to_string(i) + "..x\\n";
        }
        auto r = json("[{\"issuer_name\":\"x\",\"name_value\":\"" + many +
                      "ok.example\\nuser@example.com\\nnul\\u0000.example\"}]");
        REQUIRE(r.certificates.size() == 1);
        CHECK(names(r.certificates[0]) == std::vector<std::string>{"ok.example"});
        CHECK(r.diagnostics.all().size() == 11); // 10 errors, then one line for the rest
        CHECK(r.diagnostics.all().back().message.find("41 more") != std::string::npos);
        for (const auto& d : r.diagnostics.all()) {
            CHECK(d.location.line == 1);
            CHECK(d.location.column == 2);
        }
    }

    TEST_CASE("a precertificate and its certificate share the dedup key") {
        Certificate pre;
        pre.issuer_dn = "C=XX, O=A, CN=B";
        pre.serial = "01";
        pre.precertificate = true;
        pre.sha256 = "aa";
        Certificate final_cert = pre;
        final_cert.precertificate = false;
        final_cert.sha256 = "bb";
        CHECK(dedup_key(pre) == dedup_key(final_cert));
        final_cert.serial = "02";
        CHECK(dedup_key(pre) != dedup_key(final_cert));
        CHECK(dedup_key(Certificate{}) == 0);
    }

    TEST_CASE("PEM: blocks of other types skipped, garbage and truncation located") {
        Diagnostics d;
        int calls = 0;
        read_pem(
            "text before\n-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            "-----BEGIN CERTIFICATE-----\nMIIB\n%%%\n-----END CERTIFICATE-----\n"
            "-----BEGIN CERTIFICATE-----\nMIIBAA==\n",
            "p.pem", [&](const Certificate&) { ++calls; }, d);
        CHECK(calls == 0);
        REQUIRE(d.all().size() == 2);
        CHECK(d.all()[0].location.line == 7);
        CHECK(d.all()[0].location.column == 1);
        CHECK(d.all()[1].location.line == 9);
        CHECK(d.all()[1].message.find("no END CERTIFICATE") != std::string::npos);

        Diagnostics d2;
        read_pem(
            "-----BEGIN CERTIFICATE-----\nMIIBAA==\n-----END CERTIFICATE-----\n", "q.pem",
            [&](const Certificate&) { ++calls; }, d2);
        REQUIRE(d2.all().size() == 1);
        CHECK(d2.all()[0].message.find("not a DER") != std::string::npos);

        Diagnostics d3;
        read_pem(
            "no certificate here\n", "r.pem", [&](const Certificate&) { ++calls; }, d3);
        CHECK(d3.has_errors());

        Diagnostics d4;
        read_der(
            std::string("\x30\x03\x02\x01", 4), "t.der", [&](const Certificate&) { ++calls; }, d4);
        CHECK(d4.has_errors());
        CHECK(calls == 0);
    }
}

TEST_SUITE("audit") {
    TEST_CASE("read_certificates: files, merging, the same order with or without the pipeline") {
        char dir_template[] = "/tmp/caapol-audit-unit-XXXXXX";
        REQUIRE(mkdtemp(dir_template) != nullptr);
        const std::string dir = dir_template;
        const std::string path = dir + "/crtsh.json";
        {
            std::FILE* f = std::fopen(path.c_str(), "w");
            REQUIRE(f != nullptr);
            std::fputs("[", f);
            for (int i = 0; i < 3000; ++i) {
                // Every 3rd record repeats the previous one's serial: a precertificate pair.
                int serial = i % 3 == 2 ? i - 1 : i;
                std::fprintf(f,
                             "%s{\"issuer_name\":\"C=US, O=Let's Encrypt, CN=R3\",\"name_value\":"
                             "\"h%d.example.com\",\"id\":%d,\"serial_number\":\"%x\"}",
                             i == 0 ? "" : ",\n", i, i, serial);
            }
            std::fputs("]", f);
            std::fclose(f);
        }
        IssuerTable issuers;
        issuers.add_builtin();
        std::vector<std::string> serial_ids, pipelined_ids;
        ReadStats serial_stats, pipelined_stats;
        for (bool pipeline : {false, true}) {
            ReadOptions options;
            options.issuers = &issuers;
            options.pipeline = pipeline;
            Diagnostics d;
            auto& ids = pipeline ? pipelined_ids : serial_ids;
            auto stats = read_certificates(
                {path, dir + "/missing.json"}, options,
                [&](const Certificate& c) {
                    CHECK(c.caa_domains == std::vector<std::string>{"letsencrypt.org"});
                    ids.push_back(c.crtsh_id);
                },
                d);
            (pipeline ? pipelined_stats : serial_stats) = stats;
            REQUIRE(d.all().size() == 1); // the missing file, located
            CHECK(d.all()[0].location.file == dir + "/missing.json");
        }
        CHECK(serial_ids.size() == 2000);
        CHECK(serial_ids == pipelined_ids);
        CHECK(serial_stats.duplicates == 1000);
        CHECK(pipelined_stats.duplicates == 1000);
        CHECK(pipelined_stats.certificates == 2000);
        std::remove(path.c_str());
        rmdir(dir.c_str());
    }
}
