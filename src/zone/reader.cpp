// Streaming zone-file reader: a lexer that cuts the input into entries (one record or
// directive, across parentheses), and a loader that checks each entry and keeps what CAA
// needs. A bad entry is reported and skipped; reading goes on with the next one.
#include "caapol/core/dns_name.hpp"
#include "caapol/zone/zone.hpp"
#include "rdata.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/stat.h>
#include <unistd.h>
#include <unordered_set>

namespace caapol::zone {

namespace fs = std::filesystem;
using detail::Token;

namespace {

// An entry's text may not exceed this: RDATA is at most 65535 octets, which hex (\#) or \DDD
// escapes write in at most 4 characters each.
constexpr std::size_t max_entry_bytes = 300000;
constexpr std::size_t max_errors_per_file = 1000;
constexpr std::size_t max_include_depth = 16;

class Input {
public:
    explicit Input(int fd) : fd_(fd), buffer_(1 << 16) {}
    explicit Input(std::string_view text) : pos_(text.data()), end_(text.data() + text.size()) {}

    int peek() {
        if (pos_ == end_ && !refill()) {
            return EOF;
        }
        return static_cast<unsigned char>(*pos_);
    }
    void advance() {
        if (*pos_ == '\n') {
            ++line_;
            column_ = 1;
        } else {
            ++column_;
        }
        ++pos_;
    }
    // The characters from here that are not in `stop`, within the current buffer (may be
    // empty); none of them is a newline.
    std::string_view run(const bool* stop) {
        const char* start = pos_;
        while (pos_ < end_ && !stop[static_cast<unsigned char>(*pos_)]) {
            ++pos_;
        }
        column_ += static_cast<std::uint32_t>(pos_ - start);
        return {start, static_cast<std::size_t>(pos_ - start)};
    }
    // Skips to the next newline (not consumed) or the end.
    void skip_line() {
        for (;;) {
            if (pos_ == end_ && !refill()) {
                return;
            }
            const auto* nl = static_cast<const char*>(
                std::memchr(pos_, '\n', static_cast<std::size_t>(end_ - pos_)));
            if (nl == nullptr) {
                column_ += static_cast<std::uint32_t>(end_ - pos_);
                pos_ = end_;
                continue;
            }
            column_ += static_cast<std::uint32_t>(nl - pos_);
            pos_ = nl;
            return;
        }
    }
    std::uint32_t line() const { return line_; }
    std::uint32_t column() const { return column_; }
    const std::string& read_error() const { return read_error_; }

private:
    bool refill() {
        if (fd_ < 0) {
            return false;
        }
        ssize_t n;
        do {
            n = ::read(fd_, buffer_.data(), buffer_.size());
        } while (n < 0 && errno == EINTR);
        if (n <= 0) {
            if (n < 0) {
                read_error_ = std::strerror(errno);
            }
            fd_ = -1;
            return false;
        }
        pos_ = buffer_.data();
        end_ = pos_ + n;
        return true;
    }

    int fd_ = -1;
    std::vector<char> buffer_;
    const char* pos_ = nullptr;
    const char* end_ = nullptr;
    std::uint32_t line_ = 1;
    std::uint32_t column_ = 1;
    std::string read_error_;
};

struct Entry {
    std::vector<Token> tokens; // the first `count` are this entry's; storage is reused
    std::size_t count = 0;
    bool blank_start = false; // the entry's line starts with a blank: the owner is omitted
    std::size_t bytes = 0;
    bool failed = false;
    std::uint32_t error_line = 0;
    std::uint32_t error_column = 0;
    std::string error;

