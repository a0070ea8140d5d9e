// DNSSEC validation with ldns's signature and NSEC primitives. The chain of trust is built
// label by label from the closest trust anchor: a DS query for every name between the anchor
// and a signer tells whether it is a zone cut (a signed DS RRset: the child's DNSKEY RRset is
// then fetched and matched), an insecure delegation (a signed NSEC/NSEC3 proof of no DS with
// the NS bit, or an opt-out span), or no cut at all (a proof without the NS bit, NXDOMAIN).
// Every state is cached per name, every verified signature per (RRset, RRSIG) in canonical
// form. Good signatures are checked with OpenSSL key objects built once per DNSKEY; the rest
// through ldns, whose status names the problem.
#include "caapol/dnssec/validator.hpp"

#include "caapol/core/dns_name.hpp"

#include <cstdio>
#include <cstdlib>
#include <ldns/ldns.h>
#include <memory>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <stdexcept>
#include <unordered_map>
#include <utility>

namespace caapol::dnssec {

namespace {

struct PktFree {
    void operator()(ldns_pkt* p) const { ldns_pkt_free(p); }
};
struct ListFree {
    void operator()(ldns_rr_list* l) const { ldns_rr_list_deep_free(l); }
};
struct RdfFree {
    void operator()(ldns_rdf* r) const { ldns_rdf_deep_free(r); }
};
using Pkt = std::unique_ptr<ldns_pkt, PktFree>;
using List = std::unique_ptr<ldns_rr_list, ListFree>;
using Rdf = std::unique_ptr<ldns_rdf, RdfFree>;
using SharedList = std::shared_ptr<ldns_rr_list>;
struct BufferFree {
    void operator()(ldns_buffer* b) const { ldns_buffer_free(b); }
};
using Buffer = std::unique_ptr<ldns_buffer, BufferFree>;
struct PkeyFree {
    void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
struct BnFree {
    void operator()(BIGNUM* b) const { BN_free(b); }
};
struct ParamBldFree {
    void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
    void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct PkeyCtxFree {
    void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};

SharedList shared_list() {
    return SharedList(ldns_rr_list_new(), ListFree{});
}

// The name's labels straight from its wire form, lower-cased, when every octet is one that
// ldns_rdf2str prints as itself (letters, digits, '-', '_', '*': host names); false otherwise.
bool plain_name(const ldns_rdf* rdf, std::string* out) {
    if (ldns_rdf_get_type(rdf) != LDNS_RDF_TYPE_DNAME) {
        return false;
    }
    const std::uint8_t* data = ldns_rdf_data(rdf);
    std::size_t size = ldns_rdf_size(rdf);
    out->reserve(size);
    std::size_t at = 0;
    while (at < size && data[at] != 0) {
        std::size_t length = data[at];
        if (length > 63 || at + 1 + length > size) {
            return false;
        }
        if (!out->empty()) {
            out->push_back('.');
        }
        for (std::size_t i = at + 1; i <= at + length; ++i) {
            char c = static_cast<char>(data[i]);
            if (c >= 'A' && c <= 'Z') {
                c = static_cast<char>(c - 'A' + 'a');
            } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                         c == '*')) {
                return false;
            }
            out->push_back(c);
        }
        at += 1 + length;
    }
    return true;
}

std::string name_of(const ldns_rdf* rdf) {
    if (rdf == nullptr) {
        return {};
    }
    if (std::string plain; plain_name(rdf, &plain)) {
        return plain; // the common case without ldns's printf-based printer
    }
    char* s = ldns_rdf2str(rdf);
    std::string out = s != nullptr ? s : "";
    std::free(s);
    return dns_name::normalize(out);
}

Rdf make_name(const std::string& name) {
    std::string text = name.empty() ? "." : name + ".";
    return Rdf(ldns_dname_new_frm_str(text.c_str()));
}

std::string type_text(std::uint16_t type) {
    char* s = ldns_rr_type2str(static_cast<ldns_rr_type>(type));
    std::string out = s != nullptr ? s : "TYPE" + std::to_string(type);
    std::free(s);
    return out;
}

std::uint16_t covered_type(const ldns_rr* sig) {
    return static_cast<std::uint16_t>(ldns_rdf2rr_type(ldns_rr_rrsig_typecovered(sig)));
}

std::uint16_t key_tag_of_sig(const ldns_rr* sig) {
    return ldns_rdf2native_int16(ldns_rr_rrsig_keytag(sig));
}

std::int64_t expiration_of(const ldns_rr* sig) {
    return static_cast<std::int64_t>(
        static_cast<std::uint32_t>(ldns_rdf2native_int32(ldns_rr_rrsig_expiration(sig))));
}

std::int64_t inception_of(const ldns_rr* sig) {
    return static_cast<std::int64_t>(
        static_cast<std::uint32_t>(ldns_rdf2native_int32(ldns_rr_rrsig_inception(sig))));
}

bool algorithm_supported(unsigned algorithm) {
    // RSASHA1, RSASHA1-NSEC3-SHA1, RSASHA256, RSASHA512, ECDSAP256SHA256, ECDSAP384SHA384,
    // ED25519, ED448: what ldns verifies with OpenSSL.
    switch (algorithm) {
    case 5:
    case 7:
    case 8:
    case 10:
    case 13:
    case 14:
    case 15:
    case 16:
        return true;
    default:
        return false;
    }
}

bool digest_supported(unsigned digest) {
    return digest == 1 || digest == 2 || digest == 4;
}

// The digest OpenSSL hashes the signed data with (RFC 5702, 6605, 8080); none for EdDSA.
const EVP_MD* digest_of(unsigned algorithm) {
    switch (algorithm) {
    case 5:
    case 7:
        return EVP_sha1();
    case 8:
    case 13:
        return EVP_sha256();
    case 10:
        return EVP_sha512();
    case 14:
        return EVP_sha384();
    default:
        return nullptr;
    }
}

// An RSA public key in RFC 3110 form (exponent length, exponent, modulus) as OpenSSL's key
// object; null when malformed.
Pkey rsa_public_key(const std::uint8_t* data, std::size_t size) {
    if (size == 0) {
        return nullptr;
    }
    std::size_t exponent_size = data[0];
    std::size_t at = 1;
    if (exponent_size == 0) {
        if (size < 3) {
            return nullptr;
        }
        exponent_size = (std::size_t{data[1]} << 8) | data[2];
        at = 3;
    }
    if (exponent_size == 0 || at + exponent_size >= size) {
        return nullptr;
    }
    std::unique_ptr<BIGNUM, BnFree> exponent(
        BN_bin2bn(data + at, static_cast<int>(exponent_size), nullptr));
    std::unique_ptr<BIGNUM, BnFree> modulus(
        BN_bin2bn(data + at + exponent_size, static_cast<int>(size - at - exponent_size), nullptr));
    std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> build(OSSL_PARAM_BLD_new());
    if (!exponent || !modulus || !build ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, modulus.get()) != 1 ||
        OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, exponent.get()) != 1) {
        return nullptr;
    }
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(build.get()));
    std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> context(
        EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
        return nullptr;
    }
    return Pkey(key);
}

