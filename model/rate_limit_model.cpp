#include "rate_limit_model.hpp"

#include <algorithm>
#include <cassert>

namespace lvt::model {

bool RateLimitModel::take(TabId tab, std::uint64_t now_us) {
  const auto found = buckets_.find(tab);
  assert(found != buckets_.end());  // a tab sends only over a connection it opened
  Bucket& bucket = found->second;
  if (now_us > bucket.refilled_us) {
    const double elapsed_s = static_cast<double>(now_us - bucket.refilled_us) / 1e6;
    bucket.tokens = std::min(burst_, bucket.tokens + elapsed_s * per_second_);
    bucket.refilled_us = now_us;
  }
  if (bucket.tokens < 1.0) return false;
  bucket.tokens -= 1.0;
  return true;
}

}  // namespace lvt::model
