#include "caapol/core/atomic_file.hpp"

#include "caapol/core/diagnostic.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

namespace caapol {

namespace {

std::string reason() {
    return std::strerror(errno);
}

// The temporary files of open AtomicFiles, for the signal handler: fixed buffers, since the
// handler may only make async-signal-safe calls (unlink, sigaction, raise) and read lock-free
// atomics.
constexpr int slot_count = 8;
constexpr std::size_t slot_path_size = 4096;
struct Slot {
    std::atomic<int> state{0}; // 0 free, 1 claimed (path being written), 2 active
    char path[slot_path_size];
};
Slot slots[slot_count];

constexpr int cleanup_signals[] = {SIGTERM, SIGINT, SIGHUP};
constexpr int signal_count = 3;
std::mutex install_mutex;
int open_files = 0;
struct sigaction previous[signal_count];
bool installed[signal_count] = {};

extern "C" void remove_temporaries_and_die(int sig) {
    int saved = errno;
    for (auto& slot : slots) {
        if (slot.state.load() == 2) {
            ::unlink(slot.path);
        }
    }
    // Die of the signal as if it had not been caught: the default action, then the signal
    // again (blocked while this handler runs, it is delivered as the handler returns).
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    ::sigaction(sig, &default_action, nullptr);
    ::raise(sig);
    errno = saved;
}

void install_handlers() {
    std::lock_guard<std::mutex> lock(install_mutex);
    if (open_files++ > 0) {
        return;
    }
    for (int i = 0; i < signal_count; ++i) {
        installed[i] = false;
        if (::sigaction(cleanup_signals[i], nullptr, &previous[i]) != 0 ||
            previous[i].sa_handler == SIG_IGN) {
            continue; // an ignored signal (nohup's SIGHUP) stays ignored
        }
        struct sigaction action {};
        action.sa_handler = remove_temporaries_and_die;
        sigemptyset(&action.sa_mask);
        for (int s : cleanup_signals) {
            sigaddset(&action.sa_mask, s);
        }
        installed[i] = ::sigaction(cleanup_signals[i], &action, nullptr) == 0;
    }
}

void restore_handlers() {
    std::lock_guard<std::mutex> lock(install_mutex);
    if (--open_files > 0) {
        return;
    }
    for (int i = 0; i < signal_count; ++i) {
        if (installed[i]) {
            ::sigaction(cleanup_signals[i], &previous[i], nullptr);
            installed[i] = false;
        }
    }
}

// Records `path` for the handler; -1 when every slot is taken or the path is too long (the
// file is then written unprotected).
int claim_slot(const std::string& path) {
    if (path.size() >= slot_path_size) {
        return -1;
    }
    for (int i = 0; i < slot_count; ++i) {
        int expected = 0;
        if (slots[i].state.compare_exchange_strong(expected, 1)) {
            std::memcpy(slots[i].path, path.c_str(), path.size() + 1);
            slots[i].state.store(2);
            return i;
        }
    }
    return -1;
}

void release_slot(int slot) {
    if (slot >= 0) {
        slots[slot].state.store(0);
    }
}

// Blocks the cleanup signals in this thread for a scope: a signal between creating the
// temporary file and recording it would otherwise leave it behind.
class SignalsBlocked {
public:
    SignalsBlocked() {
        sigset_t set;
        sigemptyset(&set);
        for (int s : cleanup_signals) {
            sigaddset(&set, s);
        }
        ::pthread_sigmask(SIG_BLOCK, &set, &old_);
    }
    ~SignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }
    SignalsBlocked(const SignalsBlocked&) = delete;
    SignalsBlocked& operator=(const SignalsBlocked&) = delete;

private:
    sigset_t old_;
};

std::string directory_of(const std::string& path) {
    auto slash = path.rfind('/');
    if (slash == std::string::npos) {
        return ".";
    }
    return slash == 0 ? "/" : path.substr(0, slash);
}

// All of `data` to `fd`: 0, or the errno of the write that failed. Used by the producer and
// by the writer thread alike, so it throws nothing itself.
int write_fully(int fd, std::string_view data) {
    std::size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return errno;
        }
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

} // namespace

