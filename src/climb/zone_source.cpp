#include "caapol/climb/zone_source.hpp"

#include "caapol/core/dns_name.hpp"

#include <optional>

namespace caapol::climb {

namespace {

std::string where(const zone::ZoneSet& zones, const zone::Site& site) {
    return format_location(zones.location(site));
}

Answer records_at(const zone::ZoneSet& zones, const zone::Zone& z, const zone::NameInfo& info) {
    Answer answer;
    answer.kind = AnswerKind::records;
    for (std::uint32_t index = info.caa_first; index != zone::no_entry; index = z.caa[index].next) {
        const zone::CaaEntry& entry = z.caa[index];
        answer.records.push_back(
            SourcedRecord{entry.record(), entry.ttl, zones.location(entry.site)});
    }
    return answer;
}

} // namespace

Answer ZoneSource::lookup(const std::string& name) {
    Answer answer;
    const zone::Zone* z = zones_.zone_for(name);
    if (z == nullptr) {
        answer.kind = AnswerKind::failure;
        answer.server = "zone files";
        answer.reason = dns_name::absolute(name) + " is outside every loaded zone";
        return answer;
    }
    const std::string server = zones_.location(zone::Site{z->first_record.file, 0, 0}).file;

    // Walk down from the apex: a cut sends the query elsewhere, a DNAME above the name
    // rewrites it.
    if (z->has_cuts() || z->has_dnames()) {
        std::vector<std::size_t> starts; // where each ancestor below the apex starts in `name`
        for (std::size_t pos = 0; pos < name.size();) {
            std::string_view suffix(name.data() + pos, name.size() - pos);
            if (suffix.size() <= z->origin.size()) {
                break;
            }
            starts.push_back(pos);
            std::size_t dot = pos + dns_name::first_label_end(std::string_view(name).substr(pos));
            if (dot >= name.size()) {
                break;
            }
            pos = dot + 1;
        }
        auto dname_alias = [&](const zone::NameInfo& info) {
            const zone::Alias& dname = z->aliases[static_cast<std::size_t>(info.dname)];
            Answer alias;
            alias.kind = AnswerKind::alias;
            alias.server = server;
            alias.reason = "DNAME " + dns_name::absolute(info.name) + " -> " +
                           dns_name::absolute(dname.target) + " at " + where(zones_, dname.site);
            std::optional<std::string> target =
                dns_name::substitute_dname(name, info.name, dname.target);
            if (!target) {
                alias.kind = AnswerKind::failure;
                alias.reason = "the DNAME at " + dns_name::absolute(info.name) +
                               " makes the name longer than 255 octets (YXDOMAIN)";
            } else {
                alias.target = std::move(*target);
            }
            return alias;
        };
        if (name != z->origin) {
            if (const auto* apex = z->find(z->origin); apex != nullptr && apex->dname >= 0) {
                return dname_alias(*apex);
            }
        }
        for (auto it = starts.rbegin(); it != starts.rend(); ++it) {
            std::string_view ancestor(name.data() + *it, name.size() - *it);
            const zone::NameInfo* info = z->find(ancestor);
            if (info == nullptr) {
                continue;
            }
            if (info->has_ns) {
                answer.kind = AnswerKind::failure;
                answer.server = server;
                answer.reason = dns_name::absolute(name) + " is at or below the delegation to " +
                                dns_name::absolute(info->name) + " (" +
                                where(zones_, info->ns_site) + "), whose zone is not loaded";
                return answer;
            }
            if (info->dname >= 0 && *it != 0) {
                return dname_alias(*info);
            }
        }
    }

    const zone::NameInfo* info = z->find(name);
    if (info != nullptr && info->cname >= 0) {
        const zone::Alias& cname = z->aliases[static_cast<std::size_t>(info->cname)];
        answer.kind = AnswerKind::alias;
        answer.target = cname.target;
        answer.server = server;
        answer.reason = "CNAME at " + where(zones_, cname.site);
        return answer;
    }
    if (info != nullptr && info->has_caa()) {
        answer = records_at(zones_, *z, *info);
        answer.server = server;
        return answer;
    }
    answer.server = server;
    if (z->exists(name)) {
        answer.kind = AnswerKind::empty;
        return answer;
    }
    if (z->has_wildcards()) {
        // RFC 4592: the closest encloser's "*" child answers for names that do not exist.
        std::string encloser = dns_name::parent(name);
        while (!z->exists(encloser)) {
            encloser = dns_name::parent(encloser);
        }
        std::string wildcard = encloser.empty() ? "*" : "*." + encloser;
        if (z->exists(wildcard)) {
            const zone::NameInfo* w = z->find(wildcard);
            if (w != nullptr && w->cname >= 0) {
                const zone::Alias& cname = z->aliases[static_cast<std::size_t>(w->cname)];
                answer.kind = AnswerKind::alias;
                answer.target = cname.target;
                answer.reason = "CNAME synthesized from " + dns_name::absolute(wildcard) + " at " +
                                where(zones_, cname.site);
                return answer;
            }
            if (w != nullptr && w->has_caa()) {
                answer = records_at(zones_, *z, *w);
                answer.server = server;
                answer.owner = wildcard;
                answer.reason = "synthesized from " + dns_name::absolute(wildcard);
                return answer;
            }
            answer.kind = AnswerKind::empty;
            answer.reason = "synthesized from " + dns_name::absolute(wildcard);
            return answer;
        }
    }
    answer.kind = AnswerKind::nxdomain;
    return answer;
}

} // namespace caapol::climb
