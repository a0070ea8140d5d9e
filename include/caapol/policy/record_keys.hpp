// The record keys of a policy domain table (format v1), in generation order: the loader
// emits a domain's records in this order, and import's writer lays tables out by it.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace caapol::policy {

enum RecordKey : std::size_t {
    key_issue,
    key_issuewild,
    key_issuemail,
    key_issuevmc,
    key_iodef,
    key_contactemail,
    key_contactphone,
    key_property, // any other tag, through the format's escape hatch
    record_key_count
};
inline constexpr std::array<std::string_view, record_key_count> record_key_names = {
    "issue", "issuewild",    "issuemail",    "issuevmc",
    "iodef", "contactemail", "contactphone", "property"};

// The key named `key` in a domain table, if it is a record key.
inline std::optional<RecordKey> record_key_named(std::string_view key) {
    for (std::size_t i = 0; i < record_key_count; ++i) {
        if (record_key_names[i] == key) {
            return static_cast<RecordKey>(i);
        }
    }
    return std::nullopt;
}

// The key whose list holds a record of (lower-case) `tag`: key_property for tags of no key
// of their own.
inline RecordKey record_key_of_tag(std::string_view tag) {
    auto key = record_key_named(tag);
    return key && *key != key_property ? *key : key_property;
}

} // namespace caapol::policy
