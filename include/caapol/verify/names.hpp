// The name list of a verify run in DNS canonical order (RFC 4034 section 6.1), each name once,
// sorted in bounded memory: names are held in memory up to a chunk's worth; beyond that each
// chunk is sorted and written to an unlinked temporary file, and the chunks are merged into one
// sorted temporary file, read back as the climbs go. Climbs in canonical order share their
// ancestors' answers, so the answer cache stays small and results stream out in order.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace caapol::verify {

// The canonical sort key of a normalized name: its labels from the right, each followed by a
// NUL (normalized names hold none), so that byte order of keys is canonical order of names.
void append_canonical_key(std::string& key, std::string_view name);

// The name whose canonical key is `key` (the inverse of append_canonical_key).
void append_name_of_key(std::string& name, std::string_view key);

// Sorts `names` into canonical order and drops repeats.
std::vector<std::string> sorted_unique(const std::vector<std::string>& names);

// A file in the temporary directory ($TMPDIR, else /tmp), removed from the directory at once:
// it vanishes with the process, whatever ends it. Writes are buffered; errors throw
// InputError naming the directory and the reason.
class TempFile {
public:
    TempFile();
    ~TempFile();
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    void write(std::string_view data);
    // Writes out what is buffered; the buffer keeps its capacity for more writes.
    void flush();
    // flush(), and the buffer's memory given back (no more writes expected: the merge holds
    // a file per sorted run, hundreds at 10,000,000 names).
    void finish_writing();
    int fd() const { return fd_; }
    std::uint64_t size() const { return written_ + buffer_.size(); }
    // Calls `sink` with the whole contents in pieces (after flush()).
    template <typename Sink>
    void copy_to(Sink&& sink) const;

private:
    void read_at(std::uint64_t offset, std::string& into, std::size_t count) const;
    int fd_ = -1;
    std::string buffer_;
    std::uint64_t written_ = 0;
    std::string directory_;
};

// Lines of a file from a byte offset on, read with pread (several readers share one file).
class LineReader {
public:
    // `read_size`: bytes per pread (the merge keeps one reader per sorted run: small ones).
    LineReader(int fd, std::uint64_t offset, std::size_t read_size = std::size_t{1} << 16);
    bool next(std::string& line);
    // The next line without its newline, valid until the next call.
    bool next_view(std::string_view& line);

private:
    int fd_;
    std::uint64_t offset_;
    std::size_t read_size_;
    std::string buffer_;
    std::size_t at_ = 0;
    bool end_ = false;
};

class SortedNames {
public:
    std::size_t size() const { return count_; }
    bool spilled() const { return file_ != nullptr; }

    // Reads the names in order from `index` on; several cursors may read at once (threads).
    class Cursor {
    public:
        bool next(std::string& name);

    private:
        friend class SortedNames;
        const SortedNames* names_ = nullptr;
        std::size_t index_ = 0;
        std::unique_ptr<LineReader> reader_;
    };
    Cursor from(std::size_t index) const;

private:
    friend class NameSorter;
    std::size_t count_ = 0;
    std::vector<std::string> memory_;  // when everything fit in one chunk
    std::unique_ptr<TempFile> file_;   // otherwise: one name per line
    std::vector<std::uint64_t> marks_; // byte offset of every mark_every-th name in file_
    static constexpr std::size_t mark_every = 1024;
};

class NameSorter {
public:
    // A chunk: at most `chunk_names` names or `chunk_bytes` bytes of names in memory. A full
    // chunk is sorted and written out by a thread of its own while the next one fills: at most
    // two chunks are in memory.
    explicit NameSorter(std::size_t chunk_names = 50000,
                        std::size_t chunk_bytes = std::size_t{3} << 20);
    ~NameSorter();
    NameSorter(const NameSorter&) = delete;
    NameSorter& operator=(const NameSorter&) = delete;
    void add(std::string_view name);
    // The sorted list; the sorter is spent.
    SortedNames finish();

    // Names as canonical keys in one buffer, each followed by '\n'; `entries` locate them.
    struct Chunk {
        std::string keys;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> entries; // offset, length
        void add(std::string_view name);
        void sort_unique();                      // entries in key order, repeats dropped
        std::vector<std::string> sorted_names(); // sort_unique(), then the names in order
        std::string_view key(std::size_t i) const {
            return std::string_view(keys.data() + entries[i].first, entries[i].second);
        }
        void clear() {
            keys.clear();
            entries.clear();
        }
    };

private:
    void spill();
    void wait_for_spill(); // rethrows what the spilling thread threw
    std::size_t chunk_names_;
    std::size_t chunk_bytes_;
    Chunk chunk_;
    Chunk spilling_;
    std::thread spiller_;
    std::unique_ptr<TempFile> spilled_; // the run the spiller wrote
    std::exception_ptr spill_error_;
    std::vector<std::unique_ptr<TempFile>> runs_;
};

template <typename Sink>
void TempFile::copy_to(Sink&& sink) const {
    std::string piece;
    for (std::uint64_t at = 0; at < written_;) {
        std::size_t count = static_cast<std::size_t>(
            std::min<std::uint64_t>(written_ - at, std::uint64_t{1} << 20));
        read_at(at, piece, count);
        sink(std::string_view(piece));
        at += count;
    }
}

} // namespace caapol::verify