// The public key of DNSKEY data `data` for `algorithm`, as OpenSSL's key object (built with
// ldns's converters where ldns has them); null when it cannot be used.
Pkey public_key_of(unsigned algorithm, const std::uint8_t* data, std::size_t size) {
    switch (algorithm) {
    case 5:
    case 7:
    case 8:
    case 10:
        return rsa_public_key(data, size);
    case 13:
    case 14:
        return Pkey(ldns_ecdsa2pkey_raw(data, size, static_cast<std::uint8_t>(algorithm)));
    case 15:
        return Pkey(ldns_ed255192pkey_raw(data, size));
    case 16:
        return Pkey(ldns_ed4482pkey_raw(data, size));
    default:
        return nullptr;
    }
}

// The data an RRSIG signs (RFC 4034 §3.1.8.1, §6.2), as ldns prepares it for its own check:
// the RRSIG RDATA without the signature, then the RRset with the original TTL, the owner
// lower-cased (and put back to the wildcard for an expansion), sorted canonically.
bool signed_data(const ldns_rr_list* rrs, const ldns_rr* sig, ldns_buffer* out) {
    if (ldns_rr_rd_count(sig) < 9 || ldns_rr_list_rr_count(rrs) == 0) {
        return false;
    }
    List clone(ldns_rr_list_clone(rrs));
    if (!clone) {
        return false;
    }
    std::uint32_t original_ttl = ldns_rdf2native_int32(ldns_rr_rrsig_origttl(sig));
    std::uint8_t labels = ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig));
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(clone.get()); ++i) {
        ldns_rr* rr = ldns_rr_list_rr(clone.get(), i);
        if (labels < ldns_dname_label_count(ldns_rr_owner(rr))) {
            Rdf closest(ldns_rdf_clone(ldns_rr_owner(rr)));
            while (closest && labels < ldns_dname_label_count(closest.get())) {
                closest.reset(ldns_dname_left_chop(closest.get()));
            }
            ldns_rdf* wildcard = nullptr;
            if (!closest || ldns_str2rdf_dname(&wildcard, "*") != LDNS_STATUS_OK ||
                ldns_dname_cat(wildcard, closest.get()) != LDNS_STATUS_OK) {
                ldns_rdf_deep_free(wildcard);
                return false;
            }
            ldns_rdf_deep_free(ldns_rr_owner(rr));
            ldns_rr_set_owner(rr, wildcard);
        }
        ldns_rr_set_ttl(rr, original_ttl);
        ldns_rr2canonical(rr);
    }
    ldns_rr_list_sort(clone.get());
    ldns_buffer_clear(out);
    return ldns_rrsig2buffer_wire(out, sig) == LDNS_STATUS_OK &&
           ldns_rr_list2buffer_wire(out, clone.get()) == LDNS_STATUS_OK;
}

bool timestamps_valid(const ldns_rr* sig, std::int64_t now) {
    // Serial number arithmetic (RFC 4034 §3.1.5), as ldns compares them.
    auto inception = static_cast<std::int32_t>(inception_of(sig));
    auto expiration = static_cast<std::int32_t>(expiration_of(sig));
    auto at = static_cast<std::int32_t>(now);
    return static_cast<std::int32_t>(static_cast<std::uint32_t>(expiration) -
                                     static_cast<std::uint32_t>(inception)) >= 0 &&
           static_cast<std::int32_t>(static_cast<std::uint32_t>(at) -
                                     static_cast<std::uint32_t>(inception)) >= 0 &&
           static_cast<std::int32_t>(static_cast<std::uint32_t>(expiration) -
                                     static_cast<std::uint32_t>(at)) >= 0;
}

// An RRset of one section with the RRSIGs covering it.
struct Set {
    std::string owner;
    std::uint16_t type = 0;
    SharedList rrs = shared_list();
    SharedList sigs = shared_list();
};
using Sets = std::vector<std::shared_ptr<Set>>;

// The section's records grouped, taken out of the packet (not copied: the section is left
// empty).
Sets group(ldns_rr_list* section) {
    Sets sets;
    if (section == nullptr) {
        return sets;
    }
    for (std::size_t i = 0; i < ldns_rr_list_rr_count(section); ++i) {
        ldns_rr* rr = ldns_rr_list_rr(section, i);
        if (ldns_rr_get_class(rr) != LDNS_RR_CLASS_IN) {
            ldns_rr_free(rr);
            continue;
        }
        bool is_sig = ldns_rr_get_type(rr) == LDNS_RR_TYPE_RRSIG;
        std::uint16_t type =
            is_sig ? covered_type(rr) : static_cast<std::uint16_t>(ldns_rr_get_type(rr));
        std::string owner = name_of(ldns_rr_owner(rr));
        std::shared_ptr<Set> set;
        for (auto& s : sets) {
            if (s->type == type && s->owner == owner) {
                set = s;
                break;
            }
        }
        if (!set) {
            set = std::make_shared<Set>();
            set->owner = owner;
            set->type = type;
            sets.push_back(set);
        }
        ldns_rr_list_push_rr(is_sig ? set->sigs.get() : set->rrs.get(), rr);
    }
    ldns_rr_list_set_rr_count(section, 0);
    return sets;
}

std::shared_ptr<Set> find(const Sets& sets, const std::string& owner, std::uint16_t type) {
    for (const auto& s : sets) {
        if (s->type == type && s->owner == owner && ldns_rr_list_rr_count(s->rrs.get()) > 0) {
            return s;
        }
    }
    return nullptr;
}

// The deepest common ancestor of two normalized names.
std::string common_ancestor(const std::string& a, const std::string& b) {
    std::string out;
    std::size_t i = a.size();
    std::size_t j = b.size();
    while (true) {
        std::size_t da = i == 0 ? std::string::npos : a.rfind('.', i - 1);
        std::size_t db = j == 0 ? std::string::npos : b.rfind('.', j - 1);
        std::size_t sa = da == std::string::npos ? 0 : da + 1;
        std::size_t sb = db == std::string::npos ? 0 : db + 1;
        if (i == 0 || j == 0 || a.compare(sa, i - sa, b, sb, j - sb) != 0) {
            break;
        }
        out = a.substr(sa);
        if (da == std::string::npos || db == std::string::npos) {
            break;
        }
        i = da;
        j = db;
    }
    return out;
}

std::string child_towards(const std::string& ancestor, const std::string& name) {
    // The name one label below `ancestor` on the way to `name`.
    std::string rest = ancestor.empty() ? name : name.substr(0, name.size() - ancestor.size() - 1);
    std::size_t dot = rest.rfind('.');
    std::string label = dot == std::string::npos ? rest : rest.substr(dot + 1);
    return ancestor.empty() ? label : label + "." + ancestor;
}

std::string wildcard_of(const std::string& name) {
    return name.empty() ? "*" : "*." + name;
}

struct Check {
    bool ok = false;
    std::string why;
    std::int64_t expires = 0;
    std::uint16_t tag = 0;
};

enum class Proof { nodata, nodata_delegation, nxdomain, optout, failed };

struct Denial {
    Proof proof = Proof::failed;
    std::string why;
    const char* via = "NSEC";
};

bool has_type(const ldns_rr* nsec, std::uint16_t type) {
    ldns_rdf* bitmap = ldns_nsec_get_bitmap(nsec);
    return bitmap != nullptr &&
           ldns_nsec_bitmap_covers_type(bitmap, static_cast<ldns_rr_type>(type));
}

