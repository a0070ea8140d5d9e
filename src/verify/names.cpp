#include "caapol/verify/names.hpp"

#include "caapol/core/diagnostic.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <thread>
#include <unistd.h>

namespace caapol::verify {

void append_canonical_key(std::string& key, std::string_view name) {
    std::size_t end = name.size();
    while (true) {
        std::size_t dot = end == 0 ? std::string_view::npos : name.rfind('.', end - 1);
        std::size_t begin = dot == std::string_view::npos ? 0 : dot + 1;
        key.append(name.substr(begin, end - begin));
        key.push_back('\0');
        if (dot == std::string_view::npos) {
            break;
        }
        end = dot;
    }
}

void append_name_of_key(std::string& name, std::string_view key) {
    // The key's labels, each ended by a NUL, run from the right of the name: taken from the
    // key's end they come out left to right.
    std::size_t end = key.size();
    if (end > 0 && key[end - 1] == '\0') {
        --end;
    }
    bool first = true;
    while (true) {
        std::size_t nul = end == 0 ? std::string_view::npos : key.rfind('\0', end - 1);
        std::size_t begin = nul == std::string_view::npos ? 0 : nul + 1;
        if (!first) {
            name.push_back('.');
        }
        name.append(key.substr(begin, end - begin));
        first = false;
        if (nul == std::string_view::npos) {
            return;
        }
        end = nul;
    }
}

void NameSorter::Chunk::add(std::string_view name) {
    const std::size_t at = keys.size();
    append_canonical_key(keys, name);
    entries.emplace_back(static_cast<std::uint32_t>(at),
                         static_cast<std::uint32_t>(keys.size() - at));
    keys.push_back('\n'); // a run file's line ending, kept in the buffer to write in one go
}

void NameSorter::Chunk::sort_unique() {
    // Small entries move, not strings; keys compare as bytes (one memcmp each).
    const char* base = keys.data();
    auto before = [base](const std::pair<std::uint32_t, std::uint32_t>& a,
                         const std::pair<std::uint32_t, std::uint32_t>& b) {
        return std::string_view(base + a.first, a.second) <
               std::string_view(base + b.first, b.second);
    };
    std::sort(entries.begin(), entries.end(), before);
    auto same = [base](const std::pair<std::uint32_t, std::uint32_t>& a,
                       const std::pair<std::uint32_t, std::uint32_t>& b) {
        return std::string_view(base + a.first, a.second) ==
               std::string_view(base + b.first, b.second);
    };
    entries.erase(std::unique(entries.begin(), entries.end(), same), entries.end());
}

std::vector<std::string> NameSorter::Chunk::sorted_names() {
    sort_unique();
    std::vector<std::string> sorted(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        append_name_of_key(sorted[i], key(i));
    }
    return sorted;
}

std::vector<std::string> sorted_unique(const std::vector<std::string>& names) {
    NameSorter::Chunk chunk;
    for (const auto& name : names) {
        chunk.add(name);
    }
    return chunk.sorted_names();
}

namespace {

std::string temporary_directory() {
    const char* dir = std::getenv("TMPDIR");
    return dir != nullptr && *dir != '\0' ? dir : "/tmp";
}

constexpr std::size_t write_buffer_size = std::size_t{1} << 18;

} // namespace

TempFile::TempFile() : directory_(temporary_directory()) {
    std::string pattern = directory_ + "/caapol-names-XXXXXX";
    fd_ = ::mkstemp(pattern.data());
    if (fd_ < 0) {
        throw InputError{"cannot create a temporary file in " + directory_ + ": " +
                         std::strerror(errno)};
    }
    ::unlink(pattern.c_str()); // gone from the directory: nothing left behind, even if killed
}

TempFile::~TempFile() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

void TempFile::write(std::string_view data) {
    buffer_.append(data);
    if (buffer_.size() >= write_buffer_size) {
        flush();
    }
}

void TempFile::flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
        ssize_t n = ::pwrite(fd_, buffer_.data() + done, buffer_.size() - done,
                             static_cast<off_t>(written_ + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throw InputError{"cannot write a temporary file in " + directory_ + ": " +
                             std::strerror(n < 0 ? errno : ENOSPC)};
        }
        done += static_cast<std::size_t>(n);
    }
    written_ += buffer_.size();
    buffer_.clear();
}

void TempFile::finish_writing() {
    flush();
    std::string().swap(buffer_);
}

void TempFile::read_at(std::uint64_t offset, std::string& into, std::size_t count) const {
    into.resize(count);
    std::size_t done = 0;
    while (done < count) {
        ssize_t n =
            ::pread(fd_, into.data() + done, count - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            throw InputError{"cannot read back a temporary file in " + directory_ + ": " +
                             (n < 0 ? std::strerror(errno) : "it is shorter than written")};
        }
        done += static_cast<std::size_t>(n);
    }
}

LineReader::LineReader(int fd, std::uint64_t offset, std::size_t read_size)
    : fd_(fd), offset_(offset), read_size_(read_size) {}

bool LineReader::next(std::string& line) {
    std::string_view view;
    if (!next_view(view)) {
        return false;
    }
    line.assign(view);
    return true;
}

