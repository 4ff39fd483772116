// The per-connection rate limit as the specification states it, restated here (the oracle does
// not borrow the engine's): a bucket of `burst` tokens, full when the connection opens, refilled
// continuously at `per_second` tokens a second up to `burst`; every message a connection sends,
// actions and pings alike, takes one token, and one that finds less than a whole token is
// refused. Broadcasts a connection runs for its peers take none.
#pragma once

#include <cstdint>
#include <map>

#include "broadcast_model.hpp"

namespace lvt::model {

// The message an action over the rate is answered with, as the page shows it.
inline constexpr std::string_view rate_limited_message =
    "Too many actions: wait a moment and send again";

class RateLimitModel {
 public:
  RateLimitModel(double per_second, double burst) : per_second_(per_second), burst_(burst) {}

  void open(TabId tab, std::uint64_t now_us) { buckets_[tab] = {burst_, now_us}; }
  // Whether a message `tab` sends at `now_us` is within its rate (and takes its token).
  bool take(TabId tab, std::uint64_t now_us);

 private:
  struct Bucket {
    double tokens = 0;
    std::uint64_t refilled_us = 0;
  };
  double per_second_, burst_;
  std::map<TabId, Bucket> buckets_;
};

}  // namespace lvt::model
