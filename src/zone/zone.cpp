#include "caapol/zone/zone.hpp"

#include "caapol/core/dns_name.hpp"

#include <algorithm>

namespace caapol::zone {

namespace {

std::uint64_t name_hash(std::string_view name) {
    std::uint64_t h = 14695981039346656037ull; // FNV-1a
    for (char c : name) {
        h ^= static_cast<unsigned char>(c);
        h *= 1099511628211ull;
    }
    return h;
}

} // namespace

std::string_view Arena::store(std::string_view text) {
    constexpr std::size_t block_size = 1 << 20;
    if (text.empty()) {
        return {};
    }
    if (text.size() > capacity_ - used_) {
        std::size_t size = std::max(block_size, text.size());
        blocks_.push_back(std::make_unique<char[]>(size));
        used_ = 0;
        capacity_ = size;
    }
    char* at = blocks_.back().get() + used_;
    std::copy(text.begin(), text.end(), at);
    used_ += text.size();
    return {at, text.size()};
}

std::uint32_t Zone::find_id(std::string_view name) const {
    if (slots_.empty()) {
        return no_entry;
    }
    std::size_t hash = std::hash<std::string_view>{}(name);
    auto tag = static_cast<std::uint32_t>(hash >> 32);
    std::size_t mask = slots_.size() - 1;
    for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
        std::uint64_t slot = slots_[i];
        if (slot == empty_slot) {
            return no_entry;
        }
        auto id = static_cast<std::uint32_t>(slot);
        if (static_cast<std::uint32_t>(slot >> 32) == tag && names[id].name == name) {
            return id;
        }
    }
}

const NameInfo* Zone::find(std::string_view name) const {
    std::uint32_t id = find_id(name);
    return id == no_entry ? nullptr : &names[id];
}

void Zone::insert_slot(std::uint32_t id) {
    std::size_t hash = std::hash<std::string_view>{}(names[id].name);
    std::size_t mask = slots_.size() - 1;
    std::size_t i = hash & mask;
    while (slots_[i] != empty_slot) {
        i = (i + 1) & mask;
    }
    slots_[i] = (static_cast<std::uint64_t>(hash >> 32) << 32) | id;
}

void Zone::grow_index() {
    std::size_t size = slots_.empty() ? 1024 : slots_.size() * 2;
    slots_.assign(size, empty_slot);
    for (std::uint32_t id = 0; id < names.size(); ++id) {
        insert_slot(id);
    }
}

std::uint32_t Zone::get_or_add(const std::string& name, Site site) {
    if (std::uint32_t id = find_id(name); id != no_entry) {
        return id;
    }
    if ((names.size() + 1) * 2 > slots_.size()) {
        grow_index();
    }
    auto id = static_cast<std::uint32_t>(names.size());
    NameInfo info;
    info.name = arena_.store(name);
    info.first = site;
    names.push_back(info);
    insert_slot(id);
    return id;
}

void Zone::add_caa(std::uint32_t name, std::uint32_t ttl, Site site, const caa::Record& record,
                   bool generic) {
    auto index = static_cast<std::uint32_t>(caa.size());
    CaaEntry entry;
    entry.name = name;
    entry.ttl = ttl;
    entry.site = site;
    entry.flags = record.flags;
    entry.generic = generic;
    entry.tag = arena_.store(record.tag);
    entry.value = arena_.store(record.value);
    caa.push_back(entry);
    NameInfo& info = names[name];
    if (info.caa_last == no_entry) {
        info.caa_first = index;
    } else {
        caa[info.caa_last].next = index;
    }
    info.caa_last = index;
}

std::vector<std::uint32_t> Zone::caa_of(const NameInfo& info) const {
    std::vector<std::uint32_t> out;
    for (std::uint32_t i = info.caa_first; i != no_entry; i = caa[i].next) {
        out.push_back(i);
    }
    return out;
}

std::size_t Zone::add_existing(std::string_view name) {
    // The name and every ancestor below the apex exist (ancestors as empty non-terminals,
    // flagged as parents).
    std::size_t handle = no_handle;
    std::uint64_t flags = 0;
    while (name.size() > origin.size()) {
        if (handle == no_handle) {
            handle = pending_.size();
        }
        pending_.push_back((name_hash(name) & ~flag_mask) | flags);
        flags = flag_parent;
        std::size_t dot = name.find('.');
        if (dot == std::string_view::npos) {
            break;
        }
        name.remove_prefix(dot + 1);
    }
    has_below_apex_ = has_below_apex_ || handle != no_handle;
    return handle;
}

void Zone::mark_data(std::size_t handle) {
    if (handle == no_handle) {
        apex_data_ = true;
    } else {
        pending_[handle] |= flag_data;
    }
}

void Zone::finish() {
    existing_.reserve(existing_.size() + pending_.size());
    existing_.insert(existing_.end(), pending_.begin(), pending_.end());
    pending_ = {};
    std::sort(existing_.begin(), existing_.end());
    // One entry per name: the flags of its entries merged.
    std::size_t out = 0;
    for (std::size_t i = 0; i < existing_.size(); ++i) {
        if (out > 0 && (existing_[out - 1] & ~flag_mask) == (existing_[i] & ~flag_mask)) {
            existing_[out - 1] |= existing_[i];
        } else {
            existing_[out++] = existing_[i];
        }
    }
    existing_.resize(out);
}

const std::uint64_t* Zone::lookup(std::string_view name) const {
    const std::uint64_t key = name_hash(name) & ~flag_mask;
    auto it = std::lower_bound(existing_.begin(), existing_.end(), key);
    if (it == existing_.end() || (*it & ~flag_mask) != key) {
        return nullptr;
    }
    return &*it;
}

bool Zone::exists(std::string_view name) const {
    if (name == origin) {
        return true;
    }
    if (!dns_name::is_at_or_below(name, origin)) {
        return false;
    }
    return lookup(name) != nullptr;
}

bool Zone::owns_data(std::string_view name) const {
    if (name == origin) {
        return apex_data_;
    }
    const std::uint64_t* entry = lookup(name);
    return entry != nullptr && (*entry & flag_data) != 0;
}

bool Zone::has_descendants(std::string_view name) const {
    if (name == origin) {
        return has_below_apex_;
    }
    const std::uint64_t* entry = lookup(name);
    return entry != nullptr && (*entry & flag_parent) != 0;
}

const Zone* ZoneSet::zone_for(std::string_view name) const {
    const Zone* best = nullptr;
    for (const auto& zone : zones) {
        if (dns_name::is_at_or_below(name, zone.origin) &&
            (best == nullptr || zone.origin.size() > best->origin.size())) {
            best = &zone;
        }
    }
    return best;
}

Zone* ZoneSet::find_origin(std::string_view origin) {
    for (auto& zone : zones) {
        if (zone.origin == origin) {
            return &zone;
        }
    }
    return nullptr;
}

Location ZoneSet::location(const Site& site) const {
    Location location;
    if (site.file < files.size()) {
        location.file = files[site.file];
    }
    location.line = site.line;
    location.column = site.column;
    return location;
}

std::size_t ZoneSet::record_count() const {
    std::size_t n = 0;
    for (const auto& zone : zones) {
        n += zone.record_count;
    }
    return n;
}

} // namespace caapol::zone
