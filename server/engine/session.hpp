// Session groups and the per-group session store. A group is every connection that shares the
// `livetemplate-id` cookie (all tabs of one browser), or everyone in global mode.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nlohmann/json.hpp>

namespace lvt {

inline constexpr std::string_view session_cookie_name = "livetemplate-id";
inline constexpr std::string_view global_group_id = "global";
inline constexpr std::size_t session_id_random_bytes = 32;

// The value of cookie `name` in a Cookie header, if present.
std::optional<std::string> cookie_value(std::string_view cookie_header, std::string_view name);

// True for 32 bytes in base64url with padding (44 characters).
bool is_valid_session_id(std::string_view id);

// 32 random bytes from `fill`, encoded base64url with padding.
std::string new_session_id(const std::function<void(unsigned char*, std::size_t)>& fill_random);

std::string session_cookie_header(std::string_view id);

// Persisted fields per group, bounded: past groups_max the group stored longest ago is evicted.
class SessionStore {
 public:
  explicit SessionStore(std::size_t groups_max) : groups_max_(groups_max) {}
  nlohmann::json load(const std::string& group) const;  // an object, empty when unknown
  void save(const std::string& group, nlohmann::json fields);
  std::size_t groups() const;

 private:
  mutable std::mutex mutex_;
  std::size_t groups_max_;
  std::unordered_map<std::string, nlohmann::json> fields_by_group_;
  std::deque<std::string> insertion_order_;
};

}  // namespace lvt
