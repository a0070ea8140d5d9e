#include "caapol/caa/record.hpp"

#include "caapol/caa/issue_value.hpp"
#include "caapol/core/text.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>

namespace caapol::caa {

bool is_critical(const Record& record) {
    return (record.flags & flag_critical) != 0;
}

bool is_issue_type(std::string_view tag) {
    return text::iequals(tag, "issue") || text::iequals(tag, "issuewild") ||
           text::iequals(tag, "issuemail") || text::iequals(tag, "issuevmc");
}

const std::vector<std::string>& known_tags() {
    static const std::vector<std::string> tags = {
        "issue", "issuewild", "issuemail", "issuevmc", "iodef", "contactemail", "contactphone"};
    return tags;
}

bool is_known_tag(std::string_view tag) {
    const auto& tags = known_tags();
    return std::any_of(tags.begin(), tags.end(),
                       [&](const std::string& known) { return text::iequals(tag, known); });
}

bool is_reserved_tag(std::string_view tag) {
    return text::iequals(tag, "auth") || text::iequals(tag, "path") || text::iequals(tag, "policy");
}

bool is_valid_tag(std::string_view tag) {
    if (tag.empty() || tag.size() > 255) {
        return false;
    }
    return std::all_of(tag.begin(), tag.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    });
}

namespace {
// RFC 8657 section 4: validationmethods is a set of labels; order and repeats carry no meaning.
std::string normal_method_list(std::string_view list) {
    std::vector<std::string_view> labels = text::split(list, ',');
    std::sort(labels.begin(), labels.end());
    labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
    std::string out;
    for (auto label : labels) {
        if (!out.empty()) {
            out += ',';
        }
        out += label;
    }
    return out;
}

// Issuer and parameters of a parsable issue-type value in a normal form; nullopt otherwise.
std::optional<IssueValue> normal_issue_value(const Record& record) {
    if (!is_issue_type(record.tag)) {
        return std::nullopt;
    }
    auto parsed = parse_issue_value(record.value);
    if (!parsed.value) {
        return std::nullopt;
    }
    IssueValue v = std::move(*parsed.value);
    v.issuer = normalize_issuer(v.issuer);
    for (auto& p : v.parameters) {
        if (p.key == "validationmethods") {
            p.value = normal_method_list(p.value);
        }
    }
    std::sort(v.parameters.begin(), v.parameters.end(), [](const Parameter& a, const Parameter& b) {
        return a.key != b.key ? a.key < b.key : a.value < b.value;
    });
    v.parameters.erase(std::unique(v.parameters.begin(), v.parameters.end()), v.parameters.end());
    return v;
}
} // namespace

std::string canonical_key(const Record& record) {
    std::string key = std::to_string(record.flags) + '\0' + text::to_lower(record.tag) + '\0';
    if (auto v = normal_issue_value(record)) {
        key += 'P';
        key += v->issuer;
        for (const auto& p : v->parameters) {
            key += '\0' + p.key + '=' + p.value;
        }
    } else {
        key += 'R';
        key += record.value;
    }
    return key;
}

bool equivalent(const Record& a, const Record& b) {
    return canonical_key(a) == canonical_key(b);
}

Record canonical(const Record& record) {
    Record out = record;
    out.tag = text::to_lower(record.tag);
    if (is_issue_type(record.tag)) {
        if (auto parsed = parse_issue_value(record.value); parsed.value) {
            out.value = render_issue_value(*parsed.value, true);
        }
    }
    return out;
}

std::string to_presentation(const Record& record) {
    std::string tag;
    for (unsigned char c : record.tag) {
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (plain) {
            tag += static_cast<char>(c);
        } else {
            // Only reachable for tags read from the wire that RFC 8659 forbids.
            char buf[5];
            std::snprintf(buf, sizeof buf, "\\%03u", c);
            tag += buf;
        }
    }
    if (tag.empty()) {
        tag = "\"\"";
    }
    return std::to_string(record.flags) + " " + tag + " " + text::quote_zone_string(record.value);
}

std::string to_rdata(const Record& record) {
    std::string out;
    out += static_cast<char>(record.flags);
    out += static_cast<char>(static_cast<unsigned char>(record.tag.size()));
    out += record.tag;
    out += record.value;
    return out;
}

std::optional<Record> from_rdata(std::string_view rdata, std::string* error) {
    auto fail = [&](std::string message) -> std::optional<Record> {
        if (error != nullptr) {
            *error = std::move(message);
        }
        return std::nullopt;
    };
    if (rdata.size() < 2) {
        return fail("CAA RDATA of " + std::to_string(rdata.size()) +
                    " octets is shorter than flags and tag length");
    }
    Record record;
    record.flags = static_cast<std::uint8_t>(rdata[0]);
    std::size_t tag_length = static_cast<unsigned char>(rdata[1]);
    if (tag_length == 0) {
        return fail("CAA record with an empty tag");
    }
    if (2 + tag_length > rdata.size()) {
        return fail("CAA tag length " + std::to_string(tag_length) + " overruns the RDATA of " +
                    std::to_string(rdata.size()) + " octets");
    }
    record.tag = std::string(rdata.substr(2, tag_length));
    record.value = std::string(rdata.substr(2 + tag_length));
    return record;
}

SetDifference compare_sets(const std::vector<Record>& expected, const std::vector<Record>& actual) {
    // key -> (count in expected - count in actual), plus one representative record per side.
    std::map<std::string, std::vector<const Record*>> want;
    for (const auto& r : expected) {
        want[canonical_key(r)].push_back(&r);
    }
    SetDifference diff;
    std::vector<std::pair<std::string, const Record*>> extra;
    for (const auto& r : actual) {
        auto key = canonical_key(r);
        auto it = want.find(key);
        if (it != want.end() && !it->second.empty()) {
            it->second.pop_back();
        } else {
            extra.emplace_back(std::move(key), &r);
        }
    }
    for (const auto& [key, records] : want) {
        for (const Record* r : records) {
            diff.missing.push_back(*r);
        }
    }
    std::stable_sort(extra.begin(), extra.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [key, r] : extra) {
        diff.unexpected.push_back(*r);
    }
    return diff;
}

} // namespace caapol::caa
