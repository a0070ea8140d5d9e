// Sources of certificates: files, directories, standard input; the kind detected from the
// content; JSON (crt.sh, Cert Spotter) read as a stream of SAX events by nlohmann::json, so
// memory does not grow with the file; precertificate/certificate pairs merged.
#include "caapol/audit/certificate.hpp"
#include "caapol/audit/issuers.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/input.hpp"
#include "caapol/core/text.hpp"
#include "caapol/core/utc_time.hpp"

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <exception>
#include <fcntl.h>
#include <filesystem>
#include <iterator>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unistd.h>
#include <unordered_set>

namespace caapol::audit {

const char* source_kind_name(SourceKind kind) {
    switch (kind) {
    case SourceKind::pem:
        return "pem";
    case SourceKind::der:
        return "der";
    case SourceKind::crtsh_json:
        return "crt.sh";
    case SourceKind::certspotter_json:
        return "certspotter";
    case SourceKind::unknown:
        return "unknown";
    }
    return "unknown";
}

const char* issuer_match_name(IssuerMatch match) {
    switch (match) {
    case IssuerMatch::none:
        return "none";
    case IssuerMatch::key_id:
        return "key-id";
    case IssuerMatch::dn:
        return "subject";
    case IssuerMatch::certspotter:
        return "certspotter";
    case IssuerMatch::organisation:
        return "organisation";
    }
    return "none";
}

std::string parse_name(std::string_view raw, Name& out) {
    if (raw.empty()) {
        return "it is empty";
    }
    for (unsigned char c : raw) {
        if (c == 0) {
            return "it contains a NUL byte";
        }
        if (c < 0x20 || c >= 0x7f) {
            return "it contains the byte 0x" +
                   text::to_hex(std::string_view(reinterpret_cast<const char*>(&c), 1)) +
                   " (names are ASCII; IDNs are written as A-labels)";
        }
    }
    std::string name = dns_name::normalize(raw);
    std::string_view rest = name;
    bool wildcard = false;
    if (rest.rfind("*.", 0) == 0) {
        wildcard = true;
        rest.remove_prefix(2);
    }
    if (rest.find('*') != std::string_view::npos) {
        return "a wildcard must be the whole leftmost label (\"*.example.com\")";
    }
    if (rest.empty()) {
        return "a name below the root is needed";
    }
    std::string problem = dns_name::check_hostname(rest);
    if (!problem.empty()) {
        return problem;
    }
    out.name = std::move(name);
    out.wildcard = wildcard;
    return {};
}

std::uint64_t dedup_key(const Certificate& c) {
    using hash = std::hash<std::string_view>;
    std::uint64_t h;
    if (!c.tbs_sha256.empty()) {
        h = hash{}(c.tbs_sha256) ^ 0x74;
    } else if (!c.serial.empty() && !c.issuer_dn.empty()) {
        // A precertificate and its certificate share issuer and serial (RFC 6962 3.1).
        std::uint64_t a = hash{}(c.issuer_dn);
        std::uint64_t b = hash{}(c.serial);
        h = a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
    } else if (!c.sha256.empty()) {
        h = hash{}(c.sha256) ^ 0x68;
    } else {
        return 0;
    }
    return h == 0 ? 1 : h;
}

SourceKind detect_kind(std::string_view head) {
    std::string_view s = head;
    if (s.substr(0, 3) == "\xEF\xBB\xBF") {
        s.remove_prefix(3);
    }
    if (!s.empty() && static_cast<unsigned char>(s[0]) == 0x30) {
        return SourceKind::der; // SEQUENCE
    }
    while (!s.empty() && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n')) {
        s.remove_prefix(1);
    }
    if (!s.empty() && (s[0] == '[' || s[0] == '{')) {
        return SourceKind::crtsh_json; // JSON; each record's keys tell crt.sh from Cert Spotter
    }
    if (head.find("-----BEGIN ") != std::string_view::npos) {
        return SourceKind::pem;
    }
    return SourceKind::unknown;
}

namespace {

// A byte source for nlohmann's iterator input adapter: a file read in chunks, or memory. It
// knows the line and column of any position read so far (newlines counted incrementally).
class ChunkReader {
public:
    ChunkReader(int fd, std::string_view initial) : fd_(fd) {
        if (fd_ < 0) {
            data_ = initial.data();
            len_ = initial.size();
        } else {
            buffer_.assign(initial.begin(), initial.end());
            buffer_.reserve(chunk);
            data_ = buffer_.data();
            len_ = buffer_.size();
        }
    }
    bool available() { return pos_ < len_ || refill(); }
    char current() const { return data_[pos_]; }
    void advance() { ++pos_; }
    // Line and column of the byte before the read position (the last one consumed).
    std::pair<std::uint32_t, std::uint32_t> last_position() {
        std::size_t target = pos_ == 0 ? 0 : pos_ - 1;
        count_to(target);
        return {static_cast<std::uint32_t>(line_), static_cast<std::uint32_t>(column_at(target))};
    }
    std::string error; // a read error, if any

private:
    static constexpr std::size_t chunk = 1 << 16;
    bool refill() {
        if (fd_ < 0 || eof_) {
            return false;
        }
        count_to(len_); // finish counting the old buffer
        column_base_ = column_at(len_) - 1;
        counted_ = 0;
        last_newline_ = npos;
        buffer_.resize(chunk);
        ssize_t n;
        do {
            n = ::read(fd_, buffer_.data(), chunk);
        } while (n < 0 && errno == EINTR);
        if (n <= 0) {
            if (n < 0) {
                error = std::strerror(errno);
            }
            eof_ = true;
            buffer_.clear();
            data_ = buffer_.data();
            len_ = 0;
            pos_ = 0;
            return false;
        }
        data_ = buffer_.data();
        len_ = static_cast<std::size_t>(n);
        pos_ = 0;
        return true;
    }
    void count_to(std::size_t target) {
        target = std::min(target, len_);
        while (counted_ < target) {
            const void* hit = std::memchr(data_ + counted_, '\n', target - counted_);
            if (hit == nullptr) {
                counted_ = target;
                break;
            }
            last_newline_ = static_cast<std::size_t>(static_cast<const char*>(hit) - data_);
            ++line_;
            counted_ = last_newline_ + 1;
        }
    }
    std::size_t column_at(std::size_t index) const {
        return last_newline_ == npos ? column_base_ + index + 1 : index - last_newline_;
    }
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    int fd_;
    std::vector<char> buffer_;
    const char* data_ = nullptr;
    std::size_t len_ = 0, pos_ = 0;
    bool eof_ = false;
    std::size_t line_ = 1, counted_ = 0, last_newline_ = npos, column_base_ = 0;
};

class ReaderIterator {
public:
    using iterator_category = std::input_iterator_tag;
    using value_type = char;
    using difference_type = std::ptrdiff_t;
    using pointer = const char*;
    using reference = char;
    ReaderIterator() = default;
    explicit ReaderIterator(ChunkReader* reader) : reader_(reader) {}
    char operator*() const { return reader_->current(); }
    ReaderIterator& operator++() {
        reader_->advance();
        return *this;
    }
    bool operator==(const ReaderIterator& other) const { return at_end() == other.at_end(); }
    bool operator!=(const ReaderIterator& other) const { return !(*this == other); }

private:
    bool at_end() const { return reader_ == nullptr || !reader_->available(); }
    ChunkReader* reader_ = nullptr;
};

constexpr std::size_t max_json_depth = 32;
constexpr std::size_t max_name_errors = 10;

// SAX events of a crt.sh export (array of objects), a Cert Spotter API issuance array, or a
// Cert Spotter hook JSON file (one object) into Certificates.
class JsonHandler {
public:
    using json = nlohmann::json;
    JsonHandler(ChunkReader& reader, const std::string& name, const CertificateCallback& callback,
                Diagnostics& diagnostics)
        : reader_(reader), name_(name), callback_(callback), diagnostics_(diagnostics) {}

