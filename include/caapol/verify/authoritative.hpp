// verify --authoritative and --fix's wildcard probes, over live DNS.
#pragma once

#include "caapol/climb/live_source.hpp"
#include "caapol/diff/diff.hpp"
#include "caapol/dnssec/validator.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace caapol::verify {

// Each name's zone (the closest enclosing name with an SOA of its own, through `resolvers`),
// the addresses of every NS of the zone, each server's SOA serial, then one climb per (name,
// server) straight at the server (names outside its zone, and referrals, through the
// resolvers): one result per name, in the order of `names`, each server's view listed.
// `dnssec` (nullptr: off) validates each server's answers on their own.
std::vector<diff::NameResult> check_authoritative(const diff::Expectations& expectations,
                                                  const std::vector<std::string>& names,
                                                  climb::LiveLookups& lookups,
                                                  const climb::Route& resolvers, std::uint16_t port,
                                                  const dnssec::Options* dnssec);

// A resolver's answer does not say whether a wildcard synthesized it: for each drifted name
// whose set was found at the name itself, the wildcard owners between its policy domain and
// the name are asked, and the first (from the top) that holds the same set becomes found_at
// (--fix then changes that owner, not the name).
void find_wildcard_owners(std::vector<diff::NameResult>& results, climb::LiveLookups& lookups,
                          const climb::Route& route);

} // namespace caapol::verify
