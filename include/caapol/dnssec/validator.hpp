// DNSSEC validation of answers in caapol itself (RFC 4033-4035, 5155, 6840), with ldns's
// signature and NSEC functions: an answer's wire form in, a dnssec::Status out. The chain of
// trust (DS and DNSKEY RRsets from a trust anchor down) is fetched through a Fetcher the
// caller supplies (caapol's own DNS engine) and cached for the validator's lifetime (a run).
// No ldns type crosses this header.
#pragma once

#include "caapol/dnssec/status.hpp"

#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::dnssec {

enum class Mode { off, validate, require };

inline constexpr const char* default_trust_anchor = "/usr/share/dns/root.key";
inline constexpr std::uint16_t type_ds = 43;
inline constexpr std::uint16_t type_dnskey = 48;

struct Options {
    Mode mode = Mode::validate;
    // Files of DS or DNSKEY records in zone-file form (Unbound's trust-anchor-file); empty:
    // default_trust_anchor.
    std::vector<std::string> trust_anchor_files;
    std::int64_t now = 0; // the validation time (Unix); 0: the clock at construction
};

// Mode from "validate", "off", "require"; false when the text is none of them.
bool parse_mode(const std::string& text, Mode* mode);

// The answer to a DS or DNSKEY query: `wire` valid during the call only; on failure `wire`
// is empty and `error` says why. `server` names who answered (or was asked).
using FetchDone =
    std::function<void(std::string_view wire, const std::string& server, const std::string& error)>;
using Fetcher = std::function<void(const std::string& name, std::uint16_t type, FetchDone done)>;

class Validator {
public:
    // Reads the trust anchors; throws std::runtime_error ("FILE:LINE: why") when a file is
    // unreadable or holds no DS/DNSKEY record.
    Validator(const Options& options, Fetcher fetcher);
    ~Validator();
    Validator(const Validator&) = delete;
    Validator& operator=(const Validator&) = delete;

    // Validates the answer `wire` (a NOERROR or NXDOMAIN response to `qname`/`qtype` from
    // `server`): every RRset of the CNAME/DNAME chain and the final RRset, or the NSEC/NSEC3
    // denial of the final name. `done` runs exactly once, possibly before validate returns.
    // `wire` is read during the call only.
    void validate(std::string_view wire, const std::string& qname, std::uint16_t qtype,
                  const std::string& server, std::function<void(Status)> done);

    std::int64_t now() const;
    Mode mode() const;
    // Signatures verified (not answered from the per-run cache), for the benchmark.
    std::uint64_t signatures_verified() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

} // namespace caapol::dnssec
