#include "caapol/dns/message.hpp"
#include "caapol/dns/server.hpp"

#include <cstdio>
#include <doctest/doctest.h>
#include <fstream>

using namespace caapol;
using namespace caapol::dns;

namespace {

std::string name_wire(const std::string& name) {
    std::string out;
    std::size_t start = 0;
    while (start < name.size()) {
        std::size_t dot = name.find('.', start);
        if (dot == std::string::npos) {
            dot = name.size();
        }
        out.push_back(static_cast<char>(dot - start));
        out += name.substr(start, dot - start);
        start = dot + 1;
    }
    out.push_back('\0');
    return out;
}

std::string u16(unsigned v) {
    return std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xff)};
}
std::string u32(unsigned v) {
    return u16(v >> 16) + u16(v & 0xffff);
}

std::string rr(const std::string& owner, unsigned type, const std::string& rdata,
               unsigned ttl = 300) {
    return name_wire(owner) + u16(type) + u16(1) + u32(ttl) +
           u16(static_cast<unsigned>(rdata.size())) + rdata;
}

std::string caa_rdata(unsigned flags, const std::string& tag, const std::string& value) {
    return std::string{static_cast<char>(flags), static_cast<char>(tag.size())} + tag + value;
}

// A response to "NAME CAA" with the given sections.
std::string response(const std::string& name, unsigned rcode,
                     const std::vector<std::string>& answer,
                     const std::vector<std::string>& authority = {}, bool aa = true,
                     unsigned id = 0x1234) {
    unsigned flags = 0x8000 | (aa ? 0x0400 : 0) | rcode;
    std::string out = u16(id) + u16(flags) + u16(1) + u16(static_cast<unsigned>(answer.size())) +
                      u16(static_cast<unsigned>(authority.size())) + u16(0);
    out += name_wire(name) + u16(257) + u16(1);
    for (const auto& a : answer) {
        out += a;
    }
    for (const auto& a : authority) {
        out += a;
    }
    return out;
}

std::string soa(const std::string& zone) {
    return rr(zone, type_soa,
              name_wire("ns1." + zone) + name_wire("hostmaster." + zone) + u32(7) + u32(3600) +
                  u32(600) + u32(86400) + u32(60));
}

} // namespace

