#include "caapol/output/generate.hpp"

#include <algorithm>
#include <doctest/doctest.h>

using namespace caapol;
using output::Format;
using output::GenerateOptions;

namespace {

caa::Record record(std::uint8_t flags, std::string tag, std::string value) {
    return caa::Record{flags, std::move(tag), std::move(value)};
}

policy::Domain domain(std::string name, std::vector<caa::Record> records,
                      std::uint32_t ttl = 3600) {
    policy::Domain d;
    d.name = std::move(name);
    d.ttl = ttl;
    for (auto& r : records) {
        d.records.push_back(policy::PolicyRecord{std::move(r), Location{}});
    }
    return d;
}

policy::Domain inherit_domain(std::string name) {
    policy::Domain d;
    d.name = std::move(name);
    d.inherit = true;
    return d;
}

// example.com (issue + critical issuewild ";"), blog (inherit), shop (TTL 300, accounturi).
std::vector<policy::Domain> sample() {
    return {
        domain("example.com", {record(0, "issue", "letsencrypt.org"), record(128, "issuewild", ";"),
                               record(0, "iodef", "mailto:security@example.com")}),
        inherit_domain("blog.example.com"),
        domain("shop.example.com",
               {record(0, "issue", "letsencrypt.org; accounturi=https://acme.example/acct/1")},
               300),
    };
}

GenerateOptions no_header() {
    GenerateOptions options;
    options.header = false;
    return options;
}

GenerateOptions with_origin(std::string origin) {
    GenerateOptions options = no_header();
    options.origin = std::move(origin);
    return options;
}

std::string generated(Format format, const std::vector<policy::Domain>& domains,
                      const GenerateOptions& options) {
    return output::render(format, domains, options);
}

std::size_t count_lines(const std::string& s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

std::string generate_error(Format format, const std::vector<policy::Domain>& domains,
                           const GenerateOptions& options) {
    try {
        output::render(format, domains, options);
    } catch (const output::GenerateError& e) {
        return e.message;
    }
    return "";
}

// Values no format may let out of their field: quotes, backslashes, line breaks (also the
// JavaScript and YAML ones), NUL, comment and field separators, spaces, non-ASCII.
const std::vector<std::string> hostile_values = {
    "a\"b",
    "a\\b",
    "x\"\nupdate add evil.example.com. 1 CAA 0 issue \"evil.ca\"\nsend",
    "x\r\nevil",
    std::string("nul\0byte", 8),
    "semi;colon",
    "co:lon:257:x:1\n:evil.example.com:257:x:1",
    "#hash",
    "sp ace\ttab",
    "\xc3\xa9t\xc3\xa9",
    "line\xe2\x80\xa8separator\xc2\x85nel",
    "\"}]},{\"name\":\"evil\",\"x\":[{\"",
    "'\"), CAA(\"evil\", \"issue\", \"evil.ca\"), //",
    "\n- flags: 0\n  tag: issue\n  value: evil\n",
    "issuer; key=\"quoted\"\\",
};

const std::vector<Format> all_formats = {Format::zone,    Format::rfc3597,   Format::tinydns,
                                         Format::dnsmasq, Format::nsupdate,  Format::json,
                                         Format::octodns, Format::dnscontrol};

} // namespace

TEST_SUITE("output") {
    TEST_CASE("format names round-trip and unknown names are refused") {
        for (const auto& info : output::formats()) {
            REQUIRE(output::parse_format(info.name).has_value());
            CHECK(*output::parse_format(info.name) == info.format);
            CHECK(std::string(output::format_name(info.format)) == info.name);
        }
        CHECK(output::formats().front().format == Format::zone);
        CHECK_FALSE(output::parse_format("ZONE").has_value());
        CHECK_FALSE(output::parse_format("bind").has_value());
    }

    TEST_CASE("parse_origin normalizes and refuses bad names and the root") {
        CHECK(output::parse_origin("Example.COM.") == "example.com");
        CHECK_THROWS_AS(output::parse_origin("."), output::GenerateError);
        CHECK_THROWS_AS(output::parse_origin(""), output::GenerateError);
        CHECK_THROWS_AS(output::parse_origin("exa mple.com"), output::GenerateError);
        CHECK_THROWS_AS(output::parse_origin("a\nb.com"), output::GenerateError);
    }

    TEST_CASE("zone: absolute names, one line per record, inherit as a comment") {
        CHECK(generated(Format::zone, sample(), no_header()) ==
              "example.com. 3600 IN CAA 0 issue \"letsencrypt.org\"\n"
              "example.com. 3600 IN CAA 128 issuewild \";\"\n"
              "example.com. 3600 IN CAA 0 iodef \"mailto:security@example.com\"\n"
              "\n"
              "; blog.example.com. inherits (inherit = true): no CAA records of its own\n"
              "\n"
              "shop.example.com. 300 IN CAA 0 issue \"letsencrypt.org; "
              "accounturi=https://acme.example/acct/1\"\n");
    }

    TEST_CASE("zone: names relative to --origin, @ for the origin itself") {
        std::string out = generated(Format::zone, sample(), with_origin("example.com"));
        CHECK(out.find("@ 3600 IN CAA 0 issue \"letsencrypt.org\"\n") == 0);
        CHECK(out.find("\nshop 300 IN CAA 0 issue ") != std::string::npos);
        CHECK(out.find("example.com. 3") == std::string::npos); // no absolute owner left
    }

    TEST_CASE("every format refuses names outside --origin") {
        for (Format format : all_formats) {
            CAPTURE(output::format_name(format));
            std::string message = generate_error(format, sample(), with_origin("shop.example.com"));
            CHECK(message ==
                  "domain example.com is outside the origin shop.example.com. (give a policy "
                  "for that zone only, or no --origin)");
        }
        // A name that merely ends with the origin's text is not below it.
        CHECK(generate_error(Format::zone, {domain("notexample.com", {record(0, "issue", ";")})},
                             with_origin("example.com")) != "");
    }

    TEST_CASE("every format refuses names, tags and TTLs it could not write safely") {
        for (Format format : all_formats) {
            CAPTURE(output::format_name(format));
            GenerateOptions options = with_origin("com");
            for (std::string name : {"evil.com\n", "a b.com", "a\"b.com", "a:b.com", "*.x.com",
                                     "a..com", "a;b.com", "a\\b.com", "a,b.com"}) {
                CAPTURE(name);
                CHECK(generate_error(format, {domain(name, {record(0, "issue", ";")})}, options)
                          .find("domain '") == 0);
            }
            for (std::string tag : {"", "is sue", "issue\n", "a\"b", "a:b"}) {
                CAPTURE(tag);
                CHECK(generate_error(format, {domain("x.com", {record(0, tag, ";")})}, options)
                          .find("invalid CAA tag") != std::string::npos);
            }
            CHECK(generate_error(format, {domain("x.com", {record(0, "issue", ";")}, 2147483648U)},
                                 options)
                      .find("above 2147483647") != std::string::npos);
            CHECK(generate_error(format,
                                 {domain("x.com", {record(0, "issue", std::string(65534, 'a'))})},
                                 options)
                      .find("too long") != std::string::npos);
            policy::Domain both = inherit_domain("x.com");
            both.records.push_back({record(0, "issue", ";"), Location{}});
            CHECK(generate_error(format, {both}, options).find("inherit") != std::string::npos);
        }
    }

    TEST_CASE("header comment names the source files, escaped onto single lines") {
        GenerateOptions options;
        options.source_files = {"policies/example.toml", "evil\nexample.com. 1 IN CAA 0 issue x"};
        std::string out = generated(Format::zone, sample(), options);
        CHECK(out.find("; CAA records generated by caapol from:\n"
                       ";   policies/example.toml\n"
                       ";   evil\\x0aexample.com. 1 IN CAA 0 issue x\n"
                       "; Edit the policy, not this output.\n\n") == 0);
        for (Format format : {Format::tinydns, Format::dnsmasq, Format::octodns}) {
            options.origin = "example.com";
            std::string text = generated(format, sample(), options);
            CHECK(text.find("#   evil\\x0aexample.com. 1 IN CAA 0 issue x\n") != std::string::npos);
        }
        options.origin = "example.com";
        CHECK(generated(Format::dnscontrol, sample(), options).find("//   evil\\x0aexample.com.") !=
              std::string::npos);
        CHECK(generated(Format::nsupdate, sample(), options).find(";   evil\\x0aexample.com.") !=
              std::string::npos);
        // JSON has no comments: no header at all.
        CHECK(generated(Format::json, sample(), options).find("evil") == std::string::npos);
    }

    TEST_CASE("lines that a reader would split are refused (dnsmasq 1023, nsupdate 8191)") {
        auto with_value = [](std::size_t length) {
            return std::vector<policy::Domain>{
                domain("x.com", {record(0, "tbs", std::string(length, 'a'))})};
        };
        CHECK(generated(Format::dnsmasq, with_value(330), no_header()).size() == 50 + 1021 + 1);
        CHECK(
            generate_error(Format::dnsmasq, with_value(331), no_header()) ==
            "domain x.com: a line of dnsmasq output would be 1024 characters long; dnsmasq "
            "reads at most 1023 and would take the rest for a line of its own (shorten the value)");
        CHECK(generate_error(Format::nsupdate, with_value(8156), no_header()) == "");
        CHECK(generate_error(Format::nsupdate, with_value(8157), no_header())
                  .find("a line of nsupdate output would be 8192 characters long") !=
              std::string::npos);
        // The same values are fine where the reader has no such limit.
        CHECK(generate_error(Format::zone, with_value(8157), no_header()) == "");
        CHECK(generate_error(Format::tinydns, with_value(8157), no_header()) == "");
    }

    TEST_CASE("long source-file names are cut over several comment lines") {
        GenerateOptions options;
        options.source_files = {std::string(150, 'a') + std::string(100, 'b') + "\ndns-rr=evil"};
        std::string out = generated(Format::dnsmasq, {}, options);
        CHECK(out == "# CAA records generated by caapol from:\n"
                     "#   " +
                         std::string(100, 'a') +
                         "\n"
                         "#     " +
                         std::string(50, 'a') + std::string(50, 'b') +
                         "\n"
                         "#     " +
                         std::string(50, 'b') +
                         "\\x0adns-rr=evil\n"
                         "# Edit the policy, not this output.\n");
    }

    TEST_CASE("rfc3597: generic RDATA, hex split into 32-octet words") {
        std::string out = generated(
            Format::rfc3597, {domain("example.com", {record(0, "issue", ";")})}, no_header());
        CHECK(out == "example.com. 3600 IN TYPE257 \\# 8 000569737375653b\n");
        std::string long_value(40, 'a');
        out =
            generated(Format::rfc3597, {domain("example.com", {record(128, "iodef", long_value)})},
                      with_origin("example.com"));
        std::string hex = "8005696f646566";
        for (int i = 0; i < 40; ++i) {
            hex += "61";
        }
        CHECK(out == "@ 3600 IN TYPE257 \\# 47 " + hex.substr(0, 64) + " " + hex.substr(64) + "\n");
    }

    TEST_CASE("tinydns: generic lines with octal escapes outside a safe set") {
        std::string out = render(
            Format::tinydns,
            {domain("example.com", {record(0, "issue", "ca.example; accounturi=https://a/1")}),
             inherit_domain("www.example.com")},
            no_header());
        CHECK(out ==
              ":example.com:257:\\000\\005issueca.example;\\040accounturi=https\\072//a/1:3600\n"
              "# www.example.com inherits (inherit = true): no CAA records of its own\n");
        out = generated(Format::tinydns, {domain("x.com", {record(0, "issue", "a:b\n#\\")})},
                        no_header());
        CHECK(out == ":x.com:257:\\000\\005issuea\\072b\\012\\043\\134:3600\n");
    }

    TEST_CASE("dnsmasq: dns-rr lines with colon-separated hex, TTL in a comment") {
        std::string out = generated(Format::dnsmasq,
                                    {domain("example.com", {record(128, "issue", ";")}, 300),
                                     inherit_domain("www.example.com")},
                                    no_header());
        CHECK(out == "# example.com (policy TTL 300; dnsmasq uses local-ttl)\n"
                     "dns-rr=example.com,257,80:05:69:73:73:75:65:3b\n"
                     "# www.example.com inherits (inherit = true): no CAA records of its own\n");
    }

    TEST_CASE("nsupdate: per name delete then adds; inherit names only deleted") {
        CHECK(generated(Format::nsupdate, sample(), no_header()) ==
              "update delete example.com. CAA\n"
              "update add example.com. 3600 CAA 0 issue \"letsencrypt.org\"\n"
              "update add example.com. 3600 CAA 128 issuewild \";\"\n"
              "update add example.com. 3600 CAA 0 iodef \"mailto:security@example.com\"\n"
              "send\n"
              "; blog.example.com. inherits (inherit = true): no CAA records of its own\n"
              "update delete blog.example.com. CAA\n"
              "send\n"
              "update delete shop.example.com. CAA\n"
              "update add shop.example.com. 300 CAA 0 issue \"letsencrypt.org; "
              "accounturi=https://acme.example/acct/1\"\n"
              "send\n");
    }

    TEST_CASE("nsupdate never writes a blank line (nsupdate sends at a blank line)") {
        GenerateOptions options;
        options.source_files = {"a.toml", "b.toml"};
        CHECK(generated(Format::nsupdate, sample(), options).find("\n\n") == std::string::npos);
        options.origin = "example.com";
        CHECK(generated(Format::nsupdate, sample(), options).find("\n\n") == std::string::npos);
    }

    TEST_CASE("nsupdate with --origin: one zone, one atomic send, absolute names") {
        std::string out = generated(Format::nsupdate, sample(), with_origin("example.com"));
        CHECK(out.find("zone example.com.\nupdate delete example.com. CAA\n") == 0);
        CHECK(out.find("send\n") == out.size() - 5); // the only send, at the end
        CHECK(out.find("update delete shop.example.com. CAA\n") != std::string::npos);
        CHECK(generated(Format::nsupdate, {}, with_origin("example.com")) == "zone example.com.\n");
        // A subset, as verify --fix asks for: only those names.
        std::vector<policy::Domain> subset = {sample()[1]};
        CHECK(generated(Format::nsupdate, subset, no_header()) ==
              "; blog.example.com. inherits (inherit = true): no CAA records of its own\n"
              "update delete blog.example.com. CAA\nsend\n");
    }

    TEST_CASE("json: version 1, one record per line, absolute names") {
        CHECK(generated(Format::json, sample(), no_header()) ==
              "{\"version\":1,\"records\":[\n"
              "{\"name\":\"example.com.\",\"ttl\":3600,\"flags\":0,\"tag\":\"issue\","
              "\"value\":\"letsencrypt.org\"},\n"
              "{\"name\":\"example.com.\",\"ttl\":3600,\"flags\":128,\"tag\":\"issuewild\","
              "\"value\":\";\"},\n"
              "{\"name\":\"example.com.\",\"ttl\":3600,\"flags\":0,\"tag\":\"iodef\","
              "\"value\":\"mailto:security@example.com\"},\n"
              "{\"name\":\"shop.example.com.\",\"ttl\":300,\"flags\":0,\"tag\":\"issue\","
              "\"value\":\"letsencrypt.org; accounturi=https://acme.example/acct/1\"}\n"
              "]}\n");
        CHECK(generated(Format::json, {}, no_header()) == "{\"version\":1,\"records\":[]}\n");
        CHECK(generated(Format::json, {inherit_domain("x.com")}, no_header()) ==
              "{\"version\":1,\"records\":[]}\n");
    }

    TEST_CASE("json, octodns, dnscontrol refuse values that are not UTF-8") {
        std::vector<policy::Domain> bad = {domain("example.com", {record(0, "iodef", "a\xff")})};
        for (Format format : {Format::json, Format::octodns, Format::dnscontrol}) {
            CAPTURE(output::format_name(format));
            CHECK(generate_error(format, bad, with_origin("example.com")) ==
                  "the value 'a\\xff' is not valid UTF-8, which this format cannot carry (use "
                  "--format zone or rfc3597)");
        }
        CHECK(generate_error(Format::zone, bad, no_header()) == "");
    }

    TEST_CASE("octodns: YAML keyed by relative name, values double-quoted") {
        CHECK(generated(Format::octodns, sample(), with_origin("example.com")) ==
              "\"\":\n"
              "  ttl: 3600\n"
              "  type: CAA\n"
              "  values:\n"
              "  - flags: 0\n"
              "    tag: \"issue\"\n"
              "    value: \"letsencrypt.org\"\n"
              "  - flags: 128\n"
              "    tag: \"issuewild\"\n"
              "    value: \";\"\n"
              "  - flags: 0\n"
              "    tag: \"iodef\"\n"
              "    value: \"mailto:security@example.com\"\n"
              "# blog.example.com inherits (inherit = true): no CAA records of its own\n"
              "\"shop\":\n"
              "  ttl: 300\n"
              "  type: CAA\n"
              "  values:\n"
              "  - flags: 0\n"
              "    tag: \"issue\"\n"
              "    value: \"letsencrypt.org; accounturi=https://acme.example/acct/1\"\n");
        CHECK(generated(Format::octodns, {inherit_domain("example.com")},
                        with_origin("example.com")) ==
              "# example.com inherits (inherit = true): no CAA records of its own\n{}\n");
        CHECK(generate_error(Format::octodns, sample(), no_header()) ==
              "--format octodns writes names relative to a zone: give --origin ZONE");
        std::string out =
            generated(Format::octodns,
                      {domain("example.com", {record(0, "iodef", "\xf0\x9f\x98\x80\xc3\xa9\x01")})},
                      with_origin("example.com"));
        CHECK(out.find("    value: \"\\U0001f600\\u00e9\\u0001\"\n") != std::string::npos);
    }

    TEST_CASE("octodns: names in octoDNS's natural order, which its loader enforces") {
        std::vector<policy::Domain> canonical = {
            domain("example.com", {record(0, "issue", ";")}),
            domain("_x.example.com", {record(0, "issue", ";")}),
            domain("a10.example.com", {record(0, "issue", ";")}),
            domain("a9.example.com", {record(0, "issue", ";")}),
            domain("b.a9.example.com", {record(0, "issue", ";")}),
            inherit_domain("a09x.example.com"),
        };
        std::string out = generated(Format::octodns, canonical, with_origin("example.com"));
        std::vector<std::string> keys;
        for (std::size_t at = 0; at < out.size();) {
            std::size_t end = out.find('\n', at);
            std::string line = out.substr(at, end - at);
            if (!line.empty() && line[0] == '"') {
                keys.push_back(line);
            } else if (line.rfind("# ", 0) == 0) {
                keys.push_back(line.substr(2, line.find(' ', 2) - 2));
            }
            at = end + 1;
        }
        CHECK(keys == std::vector<std::string>{"\"\":", "\"_x\":", "\"a9\":", "a09x.example.com",
                                               "\"a10\":", "\"b.a9\":"});
    }

    TEST_CASE("dnscontrol: CAA() records relative to the origin, CAA_CRITICAL, TTL") {
        CHECK(generated(Format::dnscontrol, sample(), with_origin("example.com")) ==
              "// Use in dnsconfig.js: D(\"example.com\", REG, DnsProvider(DSP), CAA_RECORDS);\n"
              "var CAA_RECORDS = [\n"
              "    CAA(\"@\", \"issue\", \"letsencrypt.org\", TTL(3600)),\n"
              "    CAA(\"@\", \"issuewild\", \";\", CAA_CRITICAL, TTL(3600)),\n"
              "    CAA(\"@\", \"iodef\", \"mailto:security@example.com\", TTL(3600)),\n"
              "    // blog.example.com inherits (inherit = true): no CAA records of its own\n"
              "    CAA(\"shop\", \"issue\", \"letsencrypt.org; "
              "accounturi=https://acme.example/acct/1\", TTL(300)),\n"
              "];\n");
        CHECK(generate_error(Format::dnscontrol, sample(), no_header()) ==
              "--format dnscontrol writes names relative to a zone: give --origin ZONE");
        CHECK(generate_error(Format::dnscontrol, {domain("example.com", {record(1, "issue", ";")})},
                             with_origin("example.com")) ==
              "domain example.com: flags 1 cannot be expressed in DNSControl (only 0 and 128)");
        CHECK(generate_error(
                  Format::dnscontrol,
                  {domain("example.com", {record(0, "issue", ";"), record(0, "tbs", "x")})},
                  with_origin("example.com")) ==
              "domain example.com: DNSControl refuses CAA tag 'tbs' (it takes issue, issuewild, "
              "iodef, issuemail, issuevmc, contactemail, contactphone; older versions only the "
              "first three)");
        CHECK(generate_error(
                  Format::octodns,
                  {domain("example.com", {record(0, "issue", ";"), record(0, "tbs", "x")})},
                  with_origin("example.com")) == "");
        std::string out =
            generated(Format::dnscontrol,
                      {domain("example.com", {record(0, "iodef", "\xf0\x9f\x98\x80\xe2\x80\xa8")})},
                      with_origin("example.com"));
        CHECK(out.find("\"\\ud83d\\ude00\\u2028\"") != std::string::npos);
    }

    TEST_CASE("no value can add a line, record or command to any format") {
        for (Format format : all_formats) {
            CAPTURE(output::format_name(format));
            GenerateOptions options = with_origin("example.com");
            options.header = true;
            options.source_files = {"p.toml"};
            std::vector<policy::Domain> benign = {
                domain("example.com", {record(0, "issue", "x"), record(0, "iodef", "x")})};
            std::size_t expected_lines = count_lines(generated(format, benign, options));
            for (const std::string& value : hostile_values) {
                CAPTURE(value);
                std::vector<policy::Domain> hostile = {
                    domain("example.com", {record(0, "issue", value), record(0, "iodef", value)})};
                std::string out = generated(format, hostile, options);
                CHECK(count_lines(out) == expected_lines);
                CHECK(out.find('\r') == std::string::npos);
                CHECK(out.find('\0') == std::string::npos);
                CHECK(out.find("\xe2\x80\xa8") == std::string::npos);
                CHECK(out.find("\xc2\x85") == std::string::npos);
                CHECK(out.find("\nupdate add evil") == std::string::npos);
                CHECK(out.find("\n:evil") == std::string::npos);
                CHECK(out.find("\n- flags") == std::string::npos);
            }
        }
    }

    TEST_CASE("zone-family values keep their bytes: escapes, not replacements") {
        std::vector<policy::Domain> d = {domain(
            "example.com", {record(0, "iodef", std::string("a\"b\\c\nd\0e;f \xc3\xa9", 14))})};
        CHECK(generated(Format::zone, d, no_header()) ==
              "example.com. 3600 IN CAA 0 iodef \"a\\\"b\\\\c\\010d\\000e;f \\195\\169\"\n");
        CHECK(generated(Format::nsupdate, d, no_header()) ==
              "update delete example.com. CAA\n"
              "update add example.com. 3600 CAA 0 iodef \"a\\\"b\\\\c\\010d\\000e;f \\195\\169\"\n"
              "send\n");
        CHECK(generated(Format::json, d, no_header())
                  .find("\"value\":\"a\\\"b\\\\c\\nd\\u0000e;f \xc3\xa9\"") != std::string::npos);
    }
}
