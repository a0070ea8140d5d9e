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

Climber::Climber(std::string name) {
    result_.name = dns_name::normalize(name);
    climb_name_ = result_.name;
    // RFC 8659 §3: for "*.X" the search starts at X.
    if (climb_name_ == "*") {
        climb_name_.clear();
    } else if (climb_name_.rfind("*.", 0) == 0) {
        climb_name_ = climb_name_.substr(2);
    }
    if (climb_name_.empty()) {
        finish(Outcome::none);
        return;
    }
    pending_ = climb_name_;
    chain_.push_back(climb_name_);
}

const std::string* Climber::next_query() const {
    return done_ ? nullptr : &pending_;
}

void Climber::finish(Outcome outcome, std::string reason) {
    done_ = true;
    result_.outcome = outcome;
    result_.reason = std::move(reason);
}

void Climber::feed(Answer answer) {
    if (done_) {
        return;
    }
    AnswerKind kind = answer.kind;
    if (kind == AnswerKind::records && answer.records.empty()) {
        kind = AnswerKind::empty;
    }
    // Aliases the source already followed count towards the hop limit and the loop check.
    for (const auto& alias : answer.aliases) {
        std::string normalized = dns_name::normalize(alias);
        if (normalized != pending_) {
            chain_.push_back(normalized);
        }
    }
    result_.path.push_back(Step{std::move(pending_), std::move(answer)});
    const std::string& queried = result_.path.back().name;
    Answer& stored = result_.path.back().answer;

    if (chain_.size() > max_alias_hops + 1) {
        finish(Outcome::failure, "the alias chain from " + climb_name_ + " is longer than " +
                                     std::to_string(max_alias_hops) + " names");
        return;
    }

    switch (kind) {
    case AnswerKind::records:
        result_.relevant_name = climb_name_;
        result_.found_at = chain_.back();
        result_.records = stored.records;
        finish(Outcome::found);
        return;
    case AnswerKind::empty:
    case AnswerKind::nxdomain:
        // Climb from the original name (or its ancestor), never from an alias target.
        climb_name_ = dns_name::parent(climb_name_);
        if (climb_name_.empty()) {
            finish(Outcome::none);
            return;
        }
        pending_ = climb_name_;
        chain_.clear();
        chain_.push_back(climb_name_);
        return;
    case AnswerKind::alias: {
        std::string target = dns_name::normalize(stored.target);
        if (std::find(chain_.begin(), chain_.end(), target) != chain_.end()) {
            std::string loop;
            for (const auto& n : chain_) {
                loop += n + " -> ";
            }
            finish(Outcome::failure, "alias loop: " + loop + target);
            return;
        }
        if (chain_.size() >= max_alias_hops + 1) {
            finish(Outcome::failure, "the alias chain from " + climb_name_ + " is longer than " +
                                         std::to_string(max_alias_hops) + " names");
            return;
        }
        chain_.push_back(target);
        pending_ = target;
        return;
    }
    case AnswerKind::failure: {
        std::string reason = "lookup of " + queried + " CAA failed";
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

Result climb(Source& source, const std::string& name) {
    Climber climber(name);
    while (const std::string* query = climber.next_query()) {
        climber.feed(source.lookup(*query));
    }
    return climber.take_result();
}

} // namespace caapol::climb
