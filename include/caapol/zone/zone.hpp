// Zone files read for CAA purposes (RFC 1035 §5 master files, RFC 3597 generic records).
//
// The reader streams: every record is checked for syntax, but only the records that matter
// for CAA are kept (CAA, CNAME, DNAME, NS, SOA), plus an 8-byte hash of every name that exists
// in the zone (owners and empty non-terminals), which the zone source needs to tell NODATA
// from NXDOMAIN under wildcards; two of its bits say whether the name owns data other than
// CNAME/RRSIG/NSEC and whether names below it own records (CNAME and DNAME conflicts). Memory
// therefore grows with the CAA-relevant data, not with the zone's size.
//
// Every syntax problem is reported as a `syntax` diagnostic with file:line:column and reading
// resumes at the next record; `$INCLUDE` outside the include root is `include-outside-root`
// and the file is never opened.
#pragma once

#include "caapol/caa/record.hpp"
#include "caapol/core/diagnostic.hpp"

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace caapol::zone {

struct LoadOptions {
    // --origin: the origin of every file given (empty: the file's $ORIGIN, else its name).
    std::string origin;
    // --include-root: where $INCLUDE may read (empty: the git work tree holding the file,
    // else the file's directory; see ZoneFile for a per-file root).
    std::string include_root;
    bool allow_include = true; // false: every $INCLUDE is an error (fuzzing, in-memory text)
    // Normalized names whose first record is wanted even when they own no kept record
    // (policy domains: findings about them point at their first record).
    std::vector<std::string> names_of_interest;
};

// One file to read, with the include root chosen for it (empty: LoadOptions' default).
struct ZoneFile {
    std::string path;
    std::string include_root;
};

// Where a kept record was written: file index into ZoneSet::files, 1-based line and column.
struct Site {
    std::uint32_t file = 0;
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

inline constexpr std::uint32_t no_entry = 0xffffffff;

// Stable storage for many small strings (names, CAA tags and values): far less memory than one
// std::string each. Views into it stay valid while the arena lives (moves keep them valid).
class Arena {
public:
    std::string_view store(std::string_view text);

private:
    std::vector<std::unique_ptr<char[]>> blocks_;
    std::size_t used_ = 0;     // in the last block
    std::size_t capacity_ = 0; // of the last block
};

struct CaaEntry {
    std::uint32_t name = 0; // index into Zone::names
    std::uint32_t ttl = 0;
    Site site;
    std::uint8_t flags = 0;
    bool generic = false;          // written in RFC 3597 form (\# ...)
    std::string_view tag;          // in the zone's arena
    std::string_view value;        // raw octets, in the zone's arena
    std::uint32_t next = no_entry; // the owner's next CAA record (index into Zone::caa)

    caa::Record record() const { return caa::Record{flags, std::string(tag), std::string(value)}; }
};

// A CNAME or DNAME target.
struct Alias {
    std::string target; // normalized
    Site site;
};

// Everything kept about one name that owns a kept record.
struct NameInfo {
    std::string_view name; // normalized (lower case, no trailing dot; `\DDD` for odd bytes)
    Site first;            // its first kept record
    std::uint32_t caa_first = no_entry; // its CAA records, linked by CaaEntry::next
    std::uint32_t caa_last = no_entry;
    std::int32_t cname = -1; // index into Zone::aliases, or -1
    std::int32_t dname = -1; // index into Zone::aliases, or -1
    bool has_ns = false;     // NS records: a delegation cut unless the name is the apex
    Site ns_site;
    bool has_caa() const { return caa_first != no_entry; }
};

struct Zone {
    Zone() = default;
    Zone(Zone&&) = default;
    Zone& operator=(Zone&&) = default;
    Zone(const Zone&) = delete; // views point into the arena
    Zone& operator=(const Zone&) = delete;

    std::string origin; // the apex, normalized
    bool has_soa = false;
    Site soa;          // the apex SOA (when has_soa)
    Site first_record; // the zone's first record
    // Deques: no reallocation peaks while a large zone loads.
    std::deque<NameInfo> names;
    std::deque<CaaEntry> caa; // in the order read
    std::deque<Alias> aliases;
    std::size_t record_count = 0;

    const NameInfo* find(std::string_view name) const; // normalized name
    std::uint32_t get_or_add(const std::string& name, Site site);
    void add_caa(std::uint32_t name, std::uint32_t ttl, Site site, const caa::Record& record,
                 bool generic = false);
    // The CAA records of a name, in the order read (indexes into `caa`).
    std::vector<std::uint32_t> caa_of(const NameInfo& info) const;
    // True when `name` owns records or is an empty non-terminal (normalized).
    bool exists(std::string_view name) const;
    // True when `name` owns a record other than CNAME, RRSIG and NSEC (what may share a name
    // with a CNAME), in class IN. Valid after finish().
    bool owns_data(std::string_view name) const;
    // True when a name below `name` owns records. Valid after finish().
    bool has_descendants(std::string_view name) const;
    bool has_cuts() const { return cut_count_ > 0; }
    bool has_dnames() const { return dname_count_ > 0; }
    bool has_wildcards() const { return wildcard_count_ > 0; }

    // Used by the reader. add_existing returns a handle for mark_data (the owner's own entry;
    // the apex has none: no_handle).
    static constexpr std::size_t no_handle = ~std::size_t{0};
    std::size_t add_existing(std::string_view name);
    void mark_data(std::size_t handle);
    void finish(); // sorts the existence hashes
    std::size_t cut_count_ = 0;
    std::size_t dname_count_ = 0;
    std::size_t wildcard_count_ = 0;
    bool apex_data_ = false;      // the apex owns a record other than CNAME, RRSIG, NSEC
    bool has_below_apex_ = false; // some name below the apex owns records

private:
    void grow_index();
    void insert_slot(std::uint32_t id);
    std::uint32_t find_id(std::string_view name) const;

    Arena arena_;
    // Open addressing: (hash << 32 | index into names), or empty_slot. Keeping part of the
    // hash beside the index skips most string comparisons (and their cache misses).
    static constexpr std::uint64_t empty_slot = ~std::uint64_t{0};
    std::vector<std::uint64_t> slots_;
    // Name hashes with two flag bits: bit 0 the name owns data (owns_data), bit 1 a name
    // below it owns records (it is an ancestor of an owner).
    static constexpr std::uint64_t flag_data = 1, flag_parent = 2, flag_mask = 3;
    std::deque<std::uint64_t> pending_;   // read since the last finish()
    std::vector<std::uint64_t> existing_; // sorted, one entry per name (flags merged)
    const std::uint64_t* lookup(std::string_view name) const;
};

struct ZoneSet {
    std::vector<std::string> files; // every file read, as named in locations
    std::vector<Zone> zones;

    // The zone with the deepest origin at or above `name` (normalized), or nullptr.
    const Zone* zone_for(std::string_view name) const;
    Zone* find_origin(std::string_view origin);
    Location location(const Site& site) const;
    std::size_t record_count() const;
};

// Reads zone files. Syntax problems become diagnostics; throws InputError when a file given
// cannot be read or its origin cannot be told (the message says how to give it).
ZoneSet load_zones(const std::vector<std::string>& paths, const LoadOptions& options,
                   Diagnostics& diagnostics);
ZoneSet load_zone_files(const std::vector<ZoneFile>& files, const LoadOptions& options,
                        Diagnostics& diagnostics);

// Reads zone text held in memory, named `name` in locations (tests and fuzzing). $INCLUDE is
// refused unless options.allow_include (then it reads relative to the current directory).
void load_zone_text(std::string_view text, const std::string& name, const LoadOptions& options,
                    ZoneSet& into, Diagnostics& diagnostics);

// The origin a file name suggests: "db.example.com", "example.com.zone", "example.com.db",
// "example.com", "example.com." -> "example.com"; "" when the name suggests none.
std::string origin_from_file_name(std::string_view path);

// The include root used when none is given: the git work tree holding `path`, else `fallback`
// (or the file's directory when `fallback` is empty).
std::string default_include_root(const std::string& path, const std::string& fallback);

} // namespace caapol::zone
