#include "caapol/cli/progress.hpp"

#include <cstdio>
#include <unistd.h>

namespace caapol::cli {

namespace {

std::string grouped(std::size_t n) {
    std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) {
            out += ',';
        }
        out += digits[i];
    }
    return out;
}

void write_stderr(const std::string& text) {
    std::size_t at = 0;
    while (at < text.size()) {
        ssize_t n = ::write(2, text.data() + at, text.size() - at);
        if (n <= 0) {
            return; // a progress line is not worth an error
        }
        at += static_cast<std::size_t>(n);
    }
}

} // namespace

Progress::Progress(std::string command, std::size_t total, bool enabled)
    : command_(std::move(command)), total_(total), started_(std::chrono::steady_clock::now()) {
    if (!enabled || ::isatty(2) != 1) {
        return;
    }
    thread_ = std::thread([this] {
        std::unique_lock<std::mutex> lock(mutex_);
        while (!stopping_) {
            // A few times a second; the first after a moment, so short runs show nothing.
            wake_.wait_for(lock, std::chrono::milliseconds(250));
            if (!stopping_) {
                draw();
            }
        }
    });
}

Progress::~Progress() {
    finish();
}

std::string Progress::line(const std::string& command, std::size_t done, std::size_t total,
                           double seconds, std::size_t errors) {
    auto rate = seconds > 0 ? static_cast<std::size_t>(static_cast<double>(done) / seconds) : 0;
    return "caapol " + command + ": " + grouped(done) + " / " + grouped(total) + " names, " +
           grouped(rate) + " names/s, " + grouped(errors) + (errors == 1 ? " error" : " errors");
}

void Progress::draw() {
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    // \r and "erase to the end of the line": the line is rewritten in place.
    write_stderr("\r" + line(command_, done_.load(), total_, seconds, errors_.load()) + "\x1b[K");
}

void Progress::finish() {
    if (!thread_.joinable()) {
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
    write_stderr("\r\x1b[K");
}

} // namespace caapol::cli