    void reset() {
        count = 0;
        blank_start = false;
        bytes = 0;
        failed = false;
        error.clear();
    }
    void fail(std::uint32_t line, std::uint32_t column, std::string message) {
        if (!failed) {
            failed = true;
            error_line = line;
            error_column = column;
            error = std::move(message);
        }
    }
    Token& add(std::uint32_t line, std::uint32_t column, bool quoted) {
        if (count == tokens.size()) {
            tokens.emplace_back();
        }
        Token& token = tokens[count++];
        token.text.clear();
        token.line = line;
        token.column = column;
        token.quoted = quoted;
        return token;
    }
};

// Field text quoted in a message, cut short: hostile files can hold very long fields.
std::string shorten(const std::string& field) {
    constexpr std::size_t limit = 40;
    return field.size() <= limit ? field : field.substr(0, limit) + "...";
}

bool is_blank(int c) {
    return c == ' ' || c == '\t' || c == '\r';
}

struct StopTables {
    bool plain[256] = {};  // ends or interrupts an unquoted field
    bool quoted[256] = {}; // ends or interrupts a quoted field
    StopTables() {
        for (unsigned char c : std::string_view(" \t\r\n;()\"\\")) {
            plain[c] = true;
        }
        for (unsigned char c : std::string_view("\n\"\\")) {
            quoted[c] = true;
        }
    }
};
const StopTables stop_tables;

class Lexer {
public:
    explicit Lexer(Input& input) : in_(input) {}

    // The next entry; false at the end of the input.
    bool next(Entry& entry) {
        entry.reset();
        int depth = 0;
        std::uint32_t paren_line = 0;
        std::uint32_t paren_column = 0;
        bool line_start = true;
        for (;;) {
            int c = in_.peek();
            if (c == EOF) {
                if (depth > 0) {
                    entry.fail(paren_line, paren_column,
                               "this '(' is never closed (a ')' is missing)");
                }
                return entry.count > 0 || entry.failed;
            }
            if (c == '\n') {
                in_.advance();
                line_start = true;
                if (depth == 0) {
                    if (entry.count > 0 || entry.failed) {
                        return true;
                    }
                    entry.blank_start = false;
                }
                continue;
            }
            if (is_blank(c)) {
                if (line_start && entry.count == 0 && depth == 0 && !entry.failed) {
                    entry.blank_start = true;
                }
                line_start = false;
                in_.advance();
                continue;
            }
            line_start = false;
            if (c == ';') {
                in_.skip_line();
                continue;
            }
            if (c == '(') {
                if (depth == 0) {
                    paren_line = in_.line();
                    paren_column = in_.column();
                } else {
                    entry.fail(in_.line(), in_.column(), "parentheses do not nest in zone files");
                }
                ++depth;
                in_.advance();
                continue;
            }
            if (c == ')') {
                if (depth == 0) {
                    entry.fail(in_.line(), in_.column(), "')' without a matching '('");
                } else {
                    --depth;
                }
                in_.advance();
                continue;
            }
            read_token(entry, c == '"');
        }
    }

private:
    void read_token(Entry& entry, bool quoted) {
        std::uint32_t line = in_.line();
        std::uint32_t column = in_.column();
        std::string* sink = nullptr;
        if (!entry.failed) {
            Token& token = entry.add(line, column, quoted);
            token.joined = entry.count > 1 && line == end_line_ && column == end_column_;
            sink = &token.text;
        }
        if (quoted) {
            in_.advance();
        }
        const bool* stop = quoted ? stop_tables.quoted : stop_tables.plain;
        for (;;) {
            std::string_view run = in_.run(stop);
            if (sink != nullptr) {
                sink->append(run);
                if (entry.bytes + sink->size() > max_entry_bytes) {
                    entry.fail(line, column,
                               "this record is longer than " + std::to_string(max_entry_bytes) +
                                   " characters; RDATA holds at most 65535 octets");
                    sink = nullptr;
                }
            }
            int c = in_.peek();
            if (c == EOF || (c == '\n' && quoted)) {
                if (quoted) {
                    entry.fail(line, column, "this quoted string is not closed on its line");
                }
                break;
            }
            if (quoted) {
                if (c == '"') {
                    in_.advance();
                    break;
                }
            } else if (c != '\\' && stop[c]) {
                break;
            }
            if (!stop[c]) {
                continue; // the buffer ended inside the field: refilled by peek()
            }
            // A backslash: it and the next character stay in the field, escapes kept.
            in_.advance();
            if (sink != nullptr) {
                sink->push_back('\\');
            }
            int next = in_.peek();
            if (next == EOF) {
                break;
            }
            in_.advance();
            if (sink != nullptr) {
                sink->push_back(static_cast<char>(next));
            }
        }
        if (sink != nullptr) {
            entry.bytes += sink->size() + 1;
        }
        end_line_ = in_.line();
        end_column_ = in_.column();
    }

