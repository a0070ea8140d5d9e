#include "caapol/cli/inputs.hpp"

#include "caapol/core/atomic_file.hpp"
#include "caapol/core/dns_name.hpp"
#include "caapol/core/input.hpp"
#include "caapol/core/text.hpp"

#include <algorithm>
#include <filesystem>
#include <fnmatch.h>

namespace caapol::cli {

namespace {

namespace fs = std::filesystem;

bool looks_like_zone(const std::string& name, const std::vector<std::string>& globs) {
    if (!globs.empty()) {
        return std::any_of(globs.begin(), globs.end(), [&](const std::string& glob) {
            return fnmatch(glob.c_str(), name.c_str(), 0) == 0;
        });
    }
    auto ends_with = [&](std::string_view suffix) {
        return name.size() > suffix.size() &&
               name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    return ends_with(".zone") || ends_with(".db") || name.rfind("db.", 0) == 0 ||
           (name.size() > 1 && name.back() == '.');
}

// Zone-looking files below `dir`, sorted; hidden directories (.git) and symbolic links
// skipped.
void collect(const fs::path& dir, const std::vector<std::string>& globs,
             std::vector<std::string>& out) {
    std::vector<fs::path> entries;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
        entries.push_back(it->path());
    }
    if (ec) {
        throw InputError{dir.string() + ": cannot read the directory: " + ec.message()};
    }
    std::sort(entries.begin(), entries.end());
    for (const auto& entry : entries) {
        std::string name = entry.filename().string();
        if (fs::is_directory(entry, ec)) {
            if (!name.empty() && name[0] != '.' && !fs::is_symlink(entry, ec)) {
                collect(entry, globs, out);
            }
        } else if (looks_like_zone(name, globs) && !fs::is_symlink(entry, ec) &&
                   fs::is_regular_file(entry, ec)) {
            // Symbolic links are not followed: one could point anywhere on the machine.
            out.push_back(entry.string());
        }
    }
}

} // namespace

std::vector<zone::ZoneFile> zone_files(const std::vector<std::string>& paths,
                                       const std::vector<std::string>& globs,
                                       const std::string& include_root) {
    std::vector<zone::ZoneFile> files;
    for (const auto& path : paths) {
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            std::vector<std::string> found;
            collect(path, globs, found);
            for (const auto& file : found) {
                std::string root =
                    include_root.empty() ? zone::default_include_root(file, path) : include_root;
                files.push_back(zone::ZoneFile{file, root});
            }
        } else if (is_stdin_path(path) || fs::exists(path, ec)) { // "-": standard input
            files.push_back(zone::ZoneFile{path, ""});
        } else {
            throw InputError{path + ": no such file or directory"};
        }
    }
    return files;
}

} // namespace caapol::cli
