#include "json_value.hpp"

#include <cassert>
#include <stdexcept>

namespace lvt::sim {

namespace {
const std::string empty_text;

void append_utf8(std::string& out, unsigned code_point) {
  assert(code_point <= 0x10FFFF && (code_point < 0xD800 || code_point > 0xDFFF));
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
    return;
  }
  const int continuation_bytes = code_point < 0x800 ? 1 : code_point < 0x10000 ? 2 : 3;
  static constexpr unsigned char lead[] = {0, 0xC0, 0xE0, 0xF0};
  out += static_cast<char>(lead[continuation_bytes] | (code_point >> (6 * continuation_bytes)));
  for (int k = continuation_bytes - 1; k >= 0; --k) {
    out += static_cast<char>(0x80 | ((code_point >> (6 * k)) & 0x3F));
  }
}
const std::vector<Json> empty_elements;
const std::vector<Json::Member> empty_members;
}  // namespace

Json Json::string(std::string text) {
  Json value(Kind::string);
  value.node_->text = std::move(text);
  return value;
}

Json Json::number(std::string text) {
  Json value(Kind::number);
  value.node_->text = std::move(text);
  return value;
}

Json Json::boolean_value(bool truth) {
  Json value(Kind::boolean);
  value.node_->boolean = truth;
  return value;
}

const std::string& Json::text() const {
  return node_ ? node_->text : empty_text;
}

const std::vector<Json>& Json::elements() const {
  return node_ ? node_->elements : empty_elements;
}

const std::vector<Json::Member>& Json::members() const {
  return node_ ? node_->members : empty_members;
}

namespace {
// Keys in frames are a byte or two: comparing inline beats calling memcmp.
bool same_key(const std::string& a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}
}  // namespace

std::size_t Json::index_of(std::string_view key) const {
  const std::vector<Member>& all = members();
  for (std::size_t i = 0; i < all.size(); ++i) {
    if (same_key(all[i].first, key)) return i;
  }
  return not_found;
}

const Json* Json::find(std::string_view key) const {
  const std::size_t index = index_of(key);
  return index == not_found ? nullptr : &members()[index].second;
}

Json* Json::find(std::string_view key) {
  const std::size_t index = index_of(key);  // looking copies nothing; changing copies shared
  return index == not_found ? nullptr : &members()[index].second;
}

Json::Node& Json::own() {
  assert(node_);
  if (node_->references > 1) {
    Node* copy = new Node(*node_);
    copy->references = 1;
    --node_->references;
    node_ = copy;
  }
  return *node_;
}

std::vector<Json>& Json::elements() {
  assert(is_array());
  return own().elements;
}

std::vector<Json::Member>& Json::members() {
  assert(is_object());
  return own().members;
}

Json& Json::at_key(std::string_view key) {
  if (Json* found = find(key)) return *found;
  return members().emplace_back(std::string(key), Json()).second;
}

void Json::cache_hash(const RenderHash& hash, std::uint64_t tag) const {
  assert(node_);
  node_->hash = hash;
  node_->hash_tag = tag;
  node_->hash_cached = true;
}

void Json::invalidate() {
  if (node_) own().hash_cached = false;
}

class JsonParser {
 public:
  JsonParser(std::string_view text, JsonInterner* interner) : text_(text), interner_(interner) {}

  Json document() {
    Json value = parse_value(0);
    skip_space();
    if (at_ != text_.size()) fail("trailing characters");
    return value;
  }

 private:
  static constexpr int depth_max = 256;

