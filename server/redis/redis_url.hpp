// `redis://HOST:PORT[/DB]`, the address `lvtlab serve --redis` takes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace lvt::redis {

struct RedisAddress {
  std::string host;  // an IP address: the server resolves no names
  std::uint16_t port = 6379;
  unsigned db = 0;
};

// Null, with `error` saying what is wrong, when the URL is not of that form.
std::optional<RedisAddress> parse_redis_url(std::string_view url, std::string* error);

}  // namespace lvt::redis