bool LineReader::next_view(std::string_view& line) {
    const std::size_t read_size = read_size_;
    while (true) {
        std::size_t newline = buffer_.find('\n', at_);
        if (newline != std::string::npos) {
            line = std::string_view(buffer_.data() + at_, newline - at_);
            at_ = newline + 1;
            return true;
        }
        if (end_) {
            return false; // every line of these files ends with a newline
        }
        buffer_.erase(0, at_);
        at_ = 0;
        std::size_t kept = buffer_.size();
        buffer_.resize(kept + read_size);
        ssize_t n;
        do {
            n = ::pread(fd_, buffer_.data() + kept, read_size, static_cast<off_t>(offset_));
        } while (n < 0 && errno == EINTR);
        if (n < 0) {
            throw InputError{std::string("cannot read back a temporary file: ") +
                             std::strerror(errno)};
        }
        buffer_.resize(kept + static_cast<std::size_t>(n));
        offset_ += static_cast<std::uint64_t>(n);
        end_ = n == 0;
    }
}

bool SortedNames::Cursor::next(std::string& name) {
    if (names_ == nullptr || index_ >= names_->count_) {
        return false;
    }
    ++index_;
    if (!reader_) {
        name = names_->memory_[index_ - 1];
        return true;
    }
    return reader_->next(name);
}

SortedNames::Cursor SortedNames::from(std::size_t index) const {
    Cursor cursor;
    cursor.names_ = this;
    cursor.index_ = std::min(index, count_);
    if (file_ && cursor.index_ < count_) {
        std::size_t mark = cursor.index_ / mark_every;
        cursor.reader_ = std::make_unique<LineReader>(file_->fd(), marks_[mark]);
        std::string skipped;
        for (std::size_t i = mark * mark_every; i < cursor.index_; ++i) {
            cursor.reader_->next(skipped);
        }
    }
    return cursor;
}

NameSorter::NameSorter(std::size_t chunk_names, std::size_t chunk_bytes)
    : chunk_names_(std::max<std::size_t>(chunk_names, 1)),
      // Offsets into a chunk's buffer are 32-bit.
      chunk_bytes_(std::min<std::size_t>(chunk_bytes, std::size_t{1} << 30)) {}

NameSorter::~NameSorter() {
    if (spiller_.joinable()) {
        spiller_.join();
    }
}

void NameSorter::add(std::string_view name) {
    chunk_.add(name);
    if (chunk_.entries.size() >= chunk_names_ || chunk_.keys.size() >= chunk_bytes_) {
        spill();
    }
}

void NameSorter::wait_for_spill() {
    if (spiller_.joinable()) {
        spiller_.join();
        if (spill_error_) {
            std::rethrow_exception(std::exchange(spill_error_, nullptr));
        }
        runs_.push_back(std::move(spilled_));
    }
}

void NameSorter::spill() {
    wait_for_spill();
    std::swap(chunk_, spilling_);
    chunk_.clear(); // the buffers of the chunk before last: no allocation as it refills
    spiller_ = std::thread([this] {
        try {
            spilling_.sort_unique();
            auto run = std::make_unique<TempFile>();
            for (std::size_t i = 0; i < spilling_.entries.size(); ++i) {
                const auto [at, length] = spilling_.entries[i];
                run->write(std::string_view(spilling_.keys.data() + at, length + 1)); // '\n'
            }
            run->finish_writing();
            spilled_ = std::move(run);
        } catch (...) {
            spill_error_ = std::current_exception();
        }
    });
}

SortedNames NameSorter::finish() {
    SortedNames sorted;
    if (runs_.empty() && !spiller_.joinable()) {
        sorted.memory_ = chunk_.sorted_names();
        sorted.count_ = sorted.memory_.size();
        chunk_ = Chunk{};
        return sorted;
    }
    if (!chunk_.entries.empty()) {
        spill();
    }
    wait_for_spill();
    chunk_ = Chunk{};
    spilling_ = Chunk{};
    // A k-way merge of the sorted runs (lines of keys) by key, repeats dropped; each run's
    // head is a view into its reader's buffer, so keys are compared where they were read.
    struct Head {
        std::string_view key;
        std::size_t run;
    };
    auto after = [](const Head& a, const Head& b) { return a.key > b.key; };
    std::vector<LineReader> readers;
    std::priority_queue<Head, std::vector<Head>, decltype(after)> queue(after);
    readers.reserve(runs_.size());
    for (std::size_t i = 0; i < runs_.size(); ++i) {
        readers.emplace_back(runs_[i]->fd(), 0, std::size_t{1} << 14);
        std::string_view key;
        if (readers[i].next_view(key)) {
            queue.push(Head{key, i});
        }
    }
    sorted.file_ = std::make_unique<TempFile>();
    std::string last_key;
    std::string line;
    bool any = false;
    while (!queue.empty()) {
        Head head = queue.top();
        queue.pop();
        if (!any || head.key != last_key) {
            if (sorted.count_ % SortedNames::mark_every == 0) {
                sorted.marks_.push_back(sorted.file_->size());
            }
            line.clear();
            append_name_of_key(line, head.key);
            line.push_back('\n');
            sorted.file_->write(line);
            ++sorted.count_;
            last_key.assign(head.key);
            any = true;
        }
        if (readers[head.run].next_view(head.key)) {
            queue.push(head);
        }
    }
    sorted.file_->finish_writing();
    runs_.clear();
    return sorted;
}

} // namespace caapol::verify