  [[noreturn]] void fail(const char* what) const {
    throw std::runtime_error("bad JSON at byte " + std::to_string(at_) + ": " + what);
  }
  void skip_space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\n' || text_[at_] == '\r' || text_[at_] == '\t'))
      ++at_;
  }
  char peek() {
    skip_space();
    if (at_ >= text_.size()) fail("unexpected end");
    return text_[at_];
  }
  void expect(char c) {
    if (peek() != c) fail("unexpected character");
    ++at_;
  }
  void literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) fail("bad literal");
    at_ += word.size();
  }

  Json parse_value(int depth) {
    if (depth > depth_max) fail("nested too deep");
    switch (peek()) {
      case '{':
        return parse_object(depth);
      case '[':
        return parse_array(depth);
      case '"':
        return Json::string(parse_string());
      case 't':
        literal("true");
        return Json::boolean_value(true);
      case 'f':
        literal("false");
        return Json::boolean_value(false);
      case 'n':
        literal("null");
        return Json();
      default:
        return parse_number();
    }
  }

  Json parse_object(int depth) {
    Json value(Json::Kind::object);
    expect('{');
    if (peek() == '}') {
      ++at_;
      return value;
    }
    while (true) {
      if (peek() != '"') fail("expected a key");
      std::string key = parse_string();
      expect(':');
      // A node's statics ("s"): the same long strings in every full tree.
      Json member = key == "s" ? parse_shared(depth + 1, '[') : parse_value(depth + 1);
      if (Json* existing = value.find(key)) {
        *existing = std::move(member);  // the last of duplicate keys wins, as in JavaScript
      } else {
        value.node_->members.emplace_back(std::move(key), std::move(member));
      }
      if (peek() == '}') {
        ++at_;
        return value;
      }
      expect(',');
    }
  }

  Json parse_array(int depth) {
    Json value(Json::Kind::array);
    expect('[');
    if (peek() == ']') {
      ++at_;
      return value;
    }
    while (true) {
      value.node_->elements.push_back(parse_shared(depth + 1, '{'));
      if (peek() == ']') {
        ++at_;
        return value;
      }
      expect(',');
    }
  }

  // A value that goes through the interner when there is one and it opens with `open`.
  Json parse_shared(int depth, char open) {
    if (!interner_ || peek() != open) return parse_value(depth);
    const std::size_t end = value_end();
    if (end == std::string_view::npos) return parse_value(depth);  // let the parser say why
    const std::string_view whole = text_.substr(at_, end - at_);
    if (const Json* known = interner_->find(whole)) {
      at_ = end;
      return *known;
    }
    Json value = parse_value(depth);
    interner_->insert(whole, value);
    return value;
  }

  // Just past the bracket that closes the object or array at at_, or npos.
  std::size_t value_end() const {
    std::size_t depth = 0;
    bool in_string = false;
    for (std::size_t i = at_; i < text_.size(); ++i) {
      const char c = text_[i];
      if (in_string) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          in_string = false;
        }
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return i + 1;
      }
    }
    return std::string_view::npos;
  }

  Json parse_number() {
    const std::size_t start = at_;
    auto digits = [this] {
      const std::size_t from = at_;
      while (at_ < text_.size() && text_[at_] >= '0' && text_[at_] <= '9') ++at_;
      if (at_ == from) fail("expected a digit");
    };
    if (text_[at_] == '-') ++at_;
    digits();
    if (at_ < text_.size() && text_[at_] == '.') {
      ++at_;
      digits();
    }
    if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
      ++at_;
      if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
      digits();
    }
    return Json::number(std::string(text_.substr(start, at_ - start)));
  }

  unsigned hex4() {
    if (at_ + 4 > text_.size()) fail("short \\u escape");
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[at_++];
      code <<= 4;
      if (c >= '0' && c <= '9') {
        code |= static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        code |= static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        code |= static_cast<unsigned>(c - 'A' + 10);
      } else {
        fail("bad \\u escape");
      }
    }
    return code;
  }

  std::string parse_string() {
    ++at_;  // the opening quote
    std::string out;
    while (true) {
      const std::size_t run = at_;
      while (at_ < text_.size() && text_[at_] != '"' && text_[at_] != '\\' &&
             static_cast<unsigned char>(text_[at_]) >= 0x20)
        ++at_;
      out.append(text_.substr(run, at_ - run));
      if (at_ >= text_.size()) fail("unterminated string");
      const char c = text_[at_++];
      if (c == '"') return out;
      if (c != '\\') fail("control character in string");
      if (at_ >= text_.size()) fail("unterminated escape");
      switch (text_[at_++]) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          unsigned code = hex4();
          if (code >= 0xD800 && code < 0xDC00 && text_.substr(at_, 2) == "\\u") {
            at_ += 2;
            const unsigned low = hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("unpaired surrogate");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          }
          if (code >= 0xD800 && code < 0xE000) fail("unpaired surrogate");
          append_utf8(out, code);
          break;
        }
        default:
          fail("bad escape");
      }
    }
  }

  std::string_view text_;
  std::size_t at_ = 0;
  JsonInterner* interner_;
};

Json parse_json(std::string_view text, JsonInterner* interner) {
  return JsonParser(text, interner).document();
}

const Json* JsonInterner::find(std::string_view text) const {
  const auto found = values_.find(text);
  return found == values_.end() ? nullptr : &found->second;
}

void JsonInterner::insert(std::string_view text, const Json& value) {
  if (values_.size() >= entries_max) values_.clear();
  values_.emplace(std::string(text), value);
}

void append_json_stringified(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
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
        if (byte < 0x20) {
          out += "\\u00";
          out += hex[byte >> 4];
          out += hex[byte & 0xF];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace lvt::sim
