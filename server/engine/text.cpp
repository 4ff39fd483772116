#include "text.hpp"

#include <bit>
#include <cstdint>
#include <cstring>

namespace lvt::text {

// User text is mostly plain ASCII: the scanners test eight bytes at once (SWAR) and skip a
// word holding none of the bytes they look for; the escapers copy plain runs whole.

namespace {
constexpr std::uint64_t byte_ones = 0x0101010101010101ULL;
constexpr std::uint64_t byte_highs = 0x8080808080808080ULL;

std::uint64_t load_word(const char* at) {
  std::uint64_t word;
  std::memcpy(&word, at, sizeof word);
  return word;
}
// Each is nonzero exactly when some byte of `word` is zero, below `bound` (<= 0x80), or `c`.
constexpr std::uint64_t has_zero_byte(std::uint64_t word) {
  return (word - byte_ones) & ~word & byte_highs;
}
constexpr std::uint64_t has_byte_below(std::uint64_t word, std::uint8_t bound) {
  return (word - byte_ones * bound) & ~word & byte_highs;
}
constexpr std::uint64_t has_byte(std::uint64_t word, char c) {
  return has_zero_byte(word ^ (byte_ones * static_cast<unsigned char>(c)));
}

// The first index at or after `from` whose byte `is_special` says yes to; `may_hold_special`
// must say yes to every word holding such a byte.
template <class WordTest, class ByteTest>
std::size_t find_first(std::string_view bytes, std::size_t from, WordTest may_hold_special,
                       ByteTest is_special) {
  std::size_t i = from;
  while (i + 8 <= bytes.size() && !may_hold_special(load_word(bytes.data() + i))) i += 8;
  while (i < bytes.size() && !is_special(bytes[i])) ++i;
  return i;
}

const char* html_entity(char c) {
  switch (c) {
    case '&':
      return "&amp;";
    case '<':
      return "&lt;";
    case '>':
      return "&gt;";
    case '"':
      return "&#34;";
    case '\'':
      return "&#39;";
    case '{':
      return "&#123;";
    default:
      return nullptr;
  }
}

std::size_t find_html_special(std::string_view bytes, std::size_t from) {
  return find_first(
      bytes, from,
      [](std::uint64_t word) {
        return has_byte(word, '&') | has_byte(word, '<') | has_byte(word, '>') |
               has_byte(word, '"') | has_byte(word, '\'') | has_byte(word, '{');
      },
      [](char c) { return html_entity(c) != nullptr; });
}
}  // namespace

void append_html_escaped(std::string& out, std::string_view raw) {
  std::size_t plain_from = 0;
  for (std::size_t i = find_html_special(raw, 0); i < raw.size();
       i = find_html_special(raw, plain_from)) {
    out.append(raw.substr(plain_from, i - plain_from));
    plain_from = i + 1;
    if ((raw[i] == '&' && planted(PlantedBug::html_escape_misses_amp)) ||
        (raw[i] == '{' && planted(PlantedBug::html_escape_misses_brace))) [[unlikely]] {
      out += raw[i];
      continue;
    }
    out += html_entity(raw[i]);
  }
  out.append(raw.substr(plain_from));
}

std::string html_escaped(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  append_html_escaped(out, raw);
  return out;
}

void append_json_string(std::string& out, std::string_view raw) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain_from = 0;
  for (std::size_t i = find_json_special(raw, 0); i < raw.size();
       i = find_json_special(raw, plain_from)) {
    const auto byte = static_cast<unsigned char>(raw[i]);
    out.append(raw.substr(plain_from, i - plain_from));
    plain_from = i + 1;
    switch (byte) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += planted(PlantedBug::json_string_misses_backslash) ? "\\" : "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += "\\u00";
        out += hex[byte >> 4];
        out += hex[byte & 0xF];
    }
  }
  out.append(raw.substr(plain_from));
  out += '"';
}

std::size_t find_json_special(std::string_view bytes, std::size_t from) {
  return find_first(
      bytes, from,
      [](std::uint64_t word) {
        return has_byte_below(word, 0x20) | has_byte(word, '"') | has_byte(word, '\\');
      },
      [](char c) {
        return (static_cast<unsigned char>(c) < 0x20 &&
                !planted(PlantedBug::json_special_misses_controls)) ||
               c == '"' || c == '\\';
      });
}

void append_utf8(std::string& out, unsigned code_point) {
  if (code_point < 0x80 && !planted(PlantedBug::utf8_overlong_ascii)) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

bool is_valid_utf8(std::string_view bytes) {
  std::size_t i = 0;
  const std::size_t n = bytes.size();
  while (i < n) {
    if (i + 8 <= n && (load_word(bytes.data() + i) & byte_highs) == 0) {
      i += 8;  // eight ASCII bytes
      continue;
    }
    const auto b0 = static_cast<unsigned char>(bytes[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
      len = 2, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      len = 3, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0 && !planted(PlantedBug::utf8_rejects_four_byte)) {
      len = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(bytes[i + k]);
      if ((b & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

std::size_t utf8_chars(std::string_view valid_utf8) {
  if (planted(PlantedBug::utf8_chars_counts_bytes)) [[unlikely]]
    return valid_utf8.size();
  std::size_t count = 0, i = 0;
  for (; i + 8 <= valid_utf8.size(); i += 8) {
    // Every byte but a continuation (10xxxxxx: top bit set, the next one clear) starts one.
    const std::uint64_t word = load_word(valid_utf8.data() + i);
    count += 8 - static_cast<std::size_t>(std::popcount(word & ~(word << 1) & byte_highs));
  }
  for (; i < valid_utf8.size(); ++i) {
    if ((static_cast<unsigned char>(valid_utf8[i]) & 0xC0) != 0x80) ++count;
  }
  return count;
}

std::string_view trim_space(std::string_view s) {
  auto is_space = [](char c) {
    if (planted(PlantedBug::trim_spaces_only)) [[unlikely]]
      return c == ' ';
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace lvt::text
