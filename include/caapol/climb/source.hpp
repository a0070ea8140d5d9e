// Where DNS data comes from: the policy, loaded zone files, or live DNS. Each answers "what
// is at this name?" and the one climbing algorithm (climb.hpp) works over any of them.
#pragma once

#include "caapol/caa/record.hpp"
#include "caapol/core/diagnostic.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace caapol::climb {

enum class AnswerKind {
    records,  // the CAA RRset at the (possibly aliased) name
    empty,    // NOERROR/NODATA (also: name exists, no CAA)
    nxdomain, // the name does not exist
    alias,    // CNAME/DNAME: the name is an alias of `target`; query it next
    failure,  // SERVFAIL, timeout, REFUSED, bad answer, outside every loaded zone, ...
};

const char* answer_kind_name(AnswerKind kind);

struct SourcedRecord {
    caa::Record record;
    std::uint32_t ttl = 0;
    Location location; // file:line for zone data and policies; empty for live DNS
};

struct Answer {
    AnswerKind kind = AnswerKind::failure;
    std::vector<SourcedRecord> records; // kind == records
    // kind == alias: the target name (normalized). A source that already followed aliases
    // itself (a recursive resolver) reports records/empty/nxdomain with `aliases` filled in.
    std::string target;
    std::vector<std::string> aliases; // alias chain already followed inside this answer
    std::string reason;               // kind == failure: why; otherwise optional detail
    std::string server;               // who answered ("policy", file name, "127.0.0.1@5353")
    // kind == records synthesized from a wildcard (RFC 4592): the wildcard owner ("*.x"), which
    // holds the records; empty when the records are the queried name's own (or not known).
    std::string owner;
};

class Source {
public:
    virtual ~Source() = default;
    // `name` is normalized. Must not throw for DNS-level problems: report kind == failure.
    virtual Answer lookup(const std::string& name) = 0;
};

} // namespace caapol::climb
