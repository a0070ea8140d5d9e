#include "caapol/climb/climb.hpp"

#include "caapol/core/dns_name.hpp"

#include <algorithm>

namespace caapol::climb {

const char* answer_kind_name(AnswerKind kind) {
    switch (kind) {
    case AnswerKind::records:
        return "records";
    case AnswerKind::empty:
        return "empty";
    case AnswerKind::nxdomain:
        return "nxdomain";
    case AnswerKind::alias:
        return "alias";
    case AnswerKind::failure:
        return "failure";
    }
    return "failure";
}

const char* outcome_name(Outcome outcome) {
    switch (outcome) {
    case Outcome::found:
        return "found";
    case Outcome::none:
        return "none";
    case Outcome::failure:
        return "failure";
    }
    return "failure";
}

Climber::Climber(std::string_view name, Start start) {
    result_.path.reserve(2); // most climbs take one or two lookups
    restart(name, start);
}

void Climber::restart(std::string_view name, Start start) {
    // Every member of the result is reset below. (A new member changes the size: then reset
    // it here.)
#ifdef __GLIBCXX__
    static_assert(sizeof(void*) != 8 || sizeof(Result) == 272,
                  "climb::Result changed: restart must reset the new member");
#endif
    if (dns_name::is_normalized(name)) {
        result_.name.assign(name);
    } else {
        result_.name = dns_name::normalize(name);
    }
    result_.path.clear();
    result_.outcome = Outcome::failure;
    result_.relevant_name.clear();
    result_.found_at.clear();
    result_.records.clear();
    result_.reason.clear();
    result_.dnssec = dnssec::Status{};
    aliases_.clear();
    done_ = false;
    if (start == Start::owner_name) {
        climb_name_.assign(result_.name);
    } else {
        // RFC 8659 §3: for "*.X" the search starts at X.
        if (result_.name == "*") {
            finish(Outcome::none);
            return;
        }
        climb_name_.assign(dns_name::strip_wildcard(result_.name));
    }
    if (climb_name_.empty()) {
        finish(Outcome::none);
    }
}

const std::string* Climber::next_query() const {
    if (done_) {
        return nullptr;
    }
    return aliases_.empty() ? &climb_name_ : &aliases_.back();
}

void Climber::finish(Outcome outcome, std::string reason) {
    done_ = true;
    result_.outcome = outcome;
    result_.reason = std::move(reason);
}

std::string Climber::chain_text() const {
    std::string text = climb_name_;
    for (const auto& alias : aliases_) {
        text += " -> " + alias;
    }
    return text;
}

void Climber::feed(const Answer& answer) {
    if (done_) {
        return;
    }
    push_step().answer = answer; // copied once, in place
    settle();
}

void Climber::feed(Answer&& answer) {
    if (done_) {
        return;
    }
    push_step().answer = std::move(answer);
    settle();
}

Step& Climber::push_step() {
    Step& step = result_.path.emplace_back();
    step.name = *next_query(); // before settle() adds the answer's aliases
    return step;
}

void Climber::settle() {
    const Step& step = result_.path.back();
    const Answer& stored = step.answer;
    AnswerKind kind = stored.kind;
    if (kind == AnswerKind::records && stored.records.empty()) {
        kind = AnswerKind::empty;
    }
    // Aliases the source already followed count towards the hop limit and the loop check.
    for (const auto& alias : stored.aliases) {
        std::string normalized = dns_name::normalize(alias);
        if (normalized != step.name) {
            aliases_.push_back(std::move(normalized));
        }
    }
    if (stored.dnssec.state != dnssec::State::off) {
        dnssec::combine(result_.dnssec, stored.dnssec);
        if (stored.dnssec.fatal && kind != AnswerKind::failure) {
            // RFC 4035 §5.5 / BR 3.2.2.8.1: a validation failure is never permission.
            std::string reason = "DNSSEC validation of " + step.name + " CAA failed (" +
                                 dnssec::state_name(stored.dnssec.state) +
                                 "): " + stored.dnssec.reason;
            finish(Outcome::failure, reason);
            return;
        }
    }

    if (aliases_.size() > max_alias_hops) {
        finish(Outcome::failure, "the alias chain from " + climb_name_ + " is longer than " +
                                     std::to_string(max_alias_hops) + " names");
        return;
    }

    switch (kind) {
    case AnswerKind::records:
        if (!stored.owner.empty()) {
            result_.found_at = dns_name::normalize(stored.owner);
        } else {
            result_.found_at.assign(aliases_.empty() ? climb_name_ : aliases_.back());
        }
        result_.relevant_name = std::move(climb_name_); // the climb is over
        result_.records = stored.records;
        finish(Outcome::found);
        return;
    case AnswerKind::empty:
    case AnswerKind::nxdomain: {
        // Climb from the original name (or its ancestor), never from an alias target.
        std::size_t dot = dns_name::first_label_end(climb_name_);
        if (dot >= climb_name_.size()) {
            finish(Outcome::none);
            return;
        }
        climb_name_.erase(0, dot + 1);
        aliases_.clear();
        return;
    }
    case AnswerKind::alias: {
        std::string target = dns_name::normalize(stored.target);
        if (target == climb_name_ ||
            std::find(aliases_.begin(), aliases_.end(), target) != aliases_.end()) {
            finish(Outcome::failure, "alias loop: " + chain_text() + " -> " + target);
            return;
        }
        if (aliases_.size() >= max_alias_hops) {
            finish(Outcome::failure, "the alias chain from " + climb_name_ + " is longer than " +
                                         std::to_string(max_alias_hops) + " names");
            return;
        }
        aliases_.push_back(std::move(target));
        return;
    }
    case AnswerKind::failure: {
        std::string reason = "lookup of " + step.name + " CAA failed";
        if (!stored.server.empty()) {
            reason += " at " + stored.server;
        }
        if (!stored.reason.empty()) {
            reason += ": " + stored.reason;
        }
        finish(Outcome::failure, reason);
        return;
    }
    }
}

Result climb(Source& source, const std::string& name, Start start) {
    Climber climber(name, start);
    while (const std::string* query = climber.next_query()) {
        climber.feed(source.lookup(*query));
    }
    return climber.take_result();
}

} // namespace caapol::climb
