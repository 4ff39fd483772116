#include "render_hash.hpp"

namespace lvt::sim {
namespace {

constexpr std::uint64_t modulus = (1ull << 61) - 1;
constexpr std::uint64_t base = 0x1F3D5B79A2C4E68Bull % modulus;

__extension__ using Wide = unsigned __int128;  // GCC's, hence the marker for -Wpedantic

std::uint64_t multiply(std::uint64_t a, std::uint64_t b) {
  const Wide product = static_cast<Wide>(a) * b;
  const std::uint64_t folded =
      static_cast<std::uint64_t>(product & modulus) + static_cast<std::uint64_t>(product >> 61);
  return folded >= modulus ? folded - modulus : folded;
}

std::uint64_t add(std::uint64_t a, std::uint64_t b) {
  const std::uint64_t sum = a + b;
  return sum >= modulus ? sum - modulus : sum;
}

}  // namespace

RenderHash RenderHash::of(std::string_view bytes) {
  RenderHash hash;
  for (const char c : bytes) {
    hash.sum = add(multiply(hash.sum, base), static_cast<unsigned char>(c) + 1u);
    hash.power = multiply(hash.power, base);
  }
  return hash;
}

RenderHash& RenderHash::append(const RenderHash& next) {
  sum = add(multiply(sum, next.power), next.sum);
  power = multiply(power, next.power);
  return *this;
}

}  // namespace lvt::sim