    Input& in_;
    std::uint32_t end_line_ = 0; // where the last field ended
    std::uint32_t end_column_ = 0;
};

bool has_git(const fs::path& dir) {
    std::error_code ec;
    return fs::exists(dir / ".git", ec);
}

// Whether `path` (canonical) lies inside `root` (canonical).
bool inside(const fs::path& path, const fs::path& root) {
    auto p = path.begin();
    for (auto r = root.begin(); r != root.end(); ++r, ++p) {
        if (r->empty()) {
            continue; // a trailing separator
        }
        if (p == path.end() || *p != *r) {
            return false;
        }
    }
    return true;
}

std::string display_path(const fs::path& path) {
    return path.lexically_normal().string();
}

class Loader {
public:
    Loader(ZoneSet& set, Diagnostics& diagnostics, const LoadOptions& options)
        : set_(set), diagnostics_(diagnostics), options_(options),
          interest_(options.names_of_interest.begin(), options.names_of_interest.end()) {}

    void load_file(const std::string& path, const std::string& include_root) {
        // O_NONBLOCK: a FIFO must not hang the open; only regular files are read.
        int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) {
            throw InputError{path + ": cannot read: " + std::strerror(errno)};
        }
        struct FdCloser {
            int fd;
            ~FdCloser() { ::close(fd); }
        } closer{fd};
        struct stat info {};
        if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
            throw InputError{path + ": cannot read: not a regular file"};
        }
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        std::error_code ec;
        root_ = fs::weakly_canonical(
            include_root.empty() ? fs::path(path).parent_path() : fs::path(include_root), ec);
        if (root_.empty()) {
            root_ = fs::current_path(ec);
        }
        Input input(fd);
        start_top(path);
        chain_.push_back(fs::weakly_canonical(path, ec));
        read(input, path, 0);
        chain_.pop_back();
        if (!input.read_error().empty()) {
            throw InputError{path + ": cannot read: " + input.read_error()};
        }
        finish_top();
    }

    void load_text(std::string_view text, const std::string& name) {
        Input input(text);
        std::error_code ec;
        root_ = fs::current_path(ec);
        start_top(name);
        read(input, name, 0);
        finish_top();
    }

private:
    void start_top(const std::string& path) {
        zone_index_ = -1;
        origin_ = options_.origin.empty() ? origin_from_file_name(path)
                                          : dns_name::normalize(options_.origin);
        if (!options_.origin.empty() && options_.origin != ".") {
            std::string canonical;
            std::string error = detail::parse_name(options_.origin, "", canonical);
            if (!error.empty()) {
                throw InputError{"--origin " + options_.origin + ": " + error};
            }
            origin_ = canonical;
        }
        origin_fixed_ = !options_.origin.empty();
        have_ttl_ = false;
        default_ttl_ = 0;
        last_ttl_ = 0;
        have_last_ttl_ = false;
        owner_.clear();
        have_owner_ = false;
        owner_raw_.clear();
        top_file_ = path;
        ++load_serial_;
    }

    void finish_top() {
        if (zone_index_ >= 0) {
            set_.zones[static_cast<std::size_t>(zone_index_)].finish();
        }
    }

    std::uint32_t add_file(const std::string& name) {
        set_.files.push_back(name);
        return static_cast<std::uint32_t>(set_.files.size() - 1);
    }

    void report(const std::string& rule, std::uint32_t file, std::uint32_t line,
                std::uint32_t column, std::string message) {
        if (rule == "syntax" && ++errors_in_file_ > max_errors_per_file) {
            if (errors_in_file_ == max_errors_per_file + 1) {
                diagnostics_.error("syntax", set_.location(Site{file, line, column}),
                                   "more than " + std::to_string(max_errors_per_file) +
                                       " syntax errors: the rest of this file is not checked");
            }
            return;
        }
        diagnostics_.error(rule, set_.location(Site{file, line, column}), std::move(message));
    }