    bool null() { return scalar({}, false); }
    bool boolean(bool) { return scalar({}, false); }
    bool number_integer(json::number_integer_t v) { return scalar(std::to_string(v), true); }
    bool number_unsigned(json::number_unsigned_t v) { return scalar(std::to_string(v), true); }
    bool number_float(json::number_float_t, const json::string_t& s) { return scalar(s, false); }
    bool binary(json::binary_t&) { return scalar({}, false); }
    bool string(json::string_t& value) {
        if (in_record() && depth_ == record_depth_ + 1) {
            record_field(value);
        } else if (in_record() && depth_ == record_depth_ + 2 &&
                   container_ == Container::dns_names) {
            add_name(value, "dns_names entry");
        } else if (in_record() && depth_ == record_depth_ + 2 && container_ == Container::issuer) {
            if (key_ == "name") {
                certificate_.issuer_dn = value;
            }
        } else if (in_record() && depth_ == record_depth_ + 3 &&
                   container_ == Container::caa_domains) {
            for (auto& d : split_caa_domains(value)) {
                certificate_.source_caa_domains.push_back(std::move(d));
            }
        } else if (depth_ == 0) {
            return top_level_error("a string");
        } else if (depth_ == 1 && !in_record()) {
            return stray_element();
        }
        return true;
    }
    bool start_object(std::size_t) {
        if (depth_ >= max_json_depth) {
            return too_deep();
        }
        if ((depth_ == 0) || (depth_ == 1 && top_is_array_ && !in_record())) {
            begin_record();
        } else if (in_record() && depth_ == record_depth_ + 1 && key_ == "issuer") {
            container_ = Container::issuer;
        } else if (depth_ == 1 && !top_is_array_ && !in_record()) {
            // unreachable: a top-level object is the record
        }
        ++depth_;
        return true;
    }
    bool key(json::string_t& value) {
        key_ = value;
        return true;
    }
    bool end_object() {
        --depth_;
        if (in_record() && depth_ == record_depth_) {
            end_record();
        } else if (in_record() && depth_ == record_depth_ + 1) {
            container_ = Container::none;
        }
        return true;
    }
    bool start_array(std::size_t) {
        if (depth_ >= max_json_depth) {
            return too_deep();
        }
        if (depth_ == 0) {
            top_is_array_ = true;
        } else if (depth_ == 1 && !in_record()) {
            return stray_element();
        } else if (in_record() && depth_ == record_depth_ + 1 && key_ == "dns_names") {
            container_ = Container::dns_names;
            seen_dns_names_ = true;
        } else if (in_record() && depth_ == record_depth_ + 2 && container_ == Container::issuer &&
                   key_ == "caa_domains") {
            container_ = Container::caa_domains;
        }
        ++depth_;
        return true;
    }
    bool end_array() {
        --depth_;
        if (in_record() && depth_ == record_depth_ + 1 && container_ == Container::dns_names) {
            container_ = Container::none;
        } else if (in_record() && depth_ == record_depth_ + 2 &&
                   container_ == Container::caa_domains) {
            container_ = Container::issuer;
        }
        return true;
    }
    bool parse_error(std::size_t position, const std::string&,
                     const nlohmann::detail::exception& e) {
        // "[json.exception.parse_error.101] parse error at line L, column C: message"
        std::string what = e.what();
        Location location{name_, 0, 0};
        std::string message = what;
        auto at = what.find(" at line ");
        auto col = what.find(", column ");
        auto colon = what.find(": ", col == std::string::npos ? 0 : col);
        if (at != std::string::npos && col != std::string::npos && colon != std::string::npos) {
            location.line =
                static_cast<std::uint32_t>(std::strtoul(what.c_str() + at + 9, nullptr, 10));
            location.column =
                static_cast<std::uint32_t>(std::strtoul(what.c_str() + col + 9, nullptr, 10));
            message = what.substr(colon + 2);
        } else {
            auto [line, column] = reader_.last_position();
            location.line = line;
            location.column = column;
            (void)position;
        }
        diagnostics_.error("json-syntax", location, "invalid JSON: " + message);
        return false;
    }
    std::size_t records = 0;

private:
    enum class Container { none, dns_names, issuer, caa_domains };
    enum class Kind { undetermined, crtsh, certspotter };

