// Internal to src/policy/: a streaming reader for the subset of TOML that policies are written
// in, so that a million-domain policy is read without building toml++'s tree of it.
#pragma once

#include "value.hpp"

#include <string_view>

namespace caapol::policy {

// Thrown by read_fast (or by the handler) when the text is outside the subset: the caller
// forgets what the handler was given and reads the whole file with toml++ instead.
struct FastReaderDeclined {};

// What the reader hands over, in file order.
class FastReaderHandler {
public:
    virtual ~FastReaderHandler() = default;
    virtual void top_level(const toml_value::Key& key, const toml_value::Node& value) = 0;
    virtual void defaults(const toml_value::Node& table) = 0;
    virtual void domain(const toml_value::Key& key, const toml_value::Node& table) = 0;
    virtual void end() = 0;
};

// The subset: comments, blank lines, top-level keys other than defaults and domain, then an
// optional [defaults] and any number of [domain.NAME] tables (NAME bare or quoted), whose
// keys are bare or quoted (not dotted) with values that are strings (basic without escapes,
// or literal; printable ASCII and tabs), decimal integers, booleans, arrays (over several
// lines, with comments) and inline tables (over several lines too, TOML 1.1 as toml++ is
// built here). LF or CRLF line ends. Anything else
// (escapes, multi-line strings, floats, dates, dotted keys, arrays of tables, non-ASCII
// bytes, a key or header written twice, any syntax error) throws FastReaderDeclined, so that
// toml++ reads it and its messages and values stay the reference.
void read_fast(std::string_view text, FastReaderHandler& handler);

} // namespace caapol::policy
