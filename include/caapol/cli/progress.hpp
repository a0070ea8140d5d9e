// A progress line on standard error for long runs (verify): names done / total, names per
// second, errors so far; rewritten a few times a second and erased at the end. Only when
// standard error is a terminal and not --quiet: logs and pipes get nothing.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <string>
#include <thread>

namespace caapol::cli {

class Progress {
public:
    // Shows nothing unless `enabled` and standard error is a terminal.
    Progress(std::string command, std::size_t total, bool enabled);
    ~Progress(); // finish()
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;

    bool active() const { return thread_.joinable(); }
    // One name done (from any thread).
    void done(bool error) {
        done_.fetch_add(1, std::memory_order_relaxed);
        if (error) {
            errors_.fetch_add(1, std::memory_order_relaxed);
        }
    }
    // Stops the updates and erases the line.
    void finish();

    // The line for these counts (for tests): "caapol verify: 1,234 / 5,000 names, 617
    // names/s, 2 errors".
    static std::string line(const std::string& command, std::size_t done, std::size_t total,
                            double seconds, std::size_t errors);

private:
    void draw();

    std::string command_;
    std::size_t total_;
    std::atomic<std::size_t> done_{0};
    std::atomic<std::size_t> errors_{0};
    std::chrono::steady_clock::time_point started_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stopping_ = false;
    std::thread thread_;
};

} // namespace caapol::cli