TEST_SUITE("dns") {
    TEST_CASE("parse_server accepts IPv4, IPv6 and ports") {
        std::string error;
        auto a = parse_server("192.0.2.1", 53, &error);
        REQUIRE(a);
        CHECK(a->display() == "192.0.2.1@53");
        auto b = parse_server("127.0.0.1@5353", 53, &error);
        REQUIRE(b);
        CHECK(b->port == 5353);
        auto c = parse_server("::1@5300", 53, &error);
        REQUIRE(c);
        CHECK(c->address == "::1");
        CHECK(c->port == 5300);
        auto d = parse_server("[2001:db8::1]:853", 53, &error);
        REQUIRE(d);
        CHECK(d->address == "2001:db8::1");
        CHECK(d->port == 853);
    }

    TEST_CASE("parse_server refuses names, bad ports and junk") {
        std::string error;
        CHECK_FALSE(parse_server("dns.example", 53, &error));
        CHECK(error.find("not a numeric") != std::string::npos);
        CHECK_FALSE(parse_server("127.0.0.1@0", 53, &error));
        CHECK_FALSE(parse_server("127.0.0.1@65536", 53, &error));
        CHECK_FALSE(parse_server("127.0.0.1@", 53, &error));
        CHECK_FALSE(parse_server("[::1", 53, &error));
        CHECK_FALSE(parse_server("[::1]x", 53, &error));
    }

    TEST_CASE("read_resolv_conf keeps nameserver lines") {
        std::string path = std::string(CAAPOL_TEST_DATA) + "/dns/resolv.conf";
        auto servers = read_resolv_conf(path);
        REQUIRE(servers.size() == 2);
        CHECK(servers[0].display() == "192.0.2.53@53");
        CHECK(servers[1].display() == "2001:db8::53@53");
        CHECK(read_resolv_conf("/nonexistent/resolv.conf").empty());
    }

    TEST_CASE("build_query writes RD, the question and an EDNS0 OPT with 1232 bytes") {
        std::string error;
        auto wire = build_query(0xbeef, "Example.COM", type_caa, true, &error);
        REQUIRE(wire);
        auto header = read_header(*wire);
        REQUIRE(header);
        CHECK(header->id == 0xbeef);
        CHECK_FALSE(header->is_response);
        CHECK(((static_cast<unsigned char>((*wire)[2]) & 0x01) != 0)); // RD
        CHECK(header->question_type == type_caa);
        CHECK(header->question_wire == name_wire("Example.COM"));
        CHECK(wire->substr(wire->size() - 11) ==
              std::string("\0\0\x29\x04\xd0\0\0\0\0\0\0", 11)); // OPT, payload 1232
        auto norec = build_query(1, "example.com", type_soa, false, &error);
        REQUIRE(norec);
        CHECK((static_cast<unsigned char>((*norec)[2]) & 0x01) == 0);
    }

    TEST_CASE("build_query reads escapes and refuses bad names") {
        std::string error;
        auto wire = build_query(1, "a\\046b.example", type_caa, true, &error);
        REQUIRE(wire);
        CHECK(read_header(*wire)->question_wire == std::string("\x03"
                                                               "a.b\x07"
                                                               "example\0",
                                                               13));
        CHECK_FALSE(build_query(1, "a..example", type_caa, true, &error));
        CHECK_FALSE(build_query(1, std::string(64, 'a') + ".example", type_caa, true, &error));
        CHECK_FALSE(build_query(1, "a\\999.example", type_caa, true, &error));
    }

    TEST_CASE("build_query_into writes over a reused buffer what build_query returns") {
        std::string error;
        std::string buffer = std::string(300, 'x'); // a longer query before, in the same buffer
        REQUIRE(build_query_into(buffer, 0x0102, "b.Example", type_caa, true, &error, true));
        auto fresh = build_query(0x0102, "b.Example", type_caa, true, &error, true);
        REQUIRE(fresh);
        CHECK(buffer == *fresh);
        CHECK_FALSE(build_query_into(buffer, 1, "a..example", type_caa, true, &error));
        CHECK(error.find("empty or over-long label") != std::string::npos);
    }

    TEST_CASE("mismatch: wrong ID, not a response, other question") {
        std::string error;
        // Headers view the message they were read from: keep the messages alive.
        auto query_wire = build_query(0x1234, "a.example", type_caa, true, &error);
        auto query = read_header(*query_wire);
        auto good_wire = response("A.EXAMPLE", rcode_noerror, {});
        auto good = read_header(good_wire);
        CHECK(mismatch(*query, *good).empty()); // names compare ignoring case
        CHECK(mismatch(*query, *read_header(response("a.example", 0, {}, {}, true, 0x1235))) ==
              "wrong ID");
        CHECK(mismatch(*query, *read_header(response("b.example", 0, {}))) ==
              "answer to another question");
        std::string not_response = response("a.example", 0, {});
        not_response[2] = 0;
        CHECK(mismatch(*query, *read_header(not_response)) == "not a response");
        CHECK_FALSE(read_header("short"));
    }

    TEST_CASE("interpret_caa: records, with the aliases followed") {
        auto answer = interpret_caa(
            response("www.example", 0,
                     {rr("www.example", type_cname, name_wire("cdn.example")),
                      rr("cdn.example", type_caa, caa_rdata(0, "issue", "ca.example"), 60)}),
            "www.example", "192.0.2.1@53");
        CHECK(answer.kind == CaaKind::records);
        REQUIRE(answer.records.size() == 1);
        CHECK(answer.records[0].record.value == "ca.example");
        CHECK(answer.records[0].ttl == 60);
        CHECK(answer.aliases == std::vector<std::string>{"cdn.example"});
        CHECK(answer.server == "192.0.2.1@53");
    }

    TEST_CASE("interpret_caa: DNAME synthesis") {
        auto answer = interpret_caa(
            response("x.old.example", 0,
                     {rr("old.example", type_dname, name_wire("new.example")),
                      rr("x.new.example", type_caa, caa_rdata(0, "issue", "ca.example"))}),
            "x.old.example", "s");
        CHECK(answer.kind == CaaKind::records);
        CHECK(answer.aliases == std::vector<std::string>{"x.new.example"});
    }

    TEST_CASE("interpret_caa: a chain ending without data") {
        // NODATA for the target (its zone's SOA): empty.
        auto nodata = interpret_caa(response("a.example", 0,
                                             {rr("a.example", type_cname, name_wire("b.other"))},
                                             {soa("other")}),
                                    "a.example", "s");
        CHECK(nodata.kind == CaaKind::empty);
        // An authoritative server that does not serve the target: query the target next.
        auto out_of_zone = interpret_caa(
            response("a.example", 0, {rr("a.example", type_cname, name_wire("b.other"))}),
            "a.example", "s");
        CHECK(out_of_zone.kind == CaaKind::alias);
        CHECK(out_of_zone.target == "b.other");
        CHECK(out_of_zone.aliases.empty());
        // NXDOMAIN at the end of a chain.
        auto nx = interpret_caa(
            response("a.example", 3, {rr("a.example", type_cname, name_wire("b.other"))}),
            "a.example", "s");
        CHECK(nx.kind == CaaKind::nxdomain);
    }

    TEST_CASE("interpret_caa: NODATA, NXDOMAIN, referral") {
        CHECK(
            interpret_caa(response("a.example", 0, {}, {soa("example")}), "a.example", "s").kind ==
            CaaKind::empty);
        CHECK(
            interpret_caa(response("a.example", 3, {}, {soa("example")}), "a.example", "s").kind ==
            CaaKind::nxdomain);
        auto referral = interpret_caa(
            response("a.child.example", 0, {},
                     {rr("child.example", type_ns, name_wire("ns.child.example"))}, false),
            "a.child.example", "s");
        CHECK(referral.referral);
        CHECK(referral.kind == CaaKind::failure);
    }

    TEST_CASE("interpret_caa: error RCODEs and malformed data are failures") {
        for (unsigned rcode : {1u, 2u, 4u, 5u, 9u}) {
            auto a = interpret_caa(response("a.example", rcode, {}), "a.example", "192.0.2.1@53");
            CHECK(a.kind == CaaKind::failure);
            CHECK(a.reason.find(rcode_name(rcode)) != std::string::npos);
            CHECK(a.server == "192.0.2.1@53");
        }
        CHECK(interpret_caa("\x12\x34garbage", "a.example", "s").kind == CaaKind::failure);
        auto empty_tag = interpret_caa(
            response("a.example", 0, {rr("a.example", type_caa, caa_rdata(0, "", "x"))}),
            "a.example", "s");
        CHECK(empty_tag.kind == CaaKind::failure);
        CHECK(empty_tag.reason.find("does not parse") != std::string::npos);
    }

    TEST_CASE("interpret_caa: answers one after another share nothing") {
        // The records of an answer are read into buffers kept for the next: a long answer, then
        // shorter ones, each read as if alone.
        auto three = interpret_caa(response("long-name-of-the-first.example", 0,
                                            {rr("long-name-of-the-first.example", type_caa,
                                                caa_rdata(0, "issue", "one.example")),
                                             rr("long-name-of-the-first.example", type_caa,
                                                caa_rdata(0, "issue", "two.example")),
                                             rr("long-name-of-the-first.example", type_caa,
                                                caa_rdata(0, "iodef", "mailto:x@example"))}),
                                   "long-name-of-the-first.example", "s");
        REQUIRE(three.records.size() == 3);
        CHECK(three.records[2].record.value == "mailto:x@example");
        auto again =
            interpret_caa(response("long-name-of-the-first.example", 0, {}, {soa("example")}),
                          "long-name-of-the-first.example", "s");
        CHECK(again.kind == CaaKind::empty); // nothing left over from the answer before
        CHECK(again.records.empty());
        auto nodata =
            interpret_caa(response("b.example", 0, {}, {soa("example")}), "b.example", "s");
        CHECK(nodata.kind == CaaKind::empty);
        CHECK(nodata.records.empty());
        auto other = interpret_caa(
            response("c.example", 0,
                     {rr("long-name-of-the-first.example", type_caa,
                         caa_rdata(0, "issue", "one.example")),
                      rr("c.example", type_caa, caa_rdata(0, "issue", "three.example"))}),
            "c.example", "s");
        REQUIRE(other.records.size() == 1); // only the queried name's own
        CHECK(other.records[0].record.value == "three.example");
        auto alias = interpret_caa(
            response("d.example", 0, {rr("d.example", type_cname, name_wire("e.example"))}),
            "d.example", "s");
        CHECK(alias.kind == CaaKind::alias);
        CHECK(alias.target == "e.example");
    }

    TEST_CASE("interpret_caa: upper-case tags are kept") {
        auto a = interpret_caa(
            response("a.example", 0,
                     {rr("A.Example", type_caa, caa_rdata(0, "ISSUE", "ca.example"))}),
            "a.example", "s");
        REQUIRE(a.kind == CaaKind::records);
        CHECK(a.records[0].record.tag == "ISSUE");
    }

    TEST_CASE("parse_message reads names through compression pointers") {
        // Answer: owner is a pointer to the question name (offset 12); CNAME target
        // "cdn" + pointer to "example" inside the question.
        std::string wire = response("www.example", 0, {});
        wire[7] = 2; // ANCOUNT 2
        std::string pointer_to_question = std::string("\xc0\x0c", 2);
        std::string target = std::string("\x03"
                                         "cdn\xc0\x10",
                                         6); // "cdn" + "example" at offset 16
        wire += pointer_to_question + u16(type_cname) + u16(1) + u32(60) + u16(6) + target;
        wire += std::string("\xc0\x0c", 2) + u16(type_ns) + u16(1) + u32(60) + u16(2) +
                std::string("\xc0\x10", 2);
        std::string error;
        auto m = parse_message(wire, &error);
        REQUIRE_MESSAGE(m, error);
        REQUIRE(m->answer.size() == 2);
        CHECK(m->answer[0].owner == "www.example");
        CHECK(m->answer[0].target == "cdn.example");
        CHECK(m->answer[1].target == "example");
        // Without NS names: the record is there, its names are not decoded.
        auto lean = parse_message(wire, &error, false);
        REQUIRE(lean);
        CHECK(lean->answer[1].type == type_ns);
        CHECK(lean->answer[1].owner.empty());
        CHECK(lean->answer[1].target.empty());
        CHECK(lean->answer[0].target == "cdn.example");
    }

    TEST_CASE("parse_message decodes names as RFC 1035 4.1.4 says, and only so") {
        std::string error;
        // An answer whose owner is `owner_wire`: parsed, the owner's text; else "refused".
        auto owner_of = [&](const std::string& owner_wire) -> std::string {
            std::string wire = response("a.example", 0, {});
            wire[7] = 1;
            wire += owner_wire + u16(type_caa) + u16(1) + u32(1) + u16(0);
            auto m = parse_message(wire, &error);
            return m ? m->answer.at(0).owner : "refused";
        };
        CHECK(owner_of(name_wire("A.Example")) == "a.example"); // lower-cased
        CHECK(owner_of(std::string(1, '\0')) == "");            // the root
        CHECK(owner_of(std::string("\x03x y\x00", 5)) == "x\\032y");
        CHECK(owner_of(std::string("\x01*\xc0\x0e", 4)) == "*.example"); // "example" at 14
        // A pointer forward, to a name after the record's own fixed fields: allowed (ldns
        // allowed it too), and the record still ends after the pointer.
        {
            std::string wire = response("a.example", 0, {});
            wire[7] = 1;
            std::size_t owner_at = wire.size();
            std::size_t later = owner_at + 2 + 10;
            wire += std::string{static_cast<char>(0xc0 | (later >> 8)),
                                static_cast<char>(later & 0xff)} +
                    u16(type_caa) + u16(1) + u32(1) + u16(0);
            wire += name_wire("later.test"); // after the last record
            auto m = parse_message(wire, &error);
            REQUIRE_MESSAGE(m, error);
            CHECK(m->answer.at(0).owner == "later.test");
        }
        // Labels of 64 octets and the retired 0x40/0x80 label types.
        CHECK(owner_of(std::string(1, '\x40') + std::string(64, 'a') + std::string(1, '\0')) ==
              "refused");
        CHECK(owner_of(std::string("\x41\x00", 2)) == "refused");
        CHECK(owner_of(std::string("\x80\x00", 2)) == "refused");
        CHECK(owner_of(std::string(1, '\x3f') + std::string(63, 'a') + std::string(1, '\0')) ==
              std::string(63, 'a'));
        // 255 octets in all is the most a name may have: four labels of 63 make 4 * 64 + 1.
        std::string label63 = std::string(1, '\x3f') + std::string(63, 'b');
        CHECK(owner_of(label63 + label63 + label63 + label63 + std::string(1, '\0')) == "refused");
        std::string label61 = std::string(1, '\x3d') + std::string(61, 'c');
        CHECK(owner_of(label63 + label63 + label63 + label61 + std::string(1, '\0')).size() ==
              3 * 64 + 61);
        // A pointer past the end of the message, a pointer cut in half.
        CHECK(owner_of(std::string("\xcf\xff", 2)) == "refused");
        {
            std::string wire = response("a.example", 0, {});
            wire[7] = 1;
            wire += std::string("\xc0", 1);
            CHECK_FALSE(parse_message(wire, &error));
        }
        // A chain of pointers, each to the one before: 200 of them are more than any name has.
        {
            std::string wire = response("a.example", 0, {});
            wire[7] = 1;
            std::size_t previous = 12; // the question name
            std::string chain;
            const std::size_t chain_at = wire.size() + 2 + 10; // after the record
            for (int i = 0; i < 200; ++i) {
                std::size_t here = chain_at + chain.size();
                chain += std::string{static_cast<char>(0xc0 | (previous >> 8)),
                                     static_cast<char>(previous & 0xff)};
                previous = here;
            }
            // The owner: a pointer to the last of the chain.
            std::string owner{static_cast<char>(0xc0 | (previous >> 8)),
                              static_cast<char>(previous & 0xff)};
            std::string with_chain =
                wire + owner + u16(type_caa) + u16(1) + u32(1) + u16(0) + chain;
            CHECK_FALSE(parse_message(with_chain, &error).has_value());
            // 100 links are within bounds: the name is the question's.
            std::string shorter = wire + owner + u16(type_caa) + u16(1) + u32(1) + u16(0) + chain;
            std::size_t hundredth = chain_at + 2 * 99;
            shorter[wire.size()] = static_cast<char>(0xc0 | (hundredth >> 8));
            shorter[wire.size() + 1] = static_cast<char>(hundredth & 0xff);
            auto m = parse_message(shorter, &error);
            REQUIRE_MESSAGE(m, error);
            CHECK(m->answer.at(0).owner == "a.example");
        }
    }

    TEST_CASE("parse_message reads SOA serials and addresses") {
        std::string a_rr = rr("ns1.example", type_a, std::string("\xc0\x00\x02\x01", 4));
        std::string aaaa_rr = rr("ns1.example", type_aaaa, std::string(15, '\0') + "\x01");
        std::string wire = response("example", 0, {a_rr, aaaa_rr}, {soa("example")});
        std::string error;
        auto m = parse_message(wire, &error);
        REQUIRE_MESSAGE(m, error);
        CHECK(m->answer[0].target == "192.0.2.1");
        CHECK(m->answer[1].target == "::1");
        REQUIRE(m->authority.size() == 1);
        CHECK(m->authority[0].serial == 7);
        CHECK(m->authority[0].owner == "example");
    }

    TEST_CASE("parse_message refuses malformed messages, saying where") {
        std::string error;
        auto refused = [&](const std::string& wire, const char* why) {
            error.clear();
            bool parsed = parse_message(wire, &error).has_value();
            INFO(std::string(why));
            CHECK_FALSE(parsed);
            CHECK(error.rfind("malformed answer", 0) == 0);
            // interpret_caa reads answers its own way (into reused buffers): the same message
            // is a failure there too, for the same reason in the same words.
            std::string as_caa_answer;
            CHECK_FALSE(parse_message(wire, &as_caa_answer, false));
            auto caa = interpret_caa(wire, "a.example", "192.0.2.1@53");
            CHECK(caa.kind == CaaKind::failure);
            CHECK(caa.reason == as_caa_answer);
            return error;
        };
        refused("\x12\x34\x81\x80", "shorter than a header");
        std::string good =
            response("a.example", 0, {rr("a.example", type_caa, caa_rdata(0, "issue", "x"))});
        REQUIRE(parse_message(good, &error));
        // Cut anywhere inside the record: the record runs past the end.
        for (std::size_t cut = 1; cut < 20; ++cut) {
            refused(good.substr(0, good.size() - cut), "truncated");
        }
        // A count promising more than the message holds.
        std::string more = good;
        more[7] = 2;
        CHECK(refused(more, "ANCOUNT too large").find("bad owner") != std::string::npos);
        // RDLENGTH past the end.
        std::string long_rdata = good;
        long_rdata[long_rdata.size() - 10] = 0x7f; // high octet of RDLENGTH (rdata: 8 octets)
        refused(long_rdata, "RDLENGTH past the end");
        // A compression pointer loop in an owner name.
        std::string loop = response("a.example", 0, {});
        loop[7] = 1;
        loop += std::string("\xc0\x1b", 2) + u16(type_caa) + u16(1) + u32(1) + u16(0);
        loop[27] = static_cast<char>(0xc0);
        loop[28] = 27;
        refused(loop, "pointer loop");
        // Rdata of the wrong size for its type.
        refused(response("a.example", 0, {rr("a.example", type_a, "abc")}), "A of 3 octets");
        refused(response("a.example", 0, {rr("a.example", type_aaaa, "abcd")}), "AAAA of 4 octets");
        refused(response("a.example", 0, {}, {rr("example", type_soa, name_wire("ns1"))}),
                "SOA without its numbers");
        CHECK(refused(response("a.example", 0,
                               {rr("a.example", type_cname, std::string("\x05") + "ab")}),
                      "CNAME target past its rdata")
                  .find("CNAME") != std::string::npos);
        // The additional section is checked too.
        std::string additional = good;
        additional[11] = 1; // ARCOUNT 1, nothing there
        refused(additional, "ARCOUNT without a record");
    }
}
