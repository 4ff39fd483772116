#include "redis_url.hpp"

#include <charconv>

namespace lvt::redis {
namespace {

template <class Number>
bool parse_number(std::string_view text, Number max, Number& out) {
  unsigned long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value > max) {
    return false;
  }
  out = static_cast<Number>(value);
  return true;
}

}  // namespace

std::optional<RedisAddress> parse_redis_url(std::string_view url, std::string* error) {
  const auto fail = [error, url](std::string why) -> std::optional<RedisAddress> {
    if (error)
      *error = "wants redis://HOST:PORT[/DB] (" + why + "), got '" + std::string(url) + "'";
    return std::nullopt;
  };
  constexpr std::string_view scheme = "redis://";
  if (url.substr(0, scheme.size()) != scheme) return fail("no redis:// scheme");
  std::string_view rest = url.substr(scheme.size());
  RedisAddress address;
  if (const auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (!parse_number(rest.substr(slash + 1), 15u, address.db)) return fail("DB from 0 to 15");
    rest = rest.substr(0, slash);
  }
  std::string_view host = rest;
  std::string_view port;
  if (rest.substr(0, 1) == "[") {  // [::1]:6379
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return fail("an unclosed [");
    host = rest.substr(1, close - 1);
    if (rest.substr(close + 1, 1) == ":") port = rest.substr(close + 2);
  } else if (const auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return fail("no host");
  if (host.find('@') != std::string_view::npos) return fail("no password support");
  if (!port.empty() &&
      (!parse_number(port, std::uint16_t{65535}, address.port) || address.port == 0)) {
    return fail("a port from 1 to 65535");
  }
  address.host = host;
  return address;
}

}  // namespace lvt::redis
