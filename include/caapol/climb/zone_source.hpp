// A climb::Source over zone files loaded with zone::load_zones, answering as an authoritative
// server for those zones would:
//  - CNAME at the name -> alias (even when CAA records sit beside it: CNAME wins);
//  - DNAME at a proper ancestor -> alias to the substituted name (the owner is not redirected);
//  - CAA records at the name -> records (with file:line);
//  - a name that exists (owner of other records, or an empty non-terminal) -> empty;
//  - wildcard synthesis: "*.x" answers for names below x that do not exist;
//  - otherwise nxdomain;
//  - at or below a delegation cut (NS below the apex) -> failure, unless the child zone is
//    loaded too (the deepest loaded zone answers);
//  - a name outside every loaded zone -> failure ("outside every loaded zone").
#pragma once

#include "caapol/climb/source.hpp"
#include "caapol/zone/zone.hpp"

namespace caapol::climb {

class ZoneSource : public Source {
public:
    // `zones` must outlive the source.
    explicit ZoneSource(const zone::ZoneSet& zones) : zones_(zones) {}
    Answer lookup(const std::string& name) override;

private:
    const zone::ZoneSet& zones_;
};

} // namespace caapol::climb
