#include "caapol/climb/policy_source.hpp"

#include "caapol/core/dns_name.hpp"

namespace caapol::climb {

Answer PolicySource::lookup(const std::string& name) {
    Answer answer;
    answer.server = "policy";
    const policy::Domain* domain = policy_.find(dns_name::normalize(name));
    if (domain == nullptr || !domain->publishes_records()) {
        answer.kind = AnswerKind::empty;
        return answer;
    }
    answer.kind = AnswerKind::records;
    for (const auto& entry : domain->records) {
        answer.records.push_back(SourcedRecord{entry.record, domain->ttl, entry.location});
    }
    return answer;
}

} // namespace caapol::climb