    void read(Input& input, const std::string& name, std::size_t depth) {
        std::uint32_t file = add_file(name);
        std::size_t saved_errors = errors_in_file_;
        errors_in_file_ = 0;
        Lexer lexer(input);
        Entry entry;
        while (lexer.next(entry)) {
            if (errors_in_file_ > max_errors_per_file) {
                break;
            }
            if (entry.failed) {
                report("syntax", file, entry.error_line, entry.error_column, entry.error);
                continue;
            }
            const Token& first = entry.tokens[0];
            if (!entry.blank_start && !first.quoted && first.text[0] == '$') {
                directive(entry, file, name, depth);
            } else {
                record(entry, file);
            }
        }
        errors_in_file_ = saved_errors;
    }

    void directive(Entry& entry, std::uint32_t file, const std::string& name, std::size_t depth) {
        const Token& first = entry.tokens[0];
        const std::string keyword = first.text;
        auto error_at = [&](const Token& t, std::string message) {
            report("syntax", file, t.line, t.column, std::move(message));
        };
        if (keyword == "$ORIGIN") {
            if (entry.count != 2) {
                error_at(first, "$ORIGIN takes one domain name");
                return;
            }
            if (!is_absolute(entry.tokens[1].text) && origin_.empty() && !origin_known()) {
                error_at(entry.tokens[1], "$ORIGIN " + shorten(entry.tokens[1].text) +
                                              " is relative, but no origin is known yet");
                return;
            }
            std::string origin;
            std::string error = detail::parse_name(entry.tokens[1].text, origin_, origin);
            if (!error.empty()) {
                error_at(entry.tokens[1], error);
                return;
            }
            origin_ = origin;
            origin_explicit_ = true;
            ++origin_generation_;
        } else if (keyword == "$TTL") {
            if (entry.count != 2) {
                error_at(first, "$TTL takes one TTL");
                return;
            }
            std::string error = detail::parse_ttl(entry.tokens[1].text, default_ttl_);
            if (!error.empty()) {
                error_at(entry.tokens[1], error);
                return;
            }
            have_ttl_ = true;
        } else if (keyword == "$INCLUDE") {
            include(entry, file, name, depth);
        } else {
            error_at(first, shorten(keyword) + " is not a zone-file directive caapol reads "
                                               "($ORIGIN, $TTL and $INCLUDE are)");
        }
    }

    bool origin_known() const { return zone_index_ >= 0 || origin_fixed_ || origin_explicit_; }

    static bool is_absolute(const std::string& raw) {
        if (raw == "@" || raw.empty() || raw.back() != '.') {
            return false;
        }
        // An escaped final dot ("a\.") does not make the name absolute.
        std::size_t backslashes = 0;
        for (std::size_t i = raw.size() - 1; i > 0 && raw[i - 1] == '\\'; --i) {
            ++backslashes;
        }
        return backslashes % 2 == 0;
    }

