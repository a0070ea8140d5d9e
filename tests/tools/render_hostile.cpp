// Renders records with hostile values (quotes, backslashes, line breaks, NUL, separators,
// non-ASCII, invalid UTF-8) and a hostile source-file name through output::render, which the
// policy parser would never let through, so that check_generated.py can load them into the
// real tools and prove that every value comes back as exactly one record, byte for byte.
//
// Usage: render_hostile FORMAT [--origin]   the output, header included
//        render_hostile --expected FORMAT   the records, as JSON lines with hex values
#include "caapol/core/text.hpp"
#include "caapol/output/generate.hpp"

#include <iostream>
#include <string>
#include <vector>

using namespace caapol;

namespace {

std::vector<std::string> hostile_values(bool utf8_only) {
    std::vector<std::string> values = {
        "a\"b",
        "a\\b",
        "x\"\nupdate add evil.example.com. 1 CAA 0 issue \"evil.ca\"\nsend",
        "x\r\nevil",
        std::string("nul\0byte", 8),
        "semi;colon",
        "co:lon:257:x:1\n:evil.example.com:257:x:1",
        "#hash",
        "sp ace\ttab",
        "\xc3\xa9t\xc3\xa9 \xe2\x98\x83 \xf0\x9f\x98\x80",
        "line\xe2\x80\xa8separator\xc2\x85nel",
        "\"}]},{\"name\":\"evil.example.com.\",\"ttl\":1,\"flags\":0,\"tag\":\"issue\",\"value\":"
        "\"",
        "'\"), CAA(\"evil\", \"issue\", \"evil.ca\"), //",
        "\n- flags: 0\n  tag: issue\n  value: evil\n",
        "(paren) $ORIGIN evil. $INCLUDE /etc/passwd",
        "\\# 4 00000000",
        "",
        "\x7f\x01\x1b[31m",
    };
    if (!utf8_only) {
        values.push_back("\xff\xfe not UTF-8 \xc3");
    }
    return values;
}

std::vector<policy::Domain> hostile_domains(bool utf8_only) {
    std::vector<policy::Domain> domains;
    policy::Domain apex;
    apex.name = "example.com";
    apex.ttl = 300;
    policy::Domain service;
    service.name = "_hostile.example.com";
    service.ttl = 0;
    std::uint8_t flags = 0;
    for (const auto& value : hostile_values(utf8_only)) {
        apex.records.push_back({caa::Record{flags, "contactemail", value}, Location{}});
        service.records.push_back({caa::Record{0, "iodef", value}, Location{}});
        flags = flags == 0 ? caa::flag_critical : 0;
    }
    policy::Domain inherit;
    inherit.name = "www.example.com";
    inherit.inherit = true;
    domains.push_back(apex);
    domains.push_back(service);
    domains.push_back(inherit);
    return domains;
}

} // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    bool expected = !args.empty() && args[0] == "--expected";
    if (expected) {
        args.erase(args.begin());
    }
    if (args.empty() || !output::parse_format(args[0])) {
        std::cerr << "usage: render_hostile [--expected] FORMAT [--origin]\n";
        return 2;
    }
    output::Format format = *output::parse_format(args[0]);
    bool utf8_only = format == output::Format::json || format == output::Format::octodns ||
                     format == output::Format::dnscontrol;
    auto domains = hostile_domains(utf8_only);
    if (expected) {
        for (const auto& domain : domains) {
            for (const auto& entry : domain.records) {
                std::cout << "{\"name\":\"" << domain.name << ".\",\"ttl\":" << domain.ttl
                          << ",\"flags\":" << int(entry.record.flags) << ",\"tag\":\""
                          << entry.record.tag << "\",\"value_hex\":\""
                          << text::to_hex(entry.record.value) << "\"}\n";
            }
        }
        return 0;
    }
    output::GenerateOptions options;
    options.source_files = {
        "evil\nexample.com. 1 IN CAA 0 issue \"evil.ca\"\n:evil.example.com:257:x:1",
        "policy.toml\r\nupdate add evil.example.com. 1 CAA 0 issue \"x\""};
    if ((args.size() > 1 && args[1] == "--origin") || format == output::Format::octodns ||
        format == output::Format::dnscontrol) {
        options.origin = "example.com";
    }
    try {
        std::cout << output::render(format, domains, options);
    } catch (const output::GenerateError& e) {
        std::cerr << "render_hostile: " << e.message << "\n";
        return 1;
    }
    return 0;
}
