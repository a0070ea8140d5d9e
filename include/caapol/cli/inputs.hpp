// Inputs shared by several subcommands: zone files found in paths (lint, import).
#pragma once

#include "caapol/zone/zone.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace caapol::cli {

// The zone files of `paths`: files as given, directories searched for *.zone, *.db, db.* and
// names ending in a dot (or names matching one of `globs`), sorted, hidden directories and
// symbolic links skipped. Each file found in a directory gets `include_root`, or when that is
// empty the git work tree holding it, else the directory given. Throws InputError for a path
// that does not exist or a directory that cannot be read.
std::vector<zone::ZoneFile> zone_files(const std::vector<std::string>& paths,
                                       const std::vector<std::string>& globs,
                                       const std::string& include_root);

} // namespace caapol::cli