std::string resolve_output_path(const std::string& path) {
    std::string current = path;
    for (int hops = 0; hops <= 40; ++hops) {
        struct stat st {};
        if (::lstat(current.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) {
            return current; // a regular file, a new file, or an error left to the open
        }
        std::string target(static_cast<std::size_t>(st.st_size > 0 ? st.st_size : 255) + 1, '\0');
        ssize_t n = ::readlink(current.c_str(), target.data(), target.size());
        if (n < 0) {
            throw InputError{"cannot write " + path + ": reading the link " + current + ": " +
                             reason()};
        }
        if (static_cast<std::size_t>(n) >= target.size()) {
            throw InputError{"cannot write " + path + ": the link " + current +
                             " changed while being read"};
        }
        target.resize(static_cast<std::size_t>(n));
        if (target.empty()) {
            throw InputError{"cannot write " + path + ": the link " + current + " is empty"};
        }
        current = target.front() == '/' ? target : directory_of(current) + "/" + target;
    }
    throw InputError{"cannot write " + path + ": too many levels of symbolic links"};
}

AtomicFile::AtomicFile(const std::string& path) : path_(path), target_(resolve_output_path(path)) {
    // Never rename over a device, a FIFO or a directory (-o /dev/null as root would replace
    // the device node).
    if (struct stat st{}; ::stat(target_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        throw InputError{"cannot replace " + path_ + ": " +
                         (S_ISDIR(st.st_mode) ? "it is a directory"
                                              : "it is not a regular file (- is standard output)")};
    }
    std::string directory = directory_of(target_);
    std::string base =
        target_.substr(target_.rfind('/') == std::string::npos ? 0 : target_.rfind('/') + 1);
    temp_ = directory + "/." + base + ".caapol-XXXXXX";
    install_handlers();
    {
        SignalsBlocked blocked;
        fd_ = ::mkstemp(temp_.data());
        if (fd_ < 0) {
            std::string message =
                "cannot create a temporary file in " + directory + ": " + reason();
            restore_handlers();
            throw InputError{message};
        }
        slot_ = claim_slot(temp_);
    }
    // Keep the mode of the file being replaced; new files get the usual 0666 & ~umask.
    struct stat existing {};
    mode_t mode = 0;
    if (::stat(target_.c_str(), &existing) == 0) {
        mode = existing.st_mode & 07777;
    } else {
        mode_t mask = ::umask(0);
        ::umask(mask);
        mode = 0666 & ~mask;
    }
    if (::fchmod(fd_, mode) != 0) {
        std::string message = "cannot write " + path_ + ": setting permissions: " + reason();
        discard();
        throw InputError{message};
    }
}

AtomicFile::~AtomicFile() {
    discard();
}

void AtomicFile::discard() noexcept {
    stop_writer();
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (!temp_.empty() && !committed_) {
        ::unlink(temp_.c_str());
    }
    if (!temp_.empty()) {
        release_slot(slot_);
        slot_ = -1;
        restore_handlers();
        temp_.clear();
    }
}

void AtomicFile::fail(const std::string& what) {
    std::string message = "cannot write " + path_ + ": " + what + ": " + reason();
    discard();
    throw InputError{message};
}

void AtomicFile::flush_buffer() {
    if (int failure = write_fully(fd_, buffer_); failure != 0) {
        errno = failure;
        fail("writing");
    }
    buffer_.clear();
}

void AtomicFile::write(std::string_view data) {
    if (fd_ < 0) {
        throw InputError{"cannot write " + path_ + ": the file is already closed"};
    }
    constexpr std::size_t buffer_size = std::size_t{1} << 20;
    if (buffer_.size() + data.size() > buffer_size && !buffer_.empty()) {
        hand_off();
    }
    buffer_.append(data);
    if (buffer_.size() >= buffer_size) {
        hand_off();
    }
}

void AtomicFile::hand_off() {
    constexpr std::size_t most_in_hand = 4; // bounds the memory: 4 MiB waiting to be written
    std::unique_lock<std::mutex> lock(mutex_);
    if (!writer_.joinable()) {
        stopping_ = false;
        writer_ = std::thread([this] { write_behind(); });
    }
    changed_.wait(lock, [this] { return full_.size() < most_in_hand || writer_errno_ != 0; });
    if (writer_errno_ != 0) {
        lock.unlock();
        throw_writer_error();
    }
    full_.push_back(std::move(buffer_));
    buffer_.clear(); // moved from: valid, and emptied here whatever it holds
    if (!spare_.empty()) {
        buffer_ = std::move(spare_.back()); // emptied by the writer, its capacity kept
        spare_.pop_back();
    }
    lock.unlock();
    changed_.notify_all();
}

void AtomicFile::write_behind() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
        changed_.wait(lock, [this] { return !full_.empty() || stopping_; });
        if (full_.empty()) {
            return; // stopping, and everything handed over is written
        }
        std::string piece = std::move(full_.front());
        full_.pop_front();
        lock.unlock();
        const int failure = write_fully(fd_, piece);
        if (failure == 0) {
            // Writeback of this piece starts now, on the kernel's threads: commit()'s fsync
            // then waits for the last pieces only. (An advice: its failure changes nothing.)
            ::sync_file_range(fd_, static_cast<off_t>(written_), static_cast<off_t>(piece.size()),
                              SYNC_FILE_RANGE_WRITE);
            written_ += piece.size();
        }
        piece.clear();
        lock.lock();
        spare_.push_back(std::move(piece));
        if (failure != 0) {
            writer_errno_ = failure;
            full_.clear(); // nothing after a failed write may land in the file
            changed_.notify_all();
            return;
        }
        changed_.notify_all();
    }
}

void AtomicFile::stop_writer() noexcept {
    if (!writer_.joinable()) {
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    changed_.notify_all();
    writer_.join();
}

void AtomicFile::throw_writer_error() {
    int failure = 0;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        failure = writer_errno_;
    }
    if (failure != 0) {
        errno = failure;
        fail("writing");
    }
}

void AtomicFile::commit() {
    if (fd_ < 0) {
        throw InputError{"cannot write " + path_ + ": the file is already closed"};
    }
    stop_writer(); // what it holds is written first
    throw_writer_error();
    flush_buffer();
    if (::fsync(fd_) != 0) {
        fail("flushing");
    }
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) {
        fail("closing");
    }
    if (::rename(temp_.c_str(), target_.c_str()) != 0) {
        std::string message = "cannot replace " + target_ + ": " + reason();
        discard();
        throw InputError{message};
    }
    committed_ = true;
    discard();
}

void write_file_atomically(const std::string& path, std::string_view contents) {
    AtomicFile file(path);
    file.write(contents);
    file.commit();
}

} // namespace caapol