bool covers(const ldns_rr* nsec, const std::string& name) {
    Rdf rdf = make_name(name);
    return rdf != nullptr && ldns_nsec_covers_name(nsec, rdf.get());
}

// The NSEC3 owner name `name` hashes to with the parameters of `nsec3`.
std::string nsec3_hashed(const ldns_rr* nsec3, const std::string& name, const std::string& zone) {
    Rdf rdf = make_name(name);
    if (rdf == nullptr) {
        return {};
    }
    Rdf hashed(ldns_nsec3_hash_name_frm_nsec3(nsec3, rdf.get()));
    if (hashed == nullptr) {
        return {};
    }
    std::string label = name_of(hashed.get());
    if (std::size_t dot = label.find('.'); dot != std::string::npos) {
        label.resize(dot);
    }
    return zone.empty() ? label : label + "." + zone;
}

struct Nsec3Proof {
    const std::vector<const ldns_rr*>& records;
    const std::string& zone;

    const ldns_rr* match(const std::string& name) const {
        for (const ldns_rr* n : records) {
            if (name_of(ldns_rr_owner(n)) == nsec3_hashed(n, name, zone)) {
                return n;
            }
        }
        return nullptr;
    }
    const ldns_rr* cover(const std::string& name) const {
        for (const ldns_rr* n : records) {
            std::string hashed = nsec3_hashed(n, name, zone);
            if (!hashed.empty() && name_of(ldns_rr_owner(n)) != hashed && covers(n, hashed)) {
                return n;
            }
        }
        return nullptr;
    }
    // The closest encloser of `name` (an ancestor with a matching NSEC3), "" with *found false.
    std::string closest_encloser(const std::string& name, bool* found) const {
        std::string candidate = name;
        while (true) {
            if (candidate != name && match(candidate) != nullptr) {
                *found = true;
                return candidate;
            }
            if (candidate == zone || candidate.empty()) {
                break;
            }
            candidate = dns_name::parent(candidate);
        }
        *found = false;
        return {};
    }
};

// Whether the (already verified) NSEC/NSEC3 records prove that `name` has no `type` (rcode
// NOERROR) or does not exist (NXDOMAIN), in `zone`.
Denial deny(const std::string& name, std::uint16_t type, bool nxdomain, const Sets& sets,
            const std::string& zone) {
    std::vector<const ldns_rr*> nsecs;
    std::vector<const ldns_rr*> nsec3s;
    for (const auto& s : sets) {
        for (std::size_t i = 0; i < ldns_rr_list_rr_count(s->rrs.get()); ++i) {
            const ldns_rr* rr = ldns_rr_list_rr(s->rrs.get(), i);
            if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC) {
                nsecs.push_back(rr);
            } else if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC3) {
                nsec3s.push_back(rr);
            }
        }
    }
    const std::string what = type_text(type) + " of " + (name.empty() ? "." : name);
    Denial d;
    if (!nsecs.empty()) {
        d.via = "NSEC";
        if (!nxdomain) {
            for (const ldns_rr* n : nsecs) {
                if (name_of(ldns_rr_owner(n)) != name) {
                    continue;
                }
                if (has_type(n, type) || (type != LDNS_RR_TYPE_DS && has_type(n, 5))) {
                    d.why = "the NSEC at " + name + " says " + what + " exists";
                    return d;
                }
                d.proof = has_type(n, LDNS_RR_TYPE_NS) && !has_type(n, LDNS_RR_TYPE_SOA)
                              ? Proof::nodata_delegation
                              : Proof::nodata;
                return d;
            }
            for (const ldns_rr* n : nsecs) {
                // An empty non-terminal: the next name lies below `name`.
                std::string next = name_of(ldns_rr_rdf(n, 0));
                if (covers(n, name) && next != name && dns_name::is_at_or_below(next, name)) {
                    d.proof = Proof::nodata;
                    return d;
                }
            }
            d.why = "NSEC proof does not cover " + what;
            return d;
        }
        const ldns_rr* cover = nullptr;
        for (const ldns_rr* n : nsecs) {
            if (name_of(ldns_rr_owner(n)) != name && covers(n, name)) {
                cover = n;
                break;
            }
        }
        if (cover == nullptr) {
            d.why = "NSEC proof does not cover " + name;
            return d;
        }
        std::string a = common_ancestor(name, name_of(ldns_rr_owner(cover)));
        std::string b = common_ancestor(name, name_of(ldns_rr_rdf(cover, 0)));
        std::string ce = a.size() > b.size() ? a : b;
        std::string wildcard = wildcard_of(ce);
        for (const ldns_rr* n : nsecs) {
            if (name_of(ldns_rr_owner(n)) == wildcard) {
                d.why = "the wildcard " + wildcard + " exists";
                return d;
            }
            if (covers(n, wildcard)) {
                d.proof = Proof::nxdomain;
                return d;
            }
        }
        d.why = "NSEC proof does not cover the wildcard " + wildcard;
        return d;
    }
    if (!nsec3s.empty()) {
        d.via = "NSEC3";
        Nsec3Proof p{nsec3s, zone};
        if (!nxdomain) {
            if (const ldns_rr* m = p.match(name)) {
                if (has_type(m, type) || (type != LDNS_RR_TYPE_DS && has_type(m, 5))) {
                    d.why = "the NSEC3 of " + name + " says " + what + " exists";
                    return d;
                }
                d.proof = has_type(m, LDNS_RR_TYPE_NS) && !has_type(m, LDNS_RR_TYPE_SOA)
                              ? Proof::nodata_delegation
                              : Proof::nodata;
                return d;
            }
        }
        bool found = false;
        std::string ce = p.closest_encloser(name, &found);
        if (!found) {
            d.why = "NSEC3 proof does not cover " + what + " (no closest encloser)";
            return d;
        }
        std::string next_closer = child_towards(ce, name);
        const ldns_rr* cover = p.cover(next_closer);
        if (cover == nullptr) {
            d.why =
                "NSEC3 proof does not cover " + what + " (next closer name " + next_closer + ")";
            return d;
        }
        if (ldns_nsec3_optout(cover)) {
            d.proof = Proof::optout;
            return d;
        }
        if (!nxdomain) {
            d.why = "NSEC3 proof does not cover " + what;
            return d;
        }
        if (p.cover(wildcard_of(ce)) == nullptr) {
            d.why = "NSEC3 proof does not cover the wildcard " + wildcard_of(ce);
            return d;
        }
        d.proof = Proof::nxdomain;
        return d;
    }
    d.why = "no NSEC or NSEC3 records deny " + what;
    return d;
}

