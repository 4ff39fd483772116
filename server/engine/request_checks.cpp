#include "request_checks.hpp"

#include <algorithm>

namespace lvt::request_checks {
namespace {

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_port(std::string_view digits) {
  return !digits.empty() && digits.size() <= 5 &&
         std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// Letters, digits, '-', '.', '_' (a DNS name or an IPv4 address); ':' within brackets only.
bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_';
}

bool is_base64_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

}  // namespace

std::string host_name(std::string_view host) {
  std::string_view name;
  if (!host.empty() && host.front() == '[') {  // [v6] or [v6]:port
    const std::size_t close = host.find(']');
    if (close == std::string_view::npos) return {};
    name = host.substr(1, close - 1);
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !is_port(rest.substr(1)))) return {};
    const bool v6 = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
             c == ':' || c == '.';
    });
    if (!v6) return {};
  } else {
    const std::size_t colon = host.find(':');
    name = host.substr(0, colon);
    if (colon != std::string_view::npos && !is_port(host.substr(colon + 1))) return {};
    if (name.empty() || !std::all_of(name.begin(), name.end(), is_name_char)) return {};
    if (name.back() == '.') name.remove_suffix(1);  // "localhost." names localhost
    if (name.empty()) return {};
  }
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

std::string referer_origin(std::string_view referer) {
  const std::size_t scheme_end = referer.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) return {};
  const std::string_view scheme = referer.substr(0, scheme_end);
  if (!std::all_of(scheme.begin(), scheme.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '-' || c == '.';
      })) {
    return {};
  }
  const std::string_view rest = referer.substr(scheme_end + 3);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  // Browsers never send credentials in a Referer; one that has them names no page of ours.
  if (authority.empty() || authority.find('@') != std::string_view::npos) return {};
  std::string out(scheme);
  out += "://";
  out += authority;
  // Scheme and host are case-insensitive; browsers send them lower-cased in Origin.
  std::transform(out.begin(), out.end(), out.begin(), ascii_lower);
  return out;
}

bool is_valid_websocket_key(std::string_view key) {
  // 16 bytes are 5 groups of 3 and one byte left: 22 characters, the last of which carries only
  // 2 bits (so it is one of A, Q, g, w), then "==".
  constexpr std::size_t encoded_chars = 24;
  if (key.size() != encoded_chars || key.substr(22) != "==") return false;
  if (!std::all_of(key.begin(), key.begin() + 22, is_base64_char)) return false;
  const char last = key[21];
  return last == 'A' || last == 'Q' || last == 'g' || last == 'w';
}

}  // namespace lvt::request_checks
