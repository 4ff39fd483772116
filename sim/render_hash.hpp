// A hash of rendered HTML that composes: the hash of a concatenation comes from the hashes of its
// parts. A polynomial hash modulo the Mersenne prime 2^61-1 (h = sum of bytes times B^k), kept
// with B^length so that two parts concatenate in O(1). The simulator compares what a tab
// rebuilds with what the server renders after every frame at a cost that follows the frame, not
// the page, by caching the hashes of parts that do not change (statics, log items).
#pragma once

#include <cstdint>
#include <string_view>

namespace lvt::sim {

namespace render_hash_detail {
inline constexpr std::uint64_t modulus = (1ull << 61) - 1;
__extension__ using Wide = unsigned __int128;  // GCC's, hence the marker for -Wpedantic

inline std::uint64_t multiply(std::uint64_t a, std::uint64_t b) {
  const Wide product = static_cast<Wide>(a) * b;
  const std::uint64_t folded =
      static_cast<std::uint64_t>(product & modulus) + static_cast<std::uint64_t>(product >> 61);
  return folded >= modulus ? folded - modulus : folded;
}

inline std::uint64_t add(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t sum = a + b;
  return sum >= modulus ? sum - modulus : sum;
}
}  // namespace render_hash_detail

struct RenderHash {
  std::uint64_t sum = 0;    // the bytes' polynomial
  std::uint64_t power = 1;  // B^length

  static RenderHash of(std::string_view bytes);
  // The hash of this text followed by `next`'s. Inline: checking a frame composes dozens.
  RenderHash& append(const RenderHash& next) {
    sum = render_hash_detail::add(render_hash_detail::multiply(sum, next.power), next.sum);
    power = render_hash_detail::multiply(power, next.power);
    return *this;
  }
  friend bool operator==(const RenderHash&, const RenderHash&) = default;
};

}  // namespace lvt::sim