    void include(Entry& entry, std::uint32_t file, const std::string& name, std::size_t depth) {
        const Token& first = entry.tokens[0];
        if (entry.count < 2 || entry.count > 3) {
            report("syntax", file, first.line, first.column,
                   "$INCLUDE takes a file name and an optional origin");
            return;
        }
        const Token& target = entry.tokens[1];
        if (!options_.allow_include) {
            report("syntax", file, target.line, target.column,
                   "$INCLUDE is not allowed here (includes are disabled)");
            return;
        }
        std::string file_name;
        std::string error = detail::decode_text(target.text, file_name);
        if (error.empty() && (file_name.empty() || file_name.find('\0') != std::string::npos)) {
            error = "the file name is empty or holds a NUL byte";
        }
        if (!error.empty()) {
            report("syntax", file, target.line, target.column, error);
            return;
        }
        std::string include_origin = origin_;
        if (entry.count == 3) {
            error = detail::parse_name(entry.tokens[2].text, origin_, include_origin);
            if (!error.empty()) {
                report("syntax", file, entry.tokens[2].line, entry.tokens[2].column, error);
                return;
            }
        }
        fs::path relative(file_name);
        fs::path shown =
            relative.is_absolute() ? relative : fs::path(name).parent_path() / relative;
        std::error_code ec;
        fs::path canonical = fs::weakly_canonical(shown, ec);
        if (ec || !inside(canonical, root_)) {
            report("include-outside-root", file, target.line, target.column,
                   "$INCLUDE " + shorten(file_name) +
                       " is outside the include root (not read; the root is the git work tree "
                       "or the directory given, --include-root sets it)");
            return;
        }
        if (std::find(chain_.begin(), chain_.end(), canonical) != chain_.end()) {
            report("syntax", file, target.line, target.column,
                   "$INCLUDE " + shorten(file_name) +
                       " is an include loop: " + display_path(shown) + " is already being read");
            return;
        }
        if (depth + 1 > max_include_depth) {
            report("syntax", file, target.line, target.column,
                   "$INCLUDE nested more than " + std::to_string(max_include_depth) +
                       " files deep");
            return;
        }
        if (fs::is_directory(canonical, ec)) {
            report("syntax", file, target.line, target.column,
                   "$INCLUDE " + shorten(file_name) + " names a directory");
            return;
        }
        int fd = ::open(canonical.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        struct stat info {};
        if (fd >= 0 && (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode))) {
            ::close(fd);
            fd = -1;
            errno = EINVAL;
        }
        if (fd >= 0) {
            ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        }
        if (fd < 0) {
            report("syntax", file, target.line, target.column,
                   "$INCLUDE " + shorten(file_name) + ": cannot read " + display_path(shown) +
                       ": " + std::strerror(errno));
            return;
        }
        struct FdCloser {
            int fd;
            ~FdCloser() { ::close(fd); }
        } closer{fd};
        // The included file starts with the given origin; ours comes back afterwards.
        std::string saved_origin = origin_;
        bool saved_explicit = origin_explicit_;
        if (!origin_known() && entry.count == 3) {
            origin_explicit_ = true;
        }
        origin_ = include_origin;
        ++origin_generation_;
        Input input(fd);
        chain_.push_back(canonical);
        read(input, display_path(shown), depth + 1);
        chain_.pop_back();
        if (!input.read_error().empty()) {
            report("syntax", file, target.line, target.column,
                   "$INCLUDE " + shorten(file_name) + ": cannot read: " + input.read_error());
        }
        origin_ = saved_origin;
        origin_explicit_ = saved_explicit || origin_explicit_;
        ++origin_generation_;
    }

    Zone& zone() { return set_.zones[static_cast<std::size_t>(zone_index_)]; }

    // The index of the current owner in the zone's names (cached while the owner repeats).
    std::uint32_t name_id(Zone& z, Site site) {
        if (owner_id_generation_ != owner_change_ || owner_id_zone_ != zone_index_) {
            owner_id_ = z.get_or_add(owner_, site);
            owner_id_generation_ = owner_change_;
            owner_id_zone_ = zone_index_;
        }
        return owner_id_;
    }

    // The first record fixes the zone: its apex is the origin known by then.
    bool open_zone(const Token& owner_token, bool blank_start, std::uint16_t type) {
        if (zone_index_ >= 0) {
            return true;
        }
        if (origin_.empty() && !origin_fixed_ && !origin_explicit_) {
            // A file of absolute names starting with its SOA names its own apex.
            std::string owner;
            if (!blank_start && type == detail::type_soa && is_absolute(owner_token.text) &&
                detail::parse_name(owner_token.text, "", owner).empty() && !owner.empty()) {
                origin_ = owner;
            } else {
                throw InputError{
                    top_file_ +
                    ": cannot tell the zone's origin: give --origin NAME, start the file with "
                    "$ORIGIN NAME., or name the file db.NAME or NAME.zone"};
            }
        }
        if (Zone* existing = set_.find_origin(origin_)) {
            zone_index_ = existing - set_.zones.data();
        } else {
            Zone created;
            created.origin = origin_;
            set_.zones.push_back(std::move(created));
            zone_index_ = static_cast<std::ptrdiff_t>(set_.zones.size() - 1);
        }
        return true;
    }