    bool in_record() const { return record_depth_ != npos; }
    bool scalar(const std::string& value, bool number) {
        if (in_record() && depth_ == record_depth_ + 1 && number) {
            std::string copy = value;
            record_field(copy);
        } else if (in_record() && depth_ == record_depth_ + 2 &&
                   container_ == Container::dns_names) {
            if (++name_errors_ <= max_name_errors) {
                diagnostics_.error("invalid-name", certificate_.location,
                                   "a dns_names entry is not a string");
            }
        } else if (depth_ == 0) {
            return top_level_error("a scalar value");
        } else if (depth_ == 1 && !in_record()) {
            return stray_element();
        }
        return true;
    }
    // An element of the top-level array that is not an object: not a certificate list.
    bool stray_element() {
        auto [line, column] = reader_.last_position();
        diagnostics_.error("json-format", Location{name_, line, column},
                           "an element of the top-level array is not an object: not a crt.sh "
                           "export or a Cert Spotter issuances array");
        return false;
    }
    bool top_level_error(const char* what) {
        auto [line, column] = reader_.last_position();
        diagnostics_.error("json-format", Location{name_, line, column},
                           std::string("the JSON is ") + what +
                               ", not a crt.sh export (an array of certificate objects), a Cert "
                               "Spotter issuances array or a Cert Spotter hook JSON file");
        return false;
    }
    bool too_deep() {
        auto [line, column] = reader_.last_position();
        diagnostics_.error("json-format", Location{name_, line, column},
                           "JSON nested deeper than " + std::to_string(max_json_depth) +
                               " levels: not a certificate list");
        return false;
    }
    void begin_record() {
        record_depth_ = depth_;
        reset(certificate_);
        auto [line, column] = reader_.last_position();
        certificate_.location = Location{name_, line, column};
        name_value_.clear();
        common_name_.clear();
        issuer_ca_id_.clear();
        kind_ = Kind::undetermined;
        seen_dns_names_ = false;
        name_errors_ = 0;
        container_ = Container::none;
    }
    void record_field(std::string& value) {
        const std::string& k = key_;
        if (k == "id") {
            certificate_.crtsh_id = value; // kept for crt.sh; Cert Spotter ids are ignored below
        } else if (k == "issuer_ca_id") {
            kind_ = Kind::crtsh;
            issuer_ca_id_ = value;
        } else if (k == "issuer_name") {
            kind_ = Kind::crtsh;
            certificate_.issuer_dn = value;
        } else if (k == "name_value") {
            kind_ = Kind::crtsh;
            name_value_ = value; // a copy into kept memory: the lexer keeps its buffer too
        } else if (k == "common_name") {
            common_name_ = value;
        } else if (k == "serial_number") {
            certificate_.serial = value;
            lower_in_place(certificate_.serial);
        } else if (k == "not_before") {
            certificate_.not_before = rfc3339(value);
        } else if (k == "not_after") {
            certificate_.not_after = rfc3339(value);
            certificate_.not_after_unix = unix_time(certificate_.not_after);
        } else if (k == "tbs_sha256") {
            kind_ = Kind::certspotter;
            certificate_.tbs_sha256 = value;
            lower_in_place(certificate_.tbs_sha256);
        } else if (k == "cert_sha256") {
            certificate_.sha256 = value;
            lower_in_place(certificate_.sha256);
        } else if (k == "pubkey_sha256") {
            kind_ = Kind::certspotter;
        }
    }
    static void lower_in_place(std::string& s) {
        for (char& c : s) {
            if (c >= 'A' && c <= 'Z') {
                c = static_cast<char>(c - 'A' + 'a');
            }
        }
    }
    static std::string rfc3339(const std::string& value) {
        // crt.sh writes "2024-01-31T03:47:26" (UTC, no zone); Cert Spotter "...Z".
        if (value.size() == 19 && value[10] == 'T') {
            return value + "Z";
        }
        return value;
    }
    static std::int64_t unix_time(const std::string& value) {
        std::int64_t at = 0;
        return utc_time::parse(value, &at) ? at : 0;
    }
    void add_name(std::string_view raw, const std::string& what) {
        Name name;
        std::string problem = parse_name(raw, name);
        if (problem.empty()) {
            certificate_.names.push_back(std::move(name));
            return;
        }
        if (raw.find('@') != std::string_view::npos && raw.find('\0') == std::string_view::npos) {
            return; // an e-mail address (S/MIME): no CAA issue property applies
        }
        if (++name_errors_ <= max_name_errors) {
            diagnostics_.error("invalid-name", certificate_.location,
                               what + " " + text::quote_excerpt(raw, 80) +
                                   " is not a DNS name caapol can audit: " + problem);
        }
    }
    void end_record() {
        ++records;
        if (seen_dns_names_) {
            kind_ = Kind::certspotter;
        }
        if (kind_ == Kind::undetermined) {
            diagnostics_.error("json-format", certificate_.location,
                               "this object is neither a crt.sh record (name_value, issuer_name) "
                               "nor a Cert Spotter issuance (dns_names, tbs_sha256)");
        } else {
            if (kind_ == Kind::crtsh) {
                certificate_.kind = SourceKind::crtsh_json;
                std::string_view names = name_value_;
                if (names.empty()) {
                    names = common_name_;
                    certificate_.from_common_name = true;
                }
                std::size_t start = 0;
                while (start <= names.size()) {
                    std::size_t nl = names.find('\n', start);
                    std::string_view one = names.substr(
                        start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
                    if (!one.empty() && one.back() == '\r') {
                        one.remove_suffix(1);
                    }
                    if (!one.empty()) {
                        add_name(one, "the name");
                    }
                    if (nl == std::string_view::npos) {
                        break;
                    }
                    start = nl + 1;
                }
                // crt.sh lists a name once per identity type; keep the first of each.
                dedupe_names();
            } else {
                certificate_.kind = SourceKind::certspotter_json;
                certificate_.crtsh_id.clear();
                dedupe_names();
            }
            if (name_errors_ > max_name_errors) {
                diagnostics_.error("invalid-name", certificate_.location,
                                   std::to_string(name_errors_ - max_name_errors) +
                                       " more names of this record are not DNS names");
            }
            if (certificate_.names.empty() && name_errors_ == 0) {
                diagnostics_.warning("no-names", certificate_.location,
                                     "the record has no DNS names to audit");
            }
            if (kind_ == Kind::crtsh && certificate_.issuer_dn.empty() && !issuer_ca_id_.empty()) {
                certificate_.issuer_dn = "crt.sh CA id " + issuer_ca_id_;
            }
            callback_(certificate_);
        }
        record_depth_ = npos;
    }
    // Empties a certificate, keeping the memory of its strings for the next record.
    static void reset(Certificate& c) {
        c.location = Location{};
        c.kind = SourceKind::unknown;
        for (std::string* s :
             {&c.crtsh_id, &c.serial, &c.sha256, &c.tbs_sha256, &c.issuer_dn, &c.authority_key_id,
              &c.not_before, &c.not_after, &c.issuer_table_location}) {
            s->clear();
        }
        c.not_after_unix = 0;
        c.precertificate = false;
        c.from_common_name = false;
        c.names.clear();
        c.source_caa_domains.clear();
        c.caa_domains.clear();
        c.issuer_match = IssuerMatch::none;
    }
    void dedupe_names() {
        auto& names = certificate_.names;
        if (names.size() < 2) {
            return;
        }
        if (names.size() <= 16) {
            std::size_t kept = 0;
            for (std::size_t i = 0; i < names.size(); ++i) {
                bool seen = false;
                for (std::size_t j = 0; j < kept && !seen; ++j) {
                    seen = names[j].name == names[i].name;
                }
                if (!seen) {
                    if (kept != i) {
                        names[kept] = std::move(names[i]);
                    }
                    ++kept;
                }
            }
            names.resize(kept);
            return;
        }
        std::unordered_set<std::string_view> seen;
        std::vector<Name> unique;
        unique.reserve(names.size());
        for (auto& n : names) {
            if (seen.insert(n.name).second) {
                unique.push_back(n);
            }
        }
        names = std::move(unique);
    }

    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    ChunkReader& reader_;
    const std::string& name_;
    const CertificateCallback& callback_;
    Diagnostics& diagnostics_;
    std::size_t depth_ = 0;
    bool top_is_array_ = false;
    std::size_t record_depth_ = npos;
    std::string key_;
    Container container_ = Container::none;
    Kind kind_ = Kind::undetermined;
    bool seen_dns_names_ = false;
    std::size_t name_errors_ = 0;
    Certificate certificate_;
    std::string name_value_, common_name_, issuer_ca_id_;
};

void parse_json(ChunkReader& reader, const std::string& name, const CertificateCallback& callback,
                Diagnostics& diagnostics) {
    JsonHandler handler(reader, name, callback, diagnostics);
    nlohmann::json::sax_parse(ReaderIterator(&reader), ReaderIterator(), &handler);
    if (!reader.error.empty()) {
        diagnostics.error("read-error", Location{name, 0, 0}, "cannot read: " + reader.error);
    }
}

// A set of 64-bit keys (open addressing; 0 is the empty slot): 16 bytes per certificate.
class KeySet {
public:
    bool insert(std::uint64_t key) {
        if ((size_ + 1) * 2 > slots_.size()) {
            grow();
        }
        std::size_t mask = slots_.size() - 1;
        for (std::size_t i = key & mask;; i = (i + 1) & mask) {
            if (slots_[i] == key) {
                return false;
            }
            if (slots_[i] == 0) {
                slots_[i] = key;
                ++size_;
                return true;
            }
        }
    }

private:
    void grow() {
        std::vector<std::uint64_t> old = std::move(slots_);
        slots_.assign(old.empty() ? 1024 : old.size() * 2, 0);
        size_ = 0;
        for (auto k : old) {
            if (k != 0) {
                insert(k);
            }
        }
    }
    std::vector<std::uint64_t> slots_;
    std::size_t size_ = 0;
};

std::string read_all(int fd, const std::string& name, std::string initial) {
    std::string data = std::move(initial);
    char buffer[1 << 16];
    for (;;) {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw InputError{name + ": cannot read: " + std::strerror(errno)};
        }
        if (n == 0) {
            break;
        }
        data.append(buffer, static_cast<std::size_t>(n));
        if (data.size() > default_max_file_bytes) {
            throw InputError{name + ": larger than 256 MiB: not a certificate file"};
        }
    }
    return data;
}

void read_one(int fd, const std::string& name, const CertificateCallback& callback,
              Diagnostics& diagnostics, std::size_t* ca_skipped) {
    // The first bytes decide the kind.
    std::string head(4096, '\0');
    std::size_t got = 0;
    while (got < head.size()) {
        ssize_t n = ::read(fd, head.data() + got, head.size() - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw InputError{name + ": cannot read: " + std::strerror(errno)};
        }
        if (n == 0) {
            break;
        }
        got += static_cast<std::size_t>(n);
    }
    head.resize(got);
    if (head.empty()) {
        diagnostics.error("unknown-source", Location{name, 0, 0}, "the file is empty");
        return;
    }
    SourceKind kind = detect_kind(head);
    if (kind == SourceKind::crtsh_json) {
        std::string_view initial = head;
        if (initial.substr(0, 3) == "\xEF\xBB\xBF") {
            initial.remove_prefix(3);
        }
        ChunkReader reader(fd, initial);
        parse_json(reader, name, callback, diagnostics);
        return;
    }
    if (kind == SourceKind::unknown) {
        diagnostics.error("unknown-source", Location{name, 1, 1},
                          "not a certificate (PEM or DER), a crt.sh JSON export or a Cert "
                          "Spotter JSON file");
        return;
    }
    std::string data = read_all(fd, name, std::move(head));
    if (kind == SourceKind::der) {
        read_der(data, name, callback, diagnostics, ca_skipped);
    } else {
        read_pem(data, name, callback, diagnostics, ca_skipped);
    }
}

bool wanted_in_directory(const std::filesystem::path& path) {
    std::string ext = text::to_lower(path.extension().string());
    return ext == ".pem" || ext == ".crt" || ext == ".cer" || ext == ".der" || ext == ".json";
}

} // namespace

void read_json(std::string_view data, const std::string& name, const CertificateCallback& callback,
               Diagnostics& diagnostics) {
    ChunkReader reader(-1, data);
    parse_json(reader, name, callback, diagnostics);
}

namespace {

ReadStats read_serially(const std::vector<std::string>& sources, const ReadOptions& options,
                        const CertificateCallback& callback, Diagnostics& diagnostics) {
    ReadStats stats;
    KeySet seen;
    // Issuers repeat: their resolution is kept (by key id and DN), not recomputed per
    // certificate.
    std::unordered_map<std::string, IssuerResolution> resolved;
    std::string issuer_key;
    const CertificateCallback deliver = [&](Certificate& c) {
        if (options.deduplicate) {
            std::uint64_t key = dedup_key(c);
            if (key != 0 && !seen.insert(key)) {
                ++stats.duplicates;
                return;
            }
        }
        ++stats.certificates;
        if (options.issuers != nullptr) {
            IssuerResolution r;
            if (!c.source_caa_domains.empty()) {
                r = options.issuers->resolve(c); // may point into c: not kept
            } else {
                issuer_key = c.authority_key_id;
                issuer_key += '\x1e';
                issuer_key += c.issuer_dn;
                auto it = resolved.find(issuer_key);
                if (it == resolved.end()) {
                    if (resolved.size() >= 4096) {
                        resolved.clear();
                    }
                    it = resolved.emplace(issuer_key, options.issuers->resolve(c)).first;
                }
                r = it->second;
            }
            if (r.caa_domains != nullptr) {
                c.caa_domains = *r.caa_domains;
            } else {
                c.caa_domains.clear();
            }
            c.issuer_match = r.match;
            c.issuer_table_location =
                r.location.file.empty() ? std::string() : format_location(r.location);
        }
        callback(c);
    };
    std::size_t ca_skipped = 0;
    auto read_path = [&](const std::string& path) {
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            diagnostics.error("read-error", Location{path, 0, 0},
                              std::string("cannot open: ") + std::strerror(errno));
            return;
        }
        ++stats.sources;
        try {
            read_one(fd, path, deliver, diagnostics, &ca_skipped);
        } catch (const InputError& e) {
            diagnostics.error("read-error", Location{path, 0, 0}, e.message);
        }
        ::close(fd);
    };
    for (const auto& source : sources) {
        if (source == "-") {
            ++stats.sources;
            try {
                read_one(0, "-", deliver, diagnostics, &ca_skipped);
            } catch (const InputError& e) {
                diagnostics.error("read-error", Location{"-", 0, 0}, e.message);
            }
            continue;
        }
        std::error_code ec;
        auto status = std::filesystem::status(source, ec);
        if (ec) {
            diagnostics.error("read-error", Location{source, 0, 0}, "cannot read: " + ec.message());
            continue;
        }
        if (std::filesystem::is_directory(status)) {
            std::vector<std::string> files;
            std::filesystem::recursive_directory_iterator it(source, ec), end;
            for (; !ec && it != end; it.increment(ec)) {
                if (it->is_regular_file(ec) && wanted_in_directory(it->path())) {
                    files.push_back(it->path().string());
                }
            }
            if (ec) {
                diagnostics.error("read-error", Location{source, 0, 0},
                                  "cannot read the directory: " + ec.message());
            }
            std::sort(files.begin(), files.end());
            for (const auto& file : files) {
                read_path(file);
            }
            continue;
        }
        read_path(source);
    }
    stats.ca_skipped = ca_skipped;
    return stats;
}

// Two threads: this one reads (parsing, names, issuers, merging); the caller's thread runs
// the callbacks. Certificates pass in batches through a queue of at most `max_batches`, whose
// Certificate objects are recycled so that their memory is reused.
class Pipeline {
public:
    static constexpr std::size_t batch_size = 256;
    static constexpr std::size_t max_batches = 8;
    using Batch = std::vector<Certificate>;
    struct Filled {
        std::unique_ptr<Batch> batch;
        std::size_t count;
    };

