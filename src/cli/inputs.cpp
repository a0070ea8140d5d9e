#include "caapol/cli/inputs.hpp"

#include "caapol/core/atomic_file.hpp"
#include "caapol/core/dns_name.hpp"
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
        } else if (fs::exists(path, ec)) {
            files.push_back(zone::ZoneFile{path, ""});
        } else {
            throw InputError{path + ": no such file or directory"};
        }
    }
    return files;
}

// Host names plus '_' labels and a leading "*." (names to check need not be host names).
std::string check_name(std::string_view name) {
    if (name.rfind("*.", 0) == 0) {
        name.remove_prefix(2);
    }
    if (!name.empty() && name.back() == '.') {
        name.remove_suffix(1);
    }
    if (name.empty()) {
        return "a name below the root is needed";
    }
    if (name.size() > 253) {
        return "longer than 253 characters";
    }
    std::size_t begin = 0;
    while (begin <= name.size()) {
        std::size_t dot = name.find('.', begin);
        std::string_view label = name.substr(
            begin, dot == std::string_view::npos ? std::string_view::npos : dot - begin);
        if (label.empty() || label.size() > 63) {
            return "labels must have 1 to 63 characters";
        }
        for (char c : label) {
            bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '-' || c == '_';
            if (!allowed) {
                return "only letters, digits, '-' and '_' are allowed in labels";
            }
        }
        if (dot == std::string_view::npos) {
            break;
        }
        begin = dot + 1;
    }
    return {};
}

std::vector<std::string> read_names(const std::string& path) {
    std::string content = read_file(path); // InputError when unreadable
    std::vector<std::string> names;
    names.reserve(static_cast<std::size_t>(std::count(content.begin(), content.end(), '\n')) + 1);
    std::size_t line_number = 0;
    std::string_view rest = content;
    while (!rest.empty()) {
        std::size_t newline = rest.find('\n');
        std::string_view line = rest.substr(0, newline);
        rest = newline == std::string_view::npos ? std::string_view() : rest.substr(newline + 1);
        ++line_number;
        if (auto hash = line.find('#'); hash != std::string_view::npos) {
            line = line.substr(0, hash);
        }
        line = text::trim(text::trim(line));
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
            line = text::trim(line);
        }
        if (line.empty()) {
            continue;
        }
        std::string problem = check_name(line);
        if (!problem.empty()) {
            throw InputError{path + ":" + std::to_string(line_number) + ": '" +
                             text::escape_for_terminal(line) +
                             "' is not a domain name: " + problem};
        }
        names.push_back(dns_name::normalize(line));
    }
    return names;
}

} // namespace caapol::cli