    void record(Entry& entry, std::uint32_t file) {
        const Token* tokens = entry.tokens.data();
        std::size_t count = entry.count;
        std::size_t i = 0;
        const Token* owner_token = nullptr;
        if (!entry.blank_start) {
            owner_token = &tokens[0];
            i = 1;
        }
        // [TTL] [CLASS] TYPE or [CLASS] [TTL] TYPE.
        bool have_ttl = false;
        bool have_class = false;
        bool class_in = true;
        const Token* class_token = nullptr;
        std::uint32_t ttl = 0;
        while (i < count && !tokens[i].quoted) {
            const std::string& t = tokens[i].text;
            if (!have_ttl && !t.empty() && t[0] >= '0' && t[0] <= '9') {
                std::string error = detail::parse_ttl(t, ttl);
                if (!error.empty()) {
                    report("syntax", file, tokens[i].line, tokens[i].column, error);
                    return;
                }
                have_ttl = true;
            } else if (!have_class && detail::is_class(t)) {
                have_class = true;
                // IN, or CLASS1 (RFC 3597 §5).
                class_in = t.size() == 2 ? (t[0] == 'I' || t[0] == 'i') : t.substr(5) == "1";
                class_token = &tokens[i];
            } else {
                break;
            }
            ++i;
        }
        const Token& where = owner_token != nullptr ? *owner_token : tokens[0];
        if (i >= count) {
            report("syntax", file, where.line, where.column,
                   "the record has no type (expected [TTL] [CLASS] TYPE RDATA)");
            return;
        }
        const Token& type_token = tokens[i];
        std::uint16_t type = type_token.quoted ? 0 : detail::type_from_name(type_token.text);
        if (type == 0) {
            report("syntax", file, type_token.line, type_token.column,
                   "unknown record type " + shorten(type_token.text));
            return;
        }
        open_zone(where, entry.blank_start, type);
        Zone& z = zone();

        if (owner_token != nullptr) {
            if (owner_token->text != owner_raw_ || owner_generation_ != origin_generation_ ||
                !have_owner_) {
                if (owner_token->quoted) {
                    report("syntax", file, owner_token->line, owner_token->column,
                           "an owner name cannot be quoted");
                    return;
                }
                if (!is_absolute(owner_token->text) && origin_.empty() &&
                    owner_token->text != "@" && !origin_known()) {
                    report("syntax", file, owner_token->line, owner_token->column,
                           "relative name with no origin");
                    return;
                }
                std::string& owner = scratch_owner_; // reused: no allocation per name
                std::string error = detail::parse_name(owner_token->text, origin_, owner);
                if (!error.empty()) {
                    report("syntax", file, owner_token->line, owner_token->column, error);
                    have_owner_ = false;
                    return;
                }
                owner_.swap(owner);
                ++owner_change_;
                owner_raw_ = owner_token->text;
                owner_generation_ = origin_generation_;
                have_owner_ = true;
                owner_in_zone_ = dns_name::is_at_or_below(owner_, z.origin);
                if (owner_in_zone_) {
                    owner_handle_ = z.add_existing(owner_);
                    owner_marked_ = false;
                    if (owner_.size() >= 2 && owner_[0] == '*' && owner_[1] == '.') {
                        ++z.wildcard_count_;
                    }
                }
            }
        } else if (!have_owner_) {
            report("syntax", file, type_token.line, type_token.column,
                   "the line starts with a blank, so it continues the previous owner, but "
                   "there is none");
            return;
        }
        if (!owner_in_zone_) {
            report("syntax", file, where.line, where.column,
                   dns_name::absolute(owner_) + " is outside the zone " +
                       dns_name::absolute(z.origin) + " (servers ignore or refuse it)");
            return;
        }
        if (have_ttl) {
            last_ttl_ = ttl;
            have_last_ttl_ = true;
        } else if (have_ttl_) {
            ttl = default_ttl_;
        } else {
            ttl = last_ttl_;
        }

        detail::Rdata& rdata = rdata_; // reused across records
        rdata.target.clear();
        auto error = detail::check_rdata(type, type_token.text, owner_, ttl, tokens + i + 1,
                                         count - i - 1, origin_, rdata);
        if (!error.message.empty()) {
            const Token& bad =
                (i + 1 + error.token < count) ? tokens[i + 1 + error.token] : tokens[count - 1];
            report("syntax", file, bad.line, bad.column, error.message);
            return;
        }
        ++z.record_count;
        Site site{file, where.line, where.column};
        if (!interest_.empty() && interest_checked_ != owner_change_) {
            interest_checked_ = owner_change_;
            if (interest_.count(owner_) > 0) {
                name_id(z, site); // remembers the name's first record
            }
        }
        if (z.record_count == 1) {
            z.first_record = site;
        }
        if (!class_in) {
            const Token& at = class_token != nullptr ? *class_token : where;
            report("record-class", file, at.line, at.column,
                   "class " + shorten(class_token != nullptr ? class_token->text : "") +
                       ": NSD, Knot and BIND load only class IN records into an IN zone and "
                       "refuse the zone (write IN, or leave the class out)");
            return;
        }
        if (!owner_marked_ && type != detail::type_cname && type != detail::type_rrsig &&
            type != detail::type_nsec) {
            z.mark_data(owner_handle_); // data a CNAME may not share its name with
            owner_marked_ = true;
        }
        switch (type) {
        case detail::type_soa:
            if (owner_ != z.origin) {
                report("syntax", file, where.line, where.column,
                       "SOA record at " + dns_name::absolute(owner_) + ", not at the zone's apex " +
                           dns_name::absolute(z.origin) +
                           " (wrong origin? give --origin or $ORIGIN)");
            } else if (!z.has_soa) {
                z.has_soa = true;
                z.soa = site;
                soa_load_ = load_serial_;
            } else if (soa_load_ == load_serial_) {
                // Another file of the same origin may be another view of the zone: only a
                // second SOA read from the same file (or its includes) is one zone's.
                report("duplicate-soa", file, where.line, where.column,
                       "a second SOA record for " + dns_name::absolute(z.origin) +
                           " (the first is at " + format_location(set_.location(z.soa)) +
                           "): a zone has exactly one; NSD and BIND refuse the zone");
            }
            break;
        case detail::type_caa:
            z.add_caa(name_id(z, site), ttl, site, rdata.caa, rdata.generic);
            break;
        case detail::type_cname:
        case detail::type_dname: {
            NameInfo& info = z.names[name_id(z, site)];
            const bool cname = type == detail::type_cname;
            std::int32_t& alias = cname ? info.cname : info.dname;
            if (alias < 0) {
                alias = static_cast<std::int32_t>(z.aliases.size());
                z.aliases.push_back(Alias{std::move(rdata.target), site});
                if (!cname) {
                    ++z.dname_count_;
                }
            } else if (const Alias& first = z.aliases[static_cast<std::size_t>(alias)];
                       first.target != rdata.target) {
                const char* kind = cname ? "CNAME" : "DNAME";
                report("duplicate-alias", file, where.line, where.column,
                       std::string("a second ") + kind + " at " + dns_name::absolute(owner_) +
                           " (to " + dns_name::absolute(rdata.target) + "; the first, to " +
                           dns_name::absolute(first.target) + ", is at " +
                           format_location(set_.location(first.site)) +
                           "): a name has at most "
                           "one " +
                           kind + " (" +
                           (cname ? "RFC 1034 section 3.6.2" : "RFC 6672 section 2.4") +
                           "); NSD, Knot and BIND refuse the zone");
            }
            break;
        }
        case detail::type_ns:
            if (owner_ != z.origin) {
                NameInfo& info = z.names[name_id(z, site)];
                if (!info.has_ns) {
                    info.has_ns = true;
                    info.ns_site = site;
                    ++z.cut_count_;
                }
            }
            break;
        default:
            break;
        }
    }

