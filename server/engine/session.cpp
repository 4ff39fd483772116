#include "session.hpp"

#include <cassert>
#include <vector>

#include "planted.hpp"
#include "text.hpp"

namespace lvt {

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const std::size_t end = header.find(';');
    std::string_view pair = text::trim_space(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view{} : header.substr(end + 1);
    const std::size_t eq = pair.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view pair_name = text::trim_space(pair.substr(0, eq));
    if (pair_name == name ||
        (planted(PlantedBug::cookie_name_suffix) && pair_name.ends_with(name))) {
      return std::string(text::trim_space(pair.substr(eq + 1)));
    }
  }
  return std::nullopt;
}

bool is_valid_session_id(std::string_view id) {
  // 32 bytes are 43 base64 digits (the last holding 2 bits, so one of "AEIMQUYcgkosw048")
  // and one '=' of padding.
  if (id.size() != 44 || id[43] != '=') return false;
  for (std::size_t i = 0; i < 43; ++i) {
    const char c = id[i];
    const bool digit = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                       c == '-' || c == '_';
    if (!digit) return false;
  }
  return std::string_view("AEIMQUYcgkosw048").find(id[42]) != std::string_view::npos;
}

std::string new_session_id(const std::function<void(unsigned char*, std::size_t)>& fill_random) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::vector<unsigned char> bytes(session_id_random_bytes + 1, 0);  // one pad byte for the loop
  fill_random(bytes.data(), session_id_random_bytes);
  std::string out;
  for (std::size_t i = 0; i < session_id_random_bytes; i += 3) {
    const std::uint32_t chunk = (bytes[i] << 16) | (bytes[i + 1] << 8) |
                                (i + 2 < session_id_random_bytes ? bytes[i + 2] : 0);
    out += alphabet[(chunk >> 18) & 63];
    out += alphabet[(chunk >> 12) & 63];
    out += alphabet[(chunk >> 6) & 63];
    if (i + 2 < session_id_random_bytes) out += alphabet[chunk & 63];
  }
  out += '=';
  assert(is_valid_session_id(out));
  return out;
}

std::string session_cookie_header(std::string_view id) {
  return std::string(session_cookie_name) + "=" + std::string(id) +
         "; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax";
}

nlohmann::json SessionStore::load(const std::string& group) const {
  std::lock_guard lock(mutex_);
  const auto found = fields_by_group_.find(group);
  return found == fields_by_group_.end() ? nlohmann::json::object() : found->second;
}

void SessionStore::save(const std::string& group, nlohmann::json fields) {
  std::lock_guard lock(mutex_);
  auto [slot, inserted] = fields_by_group_.try_emplace(group);
  slot->second = std::move(fields);
  if (!inserted) return;
  insertion_order_.push_back(group);
  if (fields_by_group_.size() > groups_max_) {
    fields_by_group_.erase(insertion_order_.front());
    insertion_order_.pop_front();
  }
}

std::size_t SessionStore::groups() const {
  std::lock_guard lock(mutex_);
  return fields_by_group_.size();
}

}  // namespace lvt
