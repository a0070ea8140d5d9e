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

std::vector<std::string> sorted_unique(std::vector<std::string> names) {
    // Through precomputed keys in one buffer: the sort moves small entries, not strings.
    struct SortEntry {
        std::size_t key_at;
        std::size_t key_size;
        std::size_t name_index;
    };
    std::string keys;
    std::size_t total = 0;
    for (const auto& name : names) {
        total += name.size() + 2;
    }
    keys.reserve(total);
    std::vector<SortEntry> order;
    order.reserve(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        std::size_t at = keys.size();
        append_canonical_key(keys, names[i]);
        order.push_back({at, keys.size() - at, i});
    }
    auto key_of = [&keys](const SortEntry& e) {
        return std::string_view(keys.data() + e.key_at, e.key_size);
    };
    auto before = [&key_of](const SortEntry& a, const SortEntry& b) {
        return key_of(a) < key_of(b);
    };
    if (order.size() >= 20000 && std::thread::hardware_concurrency() >= 2) {
        // Two halves sorted at once, then merged: the sort took a twentieth of a
        // 100,000-name run.
        auto middle = order.begin() + static_cast<std::ptrdiff_t>(order.size() / 2);
        std::thread second([&] { std::sort(middle, order.end(), before); });
        std::sort(order.begin(), middle, before);
        second.join();
        std::inplace_merge(order.begin(), middle, order.end(), before);
    } else {
        std::sort(order.begin(), order.end(), before);
    }
    std::vector<std::string> sorted;
    sorted.reserve(names.size());
    for (std::size_t i = 0; i < order.size(); ++i) {
        if (i > 0 && key_of(order[i]) == key_of(order[i - 1])) {
            continue; // the same name twice
        }
        sorted.push_back(std::move(names[order[i].name_index]));
    }
    return sorted;
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
    // The memory too: the merge holds a file per sorted run, hundreds at 10,000,000 names.
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
    const std::size_t read_size = read_size_;
    while (true) {
        std::size_t newline = buffer_.find('\n', at_);
        if (newline != std::string::npos) {
            line.assign(buffer_, at_, newline - at_);
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
    : chunk_names_(std::max<std::size_t>(chunk_names, 1)), chunk_bytes_(chunk_bytes) {}

void NameSorter::add(std::string name) {
    chunk_size_ += name.size();
    chunk_.push_back(std::move(name));
    if (chunk_.size() >= chunk_names_ || chunk_size_ >= chunk_bytes_) {
        spill();
    }
}

void NameSorter::spill() {
    auto run = std::make_unique<TempFile>();
    std::vector<std::string> chunk;
    chunk.swap(chunk_); // the next chunk grows again from nothing; the peak is one chunk
    const std::vector<std::string> sorted = sorted_unique(std::move(chunk));
    for (const auto& name : sorted) {
        run->write(name);
        run->write("\n");
    }
    run->flush();
    runs_.push_back(std::move(run));
    chunk_size_ = 0;
}

SortedNames NameSorter::finish() {
    SortedNames sorted;
    if (runs_.empty()) {
        sorted.memory_ = sorted_unique(std::move(chunk_));
        sorted.count_ = sorted.memory_.size();
        return sorted;
    }
    if (!chunk_.empty()) {
        spill();
    }
    // A k-way merge of the sorted runs by canonical key, repeats dropped.
    struct Head {
        std::string key;
        std::string name;
        std::size_t run;
    };
    auto after = [](const Head* a, const Head* b) { return a->key > b->key; };
    std::vector<LineReader> readers;
    std::vector<Head> heads(runs_.size());
    std::priority_queue<Head*, std::vector<Head*>, decltype(after)> queue(after);
    readers.reserve(runs_.size());
    for (std::size_t i = 0; i < runs_.size(); ++i) {
        readers.emplace_back(runs_[i]->fd(), 0, std::size_t{1} << 13);
        heads[i].run = i;
        if (readers[i].next(heads[i].name)) {
            append_canonical_key(heads[i].key, heads[i].name);
            queue.push(&heads[i]);
        }
    }
    sorted.file_ = std::make_unique<TempFile>();
    std::string last_key;
    bool any = false;
    while (!queue.empty()) {
        Head* head = queue.top();
        queue.pop();
        if (!any || head->key != last_key) {
            if (sorted.count_ % SortedNames::mark_every == 0) {
                sorted.marks_.push_back(sorted.file_->size());
            }
            sorted.file_->write(head->name);
            sorted.file_->write("\n");
            ++sorted.count_;
            last_key.swap(head->key);
            any = true;
        }
        if (readers[head->run].next(head->name)) {
            head->key.clear();
            append_canonical_key(head->key, head->name);
            queue.push(head);
        }
    }
    sorted.file_->flush();
    runs_.clear();
    return sorted;
}

} // namespace caapol::verify