    ZoneSet& set_;
    Diagnostics& diagnostics_;
    const LoadOptions& options_;
    fs::path root_;
    std::vector<fs::path> chain_; // files being read, outermost first (loop detection)
    std::string top_file_;
    std::ptrdiff_t zone_index_ = -1;
    std::string origin_;
    bool origin_fixed_ = false;    // --origin
    bool origin_explicit_ = false; // a $ORIGIN was read
    std::uint64_t origin_generation_ = 0;
    bool have_ttl_ = false; // $TTL seen
    std::uint32_t default_ttl_ = 0;
    std::uint32_t last_ttl_ = 0;
    bool have_last_ttl_ = false;
    std::string owner_;
    std::string owner_raw_;
    std::string scratch_owner_;
    std::unordered_set<std::string> interest_;
    std::uint64_t interest_checked_ = ~std::uint64_t{0};
    detail::Rdata rdata_;
    std::uint64_t owner_generation_ = 0;
    bool have_owner_ = false;
    bool owner_in_zone_ = false;
    std::size_t owner_handle_ = Zone::no_handle; // the owner's existence entry (mark_data)
    bool owner_marked_ = false;                  // the owner's data flag is set
    std::uint64_t load_serial_ = 0;              // counts top-level files
    std::uint64_t soa_load_ = ~std::uint64_t{0}; // the top-level file that gave the SOA
    std::uint64_t owner_change_ = 0;
    std::uint64_t owner_id_generation_ = ~std::uint64_t{0};
    std::ptrdiff_t owner_id_zone_ = -1;
    std::uint32_t owner_id_ = 0;
    std::size_t errors_in_file_ = 0;
};

} // namespace

