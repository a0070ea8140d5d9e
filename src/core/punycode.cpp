#include "caapol/core/punycode.hpp"

#include <cstdint>
#include <vector>

namespace caapol::punycode {

namespace {

// RFC 3492 section 5: the bootstring parameters of Punycode.
constexpr std::uint32_t base = 36;
constexpr std::uint32_t tmin = 1;
constexpr std::uint32_t tmax = 26;
constexpr std::uint32_t skew = 38;
constexpr std::uint32_t damp = 700;
constexpr std::uint32_t initial_bias = 72;
constexpr std::uint32_t initial_n = 0x80;

// Code points of `s`, or nullopt when it is not valid UTF-8 (overlong forms, surrogates and
// values above U+10FFFF refused).
std::optional<std::vector<std::uint32_t>> decode_utf8(std::string_view s) {
    std::vector<std::uint32_t> out;
    for (std::size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        std::uint32_t min = 0;
        if (c < 0x80) {
            len = 1;
            cp = c;
        } else if (c >= 0xc2 && c <= 0xdf) {
            len = 2;
            cp = c & 0x1fu;
            min = 0x80;
        } else if (c >= 0xe0 && c <= 0xef) {
            len = 3;
            cp = c & 0x0fu;
            min = 0x800;
        } else if (c >= 0xf0 && c <= 0xf4) {
            len = 4;
            cp = c & 0x07u;
            min = 0x10000;
        } else {
            return std::nullopt;
        }
        if (i + len > s.size()) {
            return std::nullopt;
        }
        for (std::size_t k = 1; k < len; ++k) {
            auto next = static_cast<unsigned char>(s[i + k]);
            if ((next & 0xc0) != 0x80) {
                return std::nullopt;
            }
            cp = (cp << 6) | (next & 0x3fu);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
            return std::nullopt;
        }
        out.push_back(cp);
        i += len;
    }
    return out;
}

char digit(std::uint32_t d) {
    return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26));
}

// RFC 3492 section 6.1.
std::uint32_t adapt(std::uint32_t delta, std::uint32_t points, bool first) {
    delta = first ? delta / damp : delta / 2;
    delta += delta / points;
    std::uint32_t k = 0;
    while (delta > ((base - tmin) * tmax) / 2) {
        delta /= base - tmin;
        k += base;
    }
    return k + (base - tmin + 1) * delta / (delta + skew);
}

} // namespace

std::optional<std::string> encode(std::string_view utf8) {
    auto decoded = decode_utf8(utf8);
    if (!decoded) {
        return std::nullopt;
    }
    const std::vector<std::uint32_t>& input = *decoded;
    std::string out;
    for (std::uint32_t cp : input) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        }
    }
    const auto basic = static_cast<std::uint32_t>(out.size());
    std::uint32_t handled = basic;
    if (basic > 0) {
        out += '-';
    }
    // RFC 3492 section 6.3, with the overflow checks it asks for.
    std::uint32_t n = initial_n;
    std::uint32_t delta = 0;
    std::uint32_t bias = initial_bias;
    constexpr std::uint32_t max = UINT32_MAX;
    while (handled < input.size()) {
        std::uint32_t m = max;
        for (std::uint32_t cp : input) {
            if (cp >= n && cp < m) {
                m = cp;
            }
        }
        if (m - n > (max - delta) / (handled + 1)) {
            return std::nullopt;
        }
        delta += (m - n) * (handled + 1);
        n = m;
        for (std::uint32_t cp : input) {
            if (cp < n && ++delta == 0) {
                return std::nullopt;
            }
            if (cp != n) {
                continue;
            }
            std::uint32_t q = delta;
            for (std::uint32_t k = base;; k += base) {
                std::uint32_t t = k <= bias ? tmin : k >= bias + tmax ? tmax : k - bias;
                if (q < t) {
                    break;
                }
                out += digit(t + (q - t) % (base - t));
                q = (q - t) / (base - t);
            }
            out += digit(q);
            bias = adapt(delta, handled + 1, handled == basic);
            delta = 0;
            ++handled;
        }
        ++delta;
        ++n;
    }
    return out;
}

std::optional<std::string> to_ascii(std::string_view name) {
    std::string out;
    std::size_t start = 0;
    for (;;) {
        std::size_t dot = name.find('.', start);
        std::string_view label = name.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        bool ascii = true;
        std::string lowered;
        for (char c : label) {
            if (static_cast<unsigned char>(c) >= 0x80) {
                ascii = false;
            }
            lowered += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        }
        if (ascii) {
            out += lowered;
        } else {
            auto encoded = encode(lowered);
            if (!encoded) {
                return std::nullopt;
            }
            out += "xn--" + *encoded;
        }
        if (dot == std::string_view::npos) {
            break;
        }
        out += '.';
        start = dot + 1;
    }
    return out;
}

} // namespace caapol::punycode
