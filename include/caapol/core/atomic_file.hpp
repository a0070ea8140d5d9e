// Writing output files so that readers never see a partial file: write a temporary file in the
// same directory, flush it to disk, then rename it over the target.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace caapol {

// An output file being written: created as a temporary file beside its target, renamed over
// the target by commit(). Until then the target is untouched; destroying an uncommitted
// AtomicFile removes the temporary file. While any AtomicFile is open, SIGTERM, SIGINT and
// SIGHUP (unless ignored) remove its temporary file and then end the process as the signal
// would have. A `path` that is a symbolic link (or a chain of them) is resolved: the link's
// final target is replaced, the temporary file lies beside that target, and the link stays.
// Every failure throws InputError naming the path and the system's reason; the temporary file
// is then removed.
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
    [[noreturn]] void fail(const std::string& what);
    void discard() noexcept;

    std::string path_;
    std::string target_;
    std::string temp_;
    std::string buffer_;
    int fd_ = -1;
    int slot_ = -1;
    bool committed_ = false;
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