std::string origin_from_file_name(std::string_view path) {
    std::string base = fs::path(std::string(path)).filename().string();
    std::string name;
    auto ends_with = [&](std::string_view suffix) {
        return base.size() > suffix.size() &&
               base.compare(base.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (base.rfind("db.", 0) == 0 && base.size() > 3) {
        name = base.substr(3);
    } else if (ends_with(".zone")) {
        name = base.substr(0, base.size() - 5);
    } else if (ends_with(".db")) {
        name = base.substr(0, base.size() - 3);
    } else {
        name = base;
    }
    if (name.find('.') == std::string::npos &&
        !(ends_with(".zone") || ends_with(".db") || base.rfind("db.", 0) == 0 || ends_with("."))) {
        return ""; // a bare word is not a domain name
    }
    if (!dns_name::check_hostname(name).empty()) {
        return "";
    }
    return dns_name::normalize(name);
}

std::string default_include_root(const std::string& path, const std::string& fallback) {
    std::error_code ec;
    fs::path dir = fs::weakly_canonical(fs::absolute(path, ec), ec).parent_path();
    for (fs::path p = dir; !p.empty(); p = p.parent_path()) {
        if (has_git(p)) {
            return p.string();
        }
        if (p == p.parent_path()) {
            break;
        }
    }
    if (!fallback.empty()) {
        return fallback;
    }
    return dir.string();
}

ZoneSet load_zone_files(const std::vector<ZoneFile>& files, const LoadOptions& options,
                        Diagnostics& diagnostics) {
    ZoneSet set;
    Loader loader(set, diagnostics, options);
    std::unordered_set<std::string> read; // canonical paths: a file given twice is read once
    for (const auto& file : files) {
        std::error_code ec;
        fs::path canonical = fs::weakly_canonical(file.path, ec);
        if (!ec && !read.insert(canonical.string()).second) {
            continue;
        }
        std::string root = file.include_root;
        if (root.empty()) {
            root = options.include_root.empty() ? default_include_root(file.path, "")
                                                : options.include_root;
        }
        loader.load_file(file.path, root);
    }
    return set;
}

ZoneSet load_zones(const std::vector<std::string>& paths, const LoadOptions& options,
                   Diagnostics& diagnostics) {
    std::vector<ZoneFile> files;
    files.reserve(paths.size());
    for (const auto& path : paths) {
        files.push_back(ZoneFile{path, ""});
    }
    return load_zone_files(files, options, diagnostics);
}

void load_zone_text(std::string_view text, const std::string& name, const LoadOptions& options,
                    ZoneSet& into, Diagnostics& diagnostics) {
    Loader loader(into, diagnostics, options);
    loader.load_text(text, name);
}

} // namespace caapol::zone