// A wildcard expansion (RFC 4035 §5.3.4, RFC 5155 §8.8): the (verified) NSEC/NSEC3 records
// must show that `name` itself does not exist: an NSEC covering it, or an NSEC3 covering the
// next closer name (the ancestor one label below the closest encloser, which has
// `encloser_labels` labels).
bool proves_expansion(const std::string& name, std::size_t encloser_labels, const Sets& sets,
                      const std::string& zone, std::string* why) {
    std::string next_closer = name;
    while (dns_name::label_count(next_closer) > encloser_labels + 1) {
        next_closer = dns_name::parent(next_closer);
    }
    std::vector<const ldns_rr*> nsec3s;
    for (const auto& s : sets) {
        for (std::size_t i = 0; i < ldns_rr_list_rr_count(s->rrs.get()); ++i) {
            const ldns_rr* rr = ldns_rr_list_rr(s->rrs.get(), i);
            if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC && name_of(ldns_rr_owner(rr)) != name &&
                covers(rr, name)) {
                return true;
            }
            if (ldns_rr_get_type(rr) == LDNS_RR_TYPE_NSEC3) {
                nsec3s.push_back(rr);
            }
        }
    }
    if (!nsec3s.empty() && Nsec3Proof{nsec3s, zone}.cover(next_closer) != nullptr) {
        return true;
    }
    *why = nsec3s.empty() ? "no NSEC covers it" : "NSEC3 proof does not cover " + next_closer;
    return false;
}

struct Chain {
    enum class Kind { pending, secure, insecure, indeterminate, bogus, error };
    Kind kind = Kind::pending;
    bool started = false;
    std::string apex; // secure: the apex of the zone the name is in
    SharedList keys;  // secure: that zone's validated DNSKEY RRset
    std::string reason;
    std::int64_t expires = 0;
    std::string expiring;
    std::vector<std::function<void(const Chain&)>> waiters;
};

Status status_of(const Chain& c) {
    Status s;
    switch (c.kind) {
    case Chain::Kind::secure:
        s.state = State::secure;
        break;
    case Chain::Kind::insecure:
        s.state = State::insecure;
        break;
    case Chain::Kind::indeterminate:
        s.state = State::indeterminate;
        break;
    case Chain::Kind::bogus:
        s.state = State::bogus;
        break;
    case Chain::Kind::pending:
    case Chain::Kind::error:
        s.state = State::error;
        break;
    }
    s.reason = c.reason;
    s.expires = c.expires;
    s.expiring = c.expiring;
    return s;
}

void note_expiry(std::int64_t* expires, std::string* what, std::int64_t when,
                 const std::string& text) {
    if (when != 0 && (*expires == 0 || when < *expires)) {
        *expires = when;
        *what = text;
    }
}

} // namespace

bool parse_mode(const std::string& text, Mode* mode) {
    if (text == "validate") {
        *mode = Mode::validate;
    } else if (text == "off") {
        *mode = Mode::off;
    } else if (text == "require") {
        *mode = Mode::require;
    } else {
        return false;
    }
    return true;
}

struct Validator::Impl {
    Options options;
    Fetcher fetcher;
    std::int64_t now = 0;
    std::unordered_map<std::string, SharedList> anchors; // owner -> DS/DNSKEY records
    std::unordered_map<std::string, Chain> chains;
    std::unordered_map<std::string, Check> verified;
    std::uint64_t signatures_verified = 0;
    // OpenSSL key objects by algorithm and DNSKEY public key, built once per run (key null:
    // not usable); building one costs more than a verification. For RSA and ECDSA a context
    // set up for verification too (setting one up costs a third of an RSA verification).
    struct KeyObject {
        Pkey key;
        std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> verifier;
    };
    std::unordered_map<std::string, KeyObject> public_keys;
    Buffer data_buffer{ldns_buffer_new(LDNS_MAX_PACKETLEN)};
    Buffer signature_buffer{ldns_buffer_new(LDNS_MAX_PACKETLEN)};
    std::unique_ptr<EVP_MD_CTX, MdCtxFree> digest_context{EVP_MD_CTX_new()};

    static void append_wire(std::string* out, const ldns_rr* rr) {
        std::size_t size = 0;
        std::uint8_t* wire = nullptr;
        if (ldns_rr2wire(&wire, rr, LDNS_SECTION_ANSWER, &size) == LDNS_STATUS_OK) {
            out->append(reinterpret_cast<const char*>(wire), size);
            std::free(wire);
        }
    }