    // Producer side.
    void put(Certificate& c) {
        if (!current_) {
            current_ = take_free();
            count_ = 0;
        }
        if (current_->size() <= count_) {
            current_->emplace_back();
        }
        (*current_)[count_++] = c;
        if (count_ == batch_size) {
            push();
        }
    }
    void finish() {
        if (current_ && count_ > 0) {
            push();
        }
        std::lock_guard<std::mutex> lock(mutex_);
        done_ = true;
        ready_.notify_all();
    }
    bool stopped() {
        std::lock_guard<std::mutex> lock(mutex_);
        return stopped_;
    }
    // Consumer side: false when everything has been taken.
    bool pop(Filled& out) {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return !filled_.empty() || done_; });
        if (filled_.empty()) {
            return false;
        }
        out = std::move(filled_.front());
        filled_.pop_front();
        space_.notify_all();
        return true;
    }
    void recycle(std::unique_ptr<Batch> batch) {
        std::lock_guard<std::mutex> lock(mutex_);
        free_.push_back(std::move(batch));
        space_.notify_all();
    }
    void stop() {
        std::lock_guard<std::mutex> lock(mutex_);
        stopped_ = true;
        filled_.clear();
        space_.notify_all();
    }

private:
    std::unique_ptr<Batch> take_free() {
        std::unique_lock<std::mutex> lock(mutex_);
        space_.wait(lock, [&] { return stopped_ || filled_.size() < max_batches; });
        if (!free_.empty()) {
            auto batch = std::move(free_.back());
            free_.pop_back();
            return batch;
        }
        return std::make_unique<Batch>();
    }
    void push() {
        std::unique_lock<std::mutex> lock(mutex_);
        space_.wait(lock, [&] { return stopped_ || filled_.size() < max_batches; });
        if (!stopped_) {
            filled_.push_back(Filled{std::move(current_), count_});
            ready_.notify_all();
        }
        current_.reset();
        count_ = 0;
    }
    std::mutex mutex_;
    std::condition_variable ready_, space_;
    std::deque<Filled> filled_;
    std::vector<std::unique_ptr<Batch>> free_;
    std::unique_ptr<Batch> current_;
    std::size_t count_ = 0;
    bool done_ = false, stopped_ = false;
};

} // namespace

ReadStats read_certificates(const std::vector<std::string>& sources, const ReadOptions& options,
                            const CertificateCallback& callback, Diagnostics& diagnostics) {
    if (!options.pipeline) {
        return read_serially(sources, options, callback, diagnostics);
    }
    Pipeline pipeline;
    ReadStats stats;
    Diagnostics reader_diagnostics;
    std::exception_ptr reader_failure;
    std::thread reader([&] {
        try {
            stats = read_serially(
                sources, options,
                [&](Certificate& c) {
                    if (!pipeline.stopped()) {
                        pipeline.put(c);
                    }
                },
                reader_diagnostics);
        } catch (...) {
            reader_failure = std::current_exception();
        }
        pipeline.finish();
    });
    try {
        Pipeline::Filled filled;
        while (pipeline.pop(filled)) {
            for (std::size_t i = 0; i < filled.count; ++i) {
                callback((*filled.batch)[i]);
            }
            pipeline.recycle(std::move(filled.batch));
        }
    } catch (...) {
        pipeline.stop();
        reader.join();
        throw;
    }
    reader.join();
    diagnostics.append(reader_diagnostics);
    if (reader_failure) {
        std::rethrow_exception(reader_failure);
    }
    return stats;
}

} // namespace caapol::audit
