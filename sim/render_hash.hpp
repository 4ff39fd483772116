// A hash of rendered HTML that composes: the hash of a concatenation comes from the hashes of its
// parts. A polynomial hash modulo the Mersenne prime 2^61-1 (h = sum of bytes times B^k), kept
// with B^length so that two parts concatenate in O(1). The simulator compares what a tab
// rebuilds with what the server renders after every frame at a cost that follows the frame, not
// the page, by caching the hashes of parts that do not change (statics, log items).
#pragma once

#include <cstdint>
#include <string_view>

namespace lvt::sim {

struct RenderHash {
  std::uint64_t sum = 0;    // the bytes' polynomial
  std::uint64_t power = 1;  // B^length

  static RenderHash of(std::string_view bytes);
  // The hash of this text followed by `next`'s.
  RenderHash& append(const RenderHash& next);
  friend bool operator==(const RenderHash&, const RenderHash&) = default;
};

}  // namespace lvt::sim