    const KeyObject& public_key(unsigned algorithm, const ldns_rdf* data) {
        std::string id(1, static_cast<char>(algorithm));
        id.append(reinterpret_cast<const char*>(ldns_rdf_data(data)), ldns_rdf_size(data));
        auto it = public_keys.find(id);
        if (it != public_keys.end()) {
            return it->second;
        }
        KeyObject object;
        object.key = public_key_of(algorithm, ldns_rdf_data(data), ldns_rdf_size(data));
        if (object.key && digest_of(algorithm) != nullptr) {
            object.verifier.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, object.key.get(), nullptr));
            if (object.verifier &&
                (EVP_PKEY_verify_init(object.verifier.get()) != 1 ||
                 EVP_PKEY_CTX_set_signature_md(object.verifier.get(), digest_of(algorithm)) != 1)) {
                object.verifier.reset();
                ERR_clear_error();
            }
        }
        return public_keys.emplace(std::move(id), std::move(object)).first->second;
    }

    // Whether `sig` over `data` (from signed_data) verifies with one of `keys` of its key tag
    // and algorithm, as ldns would find: the cryptography in OpenSSL, each key object cached.
    bool verifies_with_cached_key(const ldns_rr* sig, unsigned algorithm, std::uint16_t tag,
                                  const ldns_rr_list* keys, const ldns_buffer* data) {
        const ldns_rdf* signature = ldns_rr_rrsig_sig(sig);
        if (signature == nullptr || keys == nullptr || !digest_context) {
            return false;
        }
        const unsigned char* bytes = ldns_rdf_data(signature);
        std::size_t size = ldns_rdf_size(signature);
        if (algorithm == 13 || algorithm == 14) {
            // OpenSSL takes ECDSA signatures DER-encoded, the DNS as r and s (RFC 6605 §4).
            ldns_buffer_clear(signature_buffer.get());
            if (ldns_convert_ecdsa_rrsig_rdf2asn1(signature_buffer.get(), signature) !=
                LDNS_STATUS_OK) {
                return false;
            }
            bytes = ldns_buffer_begin(signature_buffer.get());
            size = ldns_buffer_position(signature_buffer.get());
        }
        for (std::size_t i = 0; i < ldns_rr_list_rr_count(keys); ++i) {
            const ldns_rr* key = ldns_rr_list_rr(keys, i);
            if (ldns_rr_get_type(key) != LDNS_RR_TYPE_DNSKEY || ldns_rr_rd_count(key) < 4 ||
                ldns_rdf2native_int8(ldns_rr_rdf(key, 2)) != algorithm ||
                ldns_calc_keytag(key) != tag) {
                continue;
            }
            const KeyObject& object = public_key(algorithm, ldns_rr_rdf(key, 3));
            if (!object.key) {
                continue;
            }
            if (object.verifier) {
                // The digest of the signed data, then the signature over it.
                unsigned char digest[EVP_MAX_MD_SIZE];
                unsigned int digest_size = 0;
                if (EVP_Digest(ldns_buffer_begin(data), ldns_buffer_position(data), digest,
                               &digest_size, digest_of(algorithm), nullptr) == 1 &&
                    EVP_PKEY_verify(object.verifier.get(), bytes, size, digest, digest_size) == 1) {
                    return true;
                }
            } else {
                // EdDSA signs the data itself, in one call.
                EVP_MD_CTX_reset(digest_context.get());
                if (EVP_DigestVerifyInit(digest_context.get(), nullptr, nullptr, nullptr,
                                         object.key.get()) == 1 &&
                    EVP_DigestVerify(digest_context.get(), bytes, size, ldns_buffer_begin(data),
                                     ldns_buffer_position(data)) == 1) {
                    return true;
                }
            }
            ERR_clear_error(); // ldns, asked next, reads OpenSSL's error queue
        }
        return false;
    }

    void load_anchors(const std::string& path) {
        FILE* fp = std::fopen(path.c_str(), "r");
        if (fp == nullptr) {
            throw std::runtime_error(path + ": cannot read the trust anchor file");
        }
        std::uint32_t ttl = 3600;
        ldns_rdf* origin = nullptr;
        ldns_rdf* prev = nullptr;
        int line = 1;
        std::size_t count = 0;
        std::string problem;
        while (!std::feof(fp)) {
            ldns_rr* rr = nullptr;
            ldns_status status = ldns_rr_new_frm_fp_l(&rr, fp, &ttl, &origin, &prev, &line);
            if (status == LDNS_STATUS_SYNTAX_EMPTY || status == LDNS_STATUS_SYNTAX_TTL ||
                status == LDNS_STATUS_SYNTAX_ORIGIN || status == LDNS_STATUS_SYNTAX_INCLUDE) {
                continue;
            }
            // ldns counts the newline that ended the record: its line is the one before.
            const std::string at = path + ":" + std::to_string(line > 1 ? line - 1 : 1);
            if (status != LDNS_STATUS_OK) {
                problem = at + ": not a DS or DNSKEY record: " + ldns_get_errorstr_by_id(status);
                break;
            }
            ldns_rr_type type = ldns_rr_get_type(rr);
            if (type != LDNS_RR_TYPE_DS && type != LDNS_RR_TYPE_DNSKEY) {
                ldns_rr_free(rr);
                problem = at + ": a trust anchor must be a DS or DNSKEY record";
                break;
            }
            std::string owner = name_of(ldns_rr_owner(rr));
            auto& list = anchors[owner];
            if (!list) {
                list = shared_list();
            }
            ldns_rr_list_push_rr(list.get(), rr);
            ++count;
        }
        if (origin != nullptr) {
            ldns_rdf_deep_free(origin);
        }
        if (prev != nullptr) {
            ldns_rdf_deep_free(prev);
        }
        std::fclose(fp);
        if (!problem.empty()) {
            throw std::runtime_error(problem);
        }
        if (count == 0) {
            throw std::runtime_error(path + ": no DS or DNSKEY record in the trust anchor file");
        }
    }

    // Verifies `set` with `keys` (DNSKEYs of `apex`), each (RRset, RRSIG) once per run.
    Check verify(const Set& set, const ldns_rr_list* keys, const std::string& apex) {
        Check result;
        std::size_t count = ldns_rr_list_rr_count(set.sigs.get());
        if (count == 0) {
            result.why = "no RRSIG";
            return result;
        }
        std::string best_why;
        for (std::size_t i = 0; i < count; ++i) {
            const ldns_rr* sig = ldns_rr_list_rr(set.sigs.get(), i);
            std::uint16_t tag = key_tag_of_sig(sig);
            std::string signer = name_of(ldns_rr_rrsig_signame(sig));
            unsigned algorithm = ldns_rdf2native_int8(ldns_rr_rrsig_algorithm(sig));
            std::string why;
            if (signer != apex) {
                why = "signed by " + (signer.empty() ? std::string(".") : signer) +
                      ", not by the zone " + (apex.empty() ? std::string(".") : apex);
            } else if (!algorithm_supported(algorithm)) {
                why = "signature algorithm " + std::to_string(algorithm) + " is not supported";
            } else {
                // The cache key: the signed data in canonical form (answers differ in letter
                // case, 0x20 and name compression), the signature, the zone.
                std::string key;
                bool prepared = signed_data(set.rrs.get(), sig, data_buffer.get());
                if (prepared) {
                    key.assign(reinterpret_cast<const char*>(ldns_buffer_begin(data_buffer.get())),
                               ldns_buffer_position(data_buffer.get()));
                } else {
                    key.assign("\xff\xff", 2); // unusual data: left to ldns below
                    append_wire(&key, sig);
                    for (std::size_t r = 0; r < ldns_rr_list_rr_count(set.rrs.get()); ++r) {
                        append_wire(&key, ldns_rr_list_rr(set.rrs.get(), r));
                    }
                }
                const ldns_rdf* signature = ldns_rr_rrsig_sig(sig);
                if (signature != nullptr) {
                    key.append(reinterpret_cast<const char*>(ldns_rdf_data(signature)),
                               ldns_rdf_size(signature));
                }
                key += '\0';
                key += apex;
                auto cached = verified.find(key);
                Check one;
                if (cached != verified.end()) {
                    one = cached->second;
                } else {
                    ++signatures_verified;
                    one.tag = tag;
                    // The common case, a good signature, with the run's cached OpenSSL keys;
                    // anything else goes through ldns, whose status names the problem.
                    if (prepared && timestamps_valid(sig, now) &&
                        verifies_with_cached_key(sig, algorithm, tag, keys, data_buffer.get())) {
                        one.ok = true;
                        one.expires = expiration_of(sig);
                    } else {
                        List good(ldns_rr_list_new());
                        ldns_status status = ldns_verify_rrsig_keylist_time(
                            set.rrs.get(), sig, keys, static_cast<time_t>(now), good.get());
                        ldns_rr_list_free(good.release()); // the keys belong to `keys`
                        if (status == LDNS_STATUS_OK) {
                            one.ok = true;
                            one.expires = expiration_of(sig);
                        } else if (status == LDNS_STATUS_CRYPTO_SIG_EXPIRED) {
                            one.why = "signature expired " + date_text(expiration_of(sig)) +
                                      " (key tag " + std::to_string(tag) + ")";
                        } else if (status == LDNS_STATUS_CRYPTO_SIG_NOT_INCEPTED) {
                            one.why = "signature not yet valid, until " +
                                      date_text(inception_of(sig)) + " (key tag " +
                                      std::to_string(tag) + ")";
                        } else if (status == LDNS_STATUS_CRYPTO_NO_MATCHING_KEYTAG_DNSKEY ||
                                   status == LDNS_STATUS_CRYPTO_NO_DNSKEY) {
                            one.why = "no DNSKEY with key tag " + std::to_string(tag);
                        } else {
                            one.why = "signature does not verify (key tag " + std::to_string(tag) +
                                      ": " + ldns_get_errorstr_by_id(status) + ")";
                        }
                    }
                    verified.emplace(std::move(key), one);
                }
                if (one.ok) {
                    if (!result.ok || one.expires > result.expires) {
                        result = one;
                    }
                    continue;
                }
                why = one.why;
            }
            if (best_why.empty()) {
                best_why = why;
            }
        }
        if (!result.ok) {
            result.why = best_why;
        }
        return result;
    }

    void settle(const std::string& name, Chain value) {
        Chain& c = chains[name];
        std::vector<std::function<void(const Chain&)>> waiters = std::move(c.waiters);
        c.kind = value.kind;
        c.apex = std::move(value.apex);
        c.keys = std::move(value.keys);
        c.reason = std::move(value.reason);
        c.expires = value.expires;
        c.expiring = std::move(value.expiring);
        c.waiters.clear();
        for (auto& waiter : waiters) {
            waiter(c);
        }
    }

    static Chain fail(Chain::Kind kind, std::string reason) {
        Chain c;
        c.kind = kind;
        c.reason = std::move(reason);
        return c;
    }

    static Chain copy_of(const Chain& parent) {
        Chain c;
        c.kind = parent.kind;
        c.apex = parent.apex;
        c.keys = parent.keys;
        c.reason = parent.reason;
        c.expires = parent.expires;
        c.expiring = parent.expiring;
        return c;
    }

    // The state of the zone that holds `name`, built from the closest anchor down.
    void resolve(const std::string& name, std::function<void(const Chain&)> done) {
        Chain& c = chains[name];
        if (c.kind != Chain::Kind::pending) {
            done(c);
            return;
        }
        c.waiters.push_back(std::move(done));
        if (c.started) {
            return;
        }
        c.started = true;
        auto anchor = anchors.find(name);
        if (anchor != anchors.end()) {
            SharedList trusted = anchor->second;
            fetcher(name, type_dnskey,
                    [this, name, trusted](std::string_view wire, const std::string& server,
                                          const std::string& error) {
                        settle(name, on_dnskey(name, trusted, 0, {}, wire, server, error));
                    });
            return;
        }
        if (name.empty()) {
            settle(name, fail(Chain::Kind::indeterminate, "no trust anchor covers it"));
            return;
        }
        resolve(dns_name::parent(name),
                [this, name](const Chain& parent) { on_parent(name, parent); });
    }

    void on_parent(const std::string& name, const Chain& parent) {
        if (parent.kind != Chain::Kind::secure) {
            settle(name, copy_of(parent));
            return;
        }
        auto context = std::make_shared<Chain>(copy_of(parent));
        fetcher(name, type_ds,
                [this, name, context](std::string_view wire, const std::string& server,
                                      const std::string& error) {
                    on_ds(name, *context, wire, server, error);
                });
    }

    Pkt parse(std::string_view wire) {
        ldns_pkt* pkt = nullptr;
        if (ldns_wire2pkt(&pkt, reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size()) !=
            LDNS_STATUS_OK) {
            return nullptr;
        }
        return Pkt(pkt);
    }

    // Fetch outcome in words; nullopt-like empty string when `pkt` is usable.
    static std::string fetch_problem(const Pkt& pkt, std::string_view wire,
                                     const std::string& error) {
        if (wire.empty()) {
            return error.empty() ? "no answer" : error;
        }
        if (pkt == nullptr) {
            return "malformed answer";
        }
        ldns_pkt_rcode rcode = ldns_pkt_get_rcode(pkt.get());
        if (rcode != LDNS_RCODE_NOERROR && rcode != LDNS_RCODE_NXDOMAIN) {
            char* text = ldns_pkt_rcode2str(rcode);
            std::string out = std::string("the server answered ") + (text ? text : "an error");
            std::free(text);
            return out;
        }
        return {};
    }

    void on_ds(const std::string& name, const Chain& parent, std::string_view wire,
               const std::string& server, const std::string& error) {
        Pkt pkt = parse(wire);
        std::string problem = fetch_problem(pkt, wire, error);
        if (!problem.empty()) {
            settle(name, fail(Chain::Kind::error,
                              "DS lookup of " + name + " failed at " + server + ": " + problem));
            return;
        }
        Sets answer = group(ldns_pkt_answer(pkt.get()));
        Sets authority = group(ldns_pkt_authority(pkt.get()));
        bool nxdomain = ldns_pkt_get_rcode(pkt.get()) == LDNS_RCODE_NXDOMAIN;
        if (auto ds = find(answer, name, LDNS_RR_TYPE_DS); ds && !nxdomain) {
            Check check = verify(*ds, parent.keys.get(), parent.apex);
            if (!check.ok) {
                settle(name, fail(Chain::Kind::bogus,
                                  "DS RRset of " + name + ": " + check.why + ", from " + server));
                return;
            }
            bool usable = false;
            for (std::size_t i = 0; i < ldns_rr_list_rr_count(ds->rrs.get()); ++i) {
                const ldns_rr* rr = ldns_rr_list_rr(ds->rrs.get(), i);
                usable = usable || (algorithm_supported(ldns_rdf2native_int8(ldns_rr_rdf(rr, 1))) &&
                                    digest_supported(ldns_rdf2native_int8(ldns_rr_rdf(rr, 2))));
            }
            if (!usable) {
                Chain c = fail(Chain::Kind::insecure,
                               "the DS of " + name + " uses no supported algorithm or digest");
                settle(name, std::move(c));
                return;
            }
            std::int64_t expires = parent.expires;
            std::string expiring = parent.expiring;
            note_expiry(&expires, &expiring, check.expires,
                        "RRSIG over DS of " + name + " (key tag " + std::to_string(check.tag) +
                            ")");
            SharedList trusted = ds->rrs;
            fetcher(name, type_dnskey,
                    [this, name, trusted, expires,
                     expiring](std::string_view w, const std::string& s, const std::string& e) {
                        settle(name, on_dnskey(name, trusted, expires, expiring, w, s, e));
                    });
            return;
        }
        if (auto cname = find(answer, name, LDNS_RR_TYPE_CNAME); cname && !nxdomain) {
            Check check = verify(*cname, parent.keys.get(), parent.apex);
            settle(name, check.ok ? copy_of(parent)
                                  : fail(Chain::Kind::bogus, "CNAME RRset of " + name + ": " +
                                                                 check.why + ", from " + server));
            return;
        }
        std::string why;
        if (!verify_denial_sets(authority, parent, &why)) {
            settle(name, fail(Chain::Kind::bogus,
                              "no DS for " + name + ", and " + why + ", from " + server));
            return;
        }
        Denial d = deny(name, LDNS_RR_TYPE_DS, nxdomain, authority, parent.apex);
        switch (d.proof) {
        case Proof::nodata:
        case Proof::nxdomain:
            settle(name, copy_of(parent)); // not a zone cut
            return;
        case Proof::nodata_delegation:
            settle(name, fail(Chain::Kind::insecure,
                              name + " is delegated without DS (proven by " + d.via + ")"));
            return;
        case Proof::optout:
            settle(name, fail(Chain::Kind::insecure,
                              name + " lies in an NSEC3 opt-out span of " + parent.apex));
            return;
        case Proof::failed:
            settle(name, fail(Chain::Kind::bogus,
                              "no DS for " + name + ", and " + d.why + ", from " + server));
            return;
        }
    }

    // Verifies every NSEC/NSEC3 RRset (and the SOA) of an authority section with the zone's
    // keys; false with *why when one does not.
    bool verify_denial_sets(const Sets& authority, const Chain& zone, std::string* why) {
        bool any = false;
        for (const auto& s : authority) {
            if (s->type != LDNS_RR_TYPE_NSEC && s->type != LDNS_RR_TYPE_NSEC3 &&
                s->type != LDNS_RR_TYPE_SOA) {
                continue;
            }
            if (ldns_rr_list_rr_count(s->rrs.get()) == 0) {
                continue;
            }
            any = any || s->type != LDNS_RR_TYPE_SOA;
            Check check = verify(*s, zone.keys.get(), zone.apex);
            if (!check.ok) {
                *why = type_text(s->type) + " RRset of " + (s->owner.empty() ? "." : s->owner) +
                       ": " + check.why;
                return false;
            }
        }
        if (!any) {
            *why = "no signed NSEC or NSEC3 proof";
            return false;
        }
        return true;
    }

    Chain on_dnskey(const std::string& name, const SharedList& trusted, std::int64_t expires,
                    std::string expiring, std::string_view wire, const std::string& server,
                    const std::string& error) {
        Pkt pkt = parse(wire);
        std::string problem = fetch_problem(pkt, wire, error);
        const std::string shown = name.empty() ? "." : name;
        if (!problem.empty()) {
            return fail(Chain::Kind::error,
                        "DNSKEY lookup of " + shown + " failed at " + server + ": " + problem);
        }
        Sets answer = group(ldns_pkt_answer(pkt.get()));
        auto keys = find(answer, name, LDNS_RR_TYPE_DNSKEY);
        if (!keys) {
            return fail(Chain::Kind::bogus, "no DNSKEY RRset at " + shown + ", from " + server);
        }
        List matching(ldns_rr_list_new());
        std::string key_tags;
        for (std::size_t i = 0; i < ldns_rr_list_rr_count(keys->rrs.get()); ++i) {
            const ldns_rr* key = ldns_rr_list_rr(keys->rrs.get(), i);
            key_tags += (key_tags.empty() ? "" : ", ") + std::to_string(ldns_calc_keytag(key));
            bool match = false;
            for (std::size_t j = 0; j < ldns_rr_list_rr_count(trusted.get()); ++j) {
                const ldns_rr* t = ldns_rr_list_rr(trusted.get(), j);
                if (ldns_rr_get_type(t) == LDNS_RR_TYPE_DS) {
                    match = match || ldns_rr_compare_ds(key, t);
                } else {
                    match = match || ldns_rr_compare(key, t) == 0 ||
                            (ldns_rdf_compare(ldns_rr_rdf(key, 3), ldns_rr_rdf(t, 3)) == 0 &&
                             ldns_rdf_compare(ldns_rr_rdf(key, 2), ldns_rr_rdf(t, 2)) == 0);
                }
            }
            if (match) {
                ldns_rr_list_push_rr(matching.get(), ldns_rr_clone(key));
            }
        }
        if (ldns_rr_list_rr_count(matching.get()) == 0) {
            std::string ds_tags;
            for (std::size_t j = 0; j < ldns_rr_list_rr_count(trusted.get()); ++j) {
                const ldns_rr* t = ldns_rr_list_rr(trusted.get(), j);
                std::string tag = ldns_rr_get_type(t) == LDNS_RR_TYPE_DS
                                      ? std::to_string(ldns_rdf2native_int16(ldns_rr_rdf(t, 0)))
                                      : std::to_string(ldns_calc_keytag(t));
                ds_tags += (ds_tags.empty() ? "" : ", ") + tag;
            }
            return fail(Chain::Kind::bogus, "no DS matches DNSKEY " + key_tags + " (zone " + shown +
                                                ", DS key tag " + ds_tags + "), from " + server);
        }
        Check check = verify(*keys, matching.get(), name);
        if (!check.ok) {
            return fail(Chain::Kind::bogus,
                        "DNSKEY RRset of " + shown + ": " + check.why + ", from " + server);
        }
        Chain c;
        c.kind = Chain::Kind::secure;
        c.apex = name;
        c.keys = keys->rrs;
        c.expires = expires;
        c.expiring = std::move(expiring);
        note_expiry(&c.expires, &c.expiring, check.expires,
                    "RRSIG over DNSKEY of " + shown + " (key tag " + std::to_string(check.tag) +
                        ")");
        return c;
    }

    struct Join {
        Status status;
        std::size_t pending = 1;
        std::function<void(Status)> done;
        Mode mode = Mode::validate;
        void add(const Status& s) {
            combine(status, s);
            finish_one();
        }
        void finish_one() {
            if (--pending != 0) {
                return;
            }
            status.fatal = status.state == State::bogus || status.state == State::error ||
                           (status.state == State::indeterminate && mode == Mode::require);
            if (status.state == State::off) {
                status.state = State::secure; // nothing to check (cannot happen for answers)
            }
            auto callback = std::move(done);
            callback(std::move(status));
        }
    };

    // One RRset of the answer: signed by a secure zone apex, or in an insecure zone.
    void check_rrset(const std::shared_ptr<Join>& join, std::shared_ptr<Set> set, Sets authority,
                     const std::string& server) {
        ++join->pending;
        const std::string what = type_text(set->type) + " RRset of " + set->owner;
        if (ldns_rr_list_rr_count(set->sigs.get()) == 0) {
            resolve(set->owner, [join, what, server](const Chain& c) {
                Status s = status_of(c);
                if (c.kind == Chain::Kind::secure) {
                    s.state = State::bogus;
                    s.reason = what + " has no RRSIG (missing signature) though " +
                               (c.apex.empty() ? std::string(".") : c.apex) + " is signed, from " +
                               server;
                    s.expires = 0;
                }
                join->add(s);
            });
            return;
        }
        const ldns_rr* sig = ldns_rr_list_rr(set->sigs.get(), 0);
        std::string signer = name_of(ldns_rr_rrsig_signame(sig));
        if (!dns_name::is_at_or_below(set->owner, signer)) {
            Status s;
            s.state = State::bogus;
            s.reason = what + " is signed by " + signer + ", which is not above it, from " + server;
            join->add(s);
            return;
        }
        unsigned labels = ldns_rdf2native_int8(ldns_rr_rrsig_labels(sig));
        std::size_t owner_labels = dns_name::label_count(set->owner);
        bool expanded = labels < owner_labels && set->owner.rfind("*.", 0) != 0;
        resolve(signer, [this, join, set, what, signer, server, expanded, labels,
                         authority](const Chain& c) {
            Status s = status_of(c);
            if (c.kind == Chain::Kind::secure) {
                if (c.apex != signer) {
                    s.state = State::bogus;
                    s.reason = what + " is signed by " + signer +
                               ", which is not a zone apex, from " + server;
                    s.expires = 0;
                    join->add(s);
                    return;
                }
                Check check = verify(*set, c.keys.get(), c.apex);
                if (!check.ok) {
                    s.state = State::bogus;
                    s.reason = what + ": " + check.why + ", from " + server;
                    s.expires = 0;
                    join->add(s);
                    return;
                }
                if (expanded) {
                    // A wildcard expansion: the name itself must be proven not to exist.
                    std::string why;
                    bool ok = verify_denial_sets(authority, c, &why);
                    if (ok) {
                        ok = proves_expansion(set->owner, labels, authority, c.apex, &why);
                    }
                    if (!ok) {
                        s.state = State::bogus;
                        s.reason = what + " comes from a wildcard without proof that " +
                                   set->owner + " does not exist (" + why + "), from " + server;
                        s.expires = 0;
                        join->add(s);
                        return;
                    }
                }
                note_expiry(&s.expires, &s.expiring, check.expires,
                            "RRSIG over " + what + " (key tag " + std::to_string(check.tag) + ")");
            }
            join->add(s);
        });
    }

    // The denial of `final` (NODATA or NXDOMAIN) in the authority section.
    void check_denial(const std::shared_ptr<Join>& join, const std::string& final,
                      std::uint16_t qtype, bool nxdomain, Sets authority,
                      const std::string& server) {
        ++join->pending;
        std::string signer;
        bool have_signer = false;
        for (const auto& s : authority) {
            if ((s->type == LDNS_RR_TYPE_SOA || s->type == LDNS_RR_TYPE_NSEC ||
                 s->type == LDNS_RR_TYPE_NSEC3) &&
                ldns_rr_list_rr_count(s->sigs.get()) > 0) {
                signer = name_of(ldns_rr_rrsig_signame(ldns_rr_list_rr(s->sigs.get(), 0)));
                have_signer = true;
                break;
            }
        }
        const std::string what =
            (nxdomain ? "NXDOMAIN for " : "NODATA for ") + final + " " + type_text(qtype);
        if (!have_signer) {
            resolve(final, [join, what, server](const Chain& c) {
                Status s = status_of(c);
                if (c.kind == Chain::Kind::secure) {
                    s.state = State::bogus;
                    s.reason = what + " comes without a signed NSEC or NSEC3 proof though " +
                               (c.apex.empty() ? std::string(".") : c.apex) +
                               " is signed (missing signature), from " + server;
                    s.expires = 0;
                }
                join->add(s);
            });
            return;
        }
        resolve(signer, [this, join, final, qtype, nxdomain, authority, signer, what,
                         server](const Chain& c) {
            Status s = status_of(c);
            if (c.kind != Chain::Kind::secure) {
                join->add(s);
                return;
            }
            auto bogus = [&](const std::string& why) {
                s.state = State::bogus;
                s.reason = what + ": " + why + ", from " + server;
                s.expires = 0;
                join->add(s);
            };
            if (c.apex != signer) {
                bogus("signed by " + signer + ", which is not a zone apex");
                return;
            }
            if (!dns_name::is_at_or_below(final, signer)) {
                bogus("the proof comes from " + signer + ", which is not above it");
                return;
            }
            std::string why;
            if (!verify_denial_sets(authority, c, &why)) {
                bogus(why);
                return;
            }
            Denial d = deny(final, qtype, nxdomain, authority, c.apex);
            if (d.proof == Proof::failed) {
                bogus(d.why);
                return;
            }
            if (d.proof == Proof::optout) {
                s.state = State::insecure;
                s.reason = final + " lies in an NSEC3 opt-out span of " + signer;
                join->add(s);
                return;
            }
            for (const auto& set : authority) {
                if (set->type == LDNS_RR_TYPE_NSEC || set->type == LDNS_RR_TYPE_NSEC3 ||
                    set->type == LDNS_RR_TYPE_SOA) {
                    for (std::size_t i = 0; i < ldns_rr_list_rr_count(set->sigs.get()); ++i) {
                        const ldns_rr* sig = ldns_rr_list_rr(set->sigs.get(), i);
                        note_expiry(&s.expires, &s.expiring, expiration_of(sig),
                                    "RRSIG over " + type_text(set->type) + " of " +
                                        (set->owner.empty() ? std::string(".") : set->owner) +
                                        " (key tag " + std::to_string(key_tag_of_sig(sig)) + ")");
                    }
                }
            }
            join->add(s);
        });
    }

    void validate(std::string_view wire, const std::string& qname, std::uint16_t qtype,
                  const std::string& server, std::function<void(Status)> done) {
        auto join = std::make_shared<Join>();
        join->done = std::move(done);
        join->mode = options.mode;
        Pkt pkt = parse(wire);
        if (pkt == nullptr) {
            Status s;
            s.state = State::error;
            s.reason = "malformed answer from " + server;
            join->add(s);
            return;
        }
        bool nxdomain = ldns_pkt_get_rcode(pkt.get()) == LDNS_RCODE_NXDOMAIN;
        Sets answer = group(ldns_pkt_answer(pkt.get()));
        Sets authority = group(ldns_pkt_authority(pkt.get()));
        std::string current = dns_name::normalize(qname);
        bool aliased = false;
        bool found = false;
        for (std::size_t hop = 0; hop <= 32; ++hop) {
            if (auto data = find(answer, current, qtype)) {
                check_rrset(join, data, authority, server);
                found = true;
                break;
            }
            std::shared_ptr<Set> dname;
            for (const auto& s : answer) {
                if (s->type == LDNS_RR_TYPE_DNAME && s->owner != current &&
                    dns_name::is_at_or_below(current, s->owner) &&
                    ldns_rr_list_rr_count(s->rrs.get()) > 0) {
                    dname = s;
                    break;
                }
            }
            std::string next;
            if (dname) {
                check_rrset(join, dname, authority, server);
                std::string target = name_of(ldns_rr_rdf(ldns_rr_list_rr(dname->rrs.get(), 0), 0));
                std::string prefix =
                    dname->owner.empty()
                        ? current
                        : current.substr(0, current.size() - dname->owner.size() - 1);
                next = target.empty() ? prefix : prefix + "." + target;
            } else if (auto cname = find(answer, current, LDNS_RR_TYPE_CNAME)) {
                check_rrset(join, cname, authority, server);
                next = name_of(ldns_rr_rdf(ldns_rr_list_rr(cname->rrs.get(), 0), 0));
            }
            if (next.empty() || next == current) {
                break;
            }
            current = next;
            aliased = true;
        }
        if (!found) {
            bool has_soa = false;
            for (const auto& s : authority) {
                has_soa = has_soa || (s->type == LDNS_RR_TYPE_SOA &&
                                      dns_name::is_at_or_below(current, s->owner));
            }
            bool nsec = false;
            for (const auto& s : authority) {
                nsec = nsec || s->type == LDNS_RR_TYPE_NSEC || s->type == LDNS_RR_TYPE_NSEC3;
            }
            // An alias target the server did not resolve (out of its zones) is asked next by
            // the climber: nothing to deny here.
            if (!aliased || has_soa || nsec || nxdomain) {
                check_denial(join, current, qtype, nxdomain, authority, server);
            }
        }
        join->finish_one();
    }
};

Validator::Validator(const Options& options, Fetcher fetcher) : impl_(std::make_unique<Impl>()) {
    impl_->options = options;
    impl_->fetcher = std::move(fetcher);
    impl_->now = options.now != 0 ? options.now : static_cast<std::int64_t>(std::time(nullptr));
    std::vector<std::string> files = options.trust_anchor_files;
    if (files.empty()) {
        files.push_back(default_trust_anchor);
    }
    for (const auto& file : files) {
        impl_->load_anchors(file);
    }
}

Validator::~Validator() = default;

void Validator::validate(std::string_view wire, const std::string& qname, std::uint16_t qtype,
                         const std::string& server, std::function<void(Status)> done) {
    impl_->validate(wire, qname, qtype, server, std::move(done));
}

std::int64_t Validator::now() const {
    return impl_->now;
}
Mode Validator::mode() const {
    return impl_->options.mode;
}
std::uint64_t Validator::signatures_verified() const {
    return impl_->signatures_verified;
}

} // namespace caapol::dnssec
