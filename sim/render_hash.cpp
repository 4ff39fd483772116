#include "render_hash.hpp"

namespace lvt::sim {
namespace {
using render_hash_detail::add;
using render_hash_detail::modulus;
using render_hash_detail::multiply;
constexpr std::uint64_t base = 0x1F3D5B79A2C4E68Bull % modulus;
}  // namespace

RenderHash RenderHash::of(std::string_view bytes) {
  RenderHash hash;
  for (const char c : bytes) {
    hash.sum = add(multiply(hash.sum, base), static_cast<unsigned char>(c) + 1u);
    hash.power = multiply(hash.power, base);
  }
  return hash;
}

}  // namespace lvt::sim
