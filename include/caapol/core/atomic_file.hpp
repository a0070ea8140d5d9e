// Writing output files so that readers never see a partial file: write a temporary file in the
// same directory, flush it to disk, then rename it over the target.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace caapol {

// An output file being written: created as a temporary file beside its target, renamed over
// the target by commit(). Until then the target is untouched; destroying an uncommitted
// AtomicFile removes the temporary file. While any AtomicFile is open, SIGTERM, SIGINT and
// SIGHUP (unless ignored) remove its temporary file and then end the process as the signal
// would have. A `path` that is a symbolic link (or a chain of them) is resolved: the link's
// final target is replaced, the temporary file lies beside that target, and the link stays.
// Every failure throws InputError naming the path and the system's reason; the temporary file
// is then removed. Past the first MiB, full buffers are written by a thread of the file's own
// (at most four in hand), which also starts their writeback to disk: a report of hundreds of
// MB costs its producer no write() and leaves little for commit()'s fsync. A failed write is
// thrown by the next write() or by commit().
class AtomicFile {
public:
    explicit AtomicFile(const std::string& path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(std::string_view data); // buffered
    void commit();                     // flush, fsync, close, rename over the target
    bool committed() const { return committed_; }
    // The file that commit() replaces (`path` with symbolic links resolved).
    const std::string& target() const { return target_; }
    const std::string& temporary_path() const { return temp_; }

private:
    void flush_buffer();
    void hand_off(); // buffer_ to the writer thread, started on first use
    void write_behind();
    void stop_writer() noexcept;
    void throw_writer_error(); // if the writer thread failed
    [[noreturn]] void fail(const std::string& what);
    void discard() noexcept;

    std::string path_;
    std::string target_;
    std::string temp_;
    std::string buffer_;
    int fd_ = -1;
    int slot_ = -1;
    bool committed_ = false;

    // The writer thread and what it shares with the producer (under mutex_).
    std::thread writer_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::string> full_;   // to be written, in order
    std::vector<std::string> spare_; // written, their capacity for reuse
    bool stopping_ = false;
    int writer_errno_ = 0;      // the writer's failure: errno of its write
    std::uint64_t written_ = 0; // bytes the writer has written (its thread only)
};

// Replaces `path` (through symbolic links, as AtomicFile) with `contents` atomically. Throws
// InputError (naming the path and the system's reason) on failure; the old file, if any, is
// then untouched and no temporary file is left behind.
void write_file_atomically(const std::string& path, std::string_view contents);

// The file a write to `path` lands in: `path` with symbolic links followed (at most 40), a
// relative link target taken relative to the link's directory. A dangling link resolves to
// the file it names. Throws InputError for a link loop or an unreadable link.
std::string resolve_output_path(const std::string& path);

} // namespace caapol
