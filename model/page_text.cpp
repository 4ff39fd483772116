#include "page_text.hpp"

#include "task_list_text.hpp"

#include <algorithm>
#include <array>
#include <cassert>
#include <initializer_list>

namespace lvt::model {
namespace {

bool ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

char lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Elements whose edges start a new block of text (the ones our pages use, and the common rest).
// `name` in lower case.
bool is_block(std::string_view name) {
  auto any_of = [name](std::initializer_list<std::string_view> names) {
    for (const std::string_view candidate : names) {
      if (name == candidate) return true;
    }
    return false;
  };
  if (name.empty()) return false;
  switch (name[0]) {
    case 'a':
      return any_of({"address", "article", "aside"});
    case 'b':
      return any_of({"blockquote", "br", "button"});
    case 'd':
      return any_of({"div", "dl"});
    case 'f':
      return any_of({"fieldset", "footer", "form"});
    case 'h':
      return (name.size() == 2 && name[1] >= '1' && name[1] <= '6') || name == "header";
    case 'l':
      return any_of({"label", "li"});
    case 'm':
      return name == "main";
    case 'n':
      return name == "nav";
    case 'o':
      return any_of({"ol", "option"});
    case 'p':
      return name.size() == 1;
    case 's':
      return any_of({"section", "select"});
    case 't':
      return any_of({"table", "td", "th", "tr"});
    case 'u':
      return name == "ul";
    default:
      return false;
  }
}

void append_code_point(std::string& out, std::uint32_t cp) {
  if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Decodes the character reference at html[at] == '&' into `out` and returns the index after it;
// an ampersand that starts no reference is itself (as a browser reads it).
std::size_t decode_reference(std::string_view html, std::size_t at, std::string& out) {
  const std::size_t semicolon = html.find(';', at);
  if (semicolon == std::string_view::npos || semicolon - at > 12) {
    out += '&';
    return at + 1;
  }
  const std::string_view name = html.substr(at + 1, semicolon - at - 1);
  if (name.size() >= 2 && name[0] == '#') {
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const std::string_view digits = name.substr(hex ? 2 : 1);
    std::uint32_t cp = 0;
    bool ok = !digits.empty();
    for (char c : digits) {
      const char l = lower(c);
      const int digit = l >= '0' && l <= '9'          ? l - '0'
                        : hex && l >= 'a' && l <= 'f' ? l - 'a' + 10
                                                      : -1;
      ok = ok && digit >= 0;
      if (ok)
        cp = std::min<std::uint32_t>(cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(digit),
                                     0x110000);
    }
    if (ok) {
      append_code_point(out, cp);
      return semicolon + 1;
    }
  }
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> named = {
      {{"amp", "&"},
       {"lt", "<"},
       {"gt", ">"},
       {"quot", "\""},
       {"apos", "'"},
       {"nbsp", "\xC2\xA0"}}};
  for (const auto& [entity, text] : named) {
    if (name == entity) {
      out += text;
      return semicolon + 1;
    }
  }
  out += '&';
  return at + 1;
}

std::string_view trim_ascii_space(std::string_view s) {
  while (!s.empty() && ascii_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && ascii_space(s.back())) s.remove_suffix(1);
  return s;
}

// Reads HTML as a browser would for its text, block by block.
class BlockReader {
 public:
  explicit BlockReader(std::string_view html) : html_(html) {}

  std::vector<std::string> read() {
    while (at_ < html_.size()) {
      if (html_[at_] == '<' && starts_markup()) {
        read_markup();
      } else if (html_[at_] == '&') {
        at_ = decode_reference(html_, at_, block_);
      } else {  // a plain run, whole
        const std::size_t next = std::min(html_.find_first_of("<&", at_ + 1), html_.size());
        block_.append(html_.substr(at_, next - at_));
        at_ = next;
      }
    }
    end_block();
    return std::move(blocks_);
  }

 private:
  // '<' starts a tag only before a letter, '/', '!' or '?'; otherwise it is text.
  bool starts_markup() const {
    if (at_ + 1 >= html_.size()) return false;
    const char next = lower(html_[at_ + 1]);
    return (next >= 'a' && next <= 'z') || next == '/' || next == '!' || next == '?';
  }

  void read_markup() {
    if (html_.substr(at_, 4) == "<!--") {
      const std::size_t end = html_.find("-->", at_ + 4);
      at_ = end == std::string_view::npos ? html_.size() : end + 3;
      return;
    }
    const std::size_t end = tag_end(at_);
    const bool closing = html_[at_ + 1] == '/';
    // The tag's name, in lower case (names longer than any we look for are cut short).
    std::array<char, 12> name_bytes{};
    std::size_t name_size = 0;
    for (std::size_t i = at_ + (closing ? 2 : 1);
         i < end && !ascii_space(html_[i]) && html_[i] != '>' && html_[i] != '/'; ++i) {
      if (name_size < name_bytes.size()) name_bytes[name_size++] = lower(html_[i]);
    }
    const std::string_view name(name_bytes.data(), name_size);
    at_ = end;
    if (closing) {
      if (is_block(name)) end_block();
      return;
    }
    if (name == "head" || name == "script" || name == "style" || name == "title") {
      return skip_to_close(name);
    }
    if (name == "body") {  // what came before (a document's head) is not shown
      blocks_.clear();
      block_.clear();
      return;
    }
    if (name == "textarea") return read_textarea();
    if (is_block(name)) end_block();
  }

  // Just past the '>' that ends the tag at `from`, quotes respected.
  std::size_t tag_end(std::size_t from) const {
    char quote = 0;
    for (std::size_t i = from + 1; i < html_.size(); ++i) {
      const char c = html_[i];
      if (quote != 0) {
        if (c == quote) quote = 0;
      } else if (c == '"' || c == '\'') {
        quote = c;
      } else if (c == '>') {
        return i + 1;
      }
    }
    return html_.size();
  }

  void skip_to_close(std::string_view name) {
    while (at_ < html_.size()) {
      const std::size_t open = html_.find("</", at_);
      if (open == std::string_view::npos) break;
      std::string candidate;
      for (std::size_t i = open + 2; i < html_.size() && candidate.size() < name.size(); ++i) {
        candidate += lower(html_[i]);
      }
      at_ = tag_end(open);
      if (candidate == name) return;
    }
    at_ = html_.size();
  }

  // A textarea's text is a block of its own, verbatim (its one leading newline is the parser's).
  void read_textarea() {
    end_block();
    if (at_ < html_.size() && html_[at_] == '\n') ++at_;
    std::string text;
    while (at_ < html_.size()) {
      if (html_.substr(at_, 2) == "</" && tag_is(at_ + 2, "textarea")) {
        at_ = tag_end(at_);
        break;
      }
      if (html_[at_] == '&') {
        at_ = decode_reference(html_, at_, text);
      } else {
        text += html_[at_++];
      }
    }
    blocks_.push_back(std::move(text));
  }

  bool tag_is(std::size_t at, std::string_view name) const {
    for (std::size_t k = 0; k < name.size(); ++k) {
      if (at + k >= html_.size() || lower(html_[at + k]) != name[k]) return false;
    }
    return true;
  }

  void end_block() {
    const std::string_view text = trim_ascii_space(block_);
    if (!text.empty()) blocks_.emplace_back(text);
    block_.clear();
  }

  std::string_view html_;
  std::size_t at_ = 0;
  std::string block_;
  std::vector<std::string> blocks_;
};

std::string quoted(const std::vector<std::string>& blocks, std::size_t k) {
  if (k >= blocks.size())
    return "block " + std::to_string(k + 1) + ": none (" + std::to_string(blocks.size()) +
           " blocks)";
  std::string text = blocks[k];
  if (text.size() > 160) text = text.substr(0, 157) + "...";
  return "block " + std::to_string(k + 1) + ": '" + text + "'";
}

}  // namespace

std::vector<std::string> text_blocks(std::string_view html) {
  return BlockReader(html).read();
}

View view_of(const Tab& tab, GroupMode group_mode) {
  return View{tab.page,   tab.username, tab.messages, tab.fields, group_mode,
              tab.errors, tab.tasks,    tab.first,    tab.older};
}

std::string_view explanation(Page page, GroupMode group_mode) {
  const bool global = group_mode == GroupMode::global;
  if (page == Page::tasks) return {};
  if (page == Page::reconnection) {
    return global ? "Counter and Notes are saved for the one group every visitor shares "
                    "(--group-mode global) and come back after a reload or a reconnect; another "
                    "open tab shows a change when it reloads."
                  : "Counter and Notes are saved per session group (this browser's cookie) and "
                    "come back after a reload or a reconnect; another open tab shows a change "
                    "when it reloads, and another browser or a private window has its own. "
                    "Started with --group-mode global, every visitor shares one Counter and "
                    "Notes.";
  }
  return global ? "Each tab keeps its own name; every visitor is in one group (--group-mode "
                  "global), so a message reaches every open tab at once."
                : "Each tab keeps its own name; a message reaches the other tabs of this browser "
                  "at once (one session group per browser cookie). Another browser or a private "
                  "window is another group: it sees new messages when it reloads. Started with "
                  "--group-mode global, the server puts every visitor in one group.";
}

namespace {

// The error block of `field`, if the view has one.
const std::string* error_of(const View& view, std::string_view field) {
  const auto found = view.errors.find(std::string(field));
  return found == view.errors.end() ? nullptr : &found->second;
}

}  // namespace

std::vector<std::string> expected_blocks(const View& view, const std::vector<Message>& log) {
  assert(view.messages <= log.size());
  if (view.page == Page::tasks) {
    // A refusal is the tab's one field error, shown in one place whatever its field.
    return expected_task_blocks(view.tasks, view.errors.empty() ? "" : view.errors.begin()->second);
  }
  std::vector<std::string> blocks;
  const std::string scope(explanation(view.page, view.group_mode));
  if (view.page == Page::reconnection) {
    blocks = {"Reconnection", "All demos",
              scope,          "Counter: " + std::to_string(view.fields.counter),
              "Increment",    view.fields.notes,
              "Save notes"};
    if (const std::string* error = error_of(view, "notes")) blocks.push_back(*error);
    return blocks;
  }
  blocks = {"Broadcasting", "All demos", scope};
  const bool joined = !view.username.empty();
  blocks.push_back(joined ? "Posting as " + view.username : "Join");
  if (const std::string* error = error_of(view, "username"); error && !joined) {
    blocks.push_back(*error);
  }
  if (view.first == view.messages) blocks.emplace_back("No messages yet.");
  if (view.older && view.first < view.messages) blocks.emplace_back("Older messages");
  for (std::size_t i = view.first; i < view.messages; ++i) {
    blocks.push_back(log[i].user + ": " + log[i].text);
  }
  if (joined) {
    blocks.emplace_back("Send");
    if (const std::string* error = error_of(view, "text")) blocks.push_back(*error);
  }
  return blocks;
}

bool shows(const std::vector<std::string>& held, const View& view,
           const std::vector<Message>& log) {
  assert(view.messages <= log.size());
  if (view.page != Page::broadcasting) return held == expected_blocks(view, log);
  const bool joined = !view.username.empty();
  const std::string* name_error = joined ? nullptr : error_of(view, "username");
  const std::string* text_error = joined ? error_of(view, "text") : nullptr;
  const std::size_t shown = view.messages - view.first;
  const bool older = view.older && shown > 0;
  const std::size_t messages_at = 4 + (name_error ? 1 : 0) + (older ? 1 : 0);
  const std::size_t blocks =
      messages_at + std::max<std::size_t>(shown, 1) + (joined ? 1 + (text_error ? 1 : 0) : 0);
  if (held.size() != blocks || held[0] != "Broadcasting" || held[1] != "All demos" ||
      held[2] != explanation(view.page, view.group_mode)) {
    return false;
  }
  constexpr std::string_view posting_as = "Posting as ";
  if (joined ? !(held[3].size() == posting_as.size() + view.username.size() &&
                 held[3].starts_with(posting_as) && held[3].ends_with(view.username))
             : held[3] != "Join") {
    return false;
  }
  if (name_error && held[4] != *name_error) return false;
  if (older && held[messages_at - 1] != "Older messages") return false;
  if (shown == 0 && held[messages_at] != "No messages yet.") return false;
  for (std::size_t i = 0; i < shown; ++i) {
    const std::string& block = held[messages_at + i];
    const Message& m = log[view.first + i];
    if (block.size() != m.user.size() + 2 + m.text.size() || !block.starts_with(m.user) ||
        block.compare(m.user.size(), 2, ": ") != 0 || !block.ends_with(m.text)) {
      return false;
    }
  }
  if (!joined) return true;
  if (text_error) return held[blocks - 2] == "Send" && held.back() == *text_error;
  return held.back() == "Send";
}

BlockDifference first_difference(const std::vector<std::string>& expected,
                                 const std::vector<std::string>& held) {
  const std::size_t n = std::max(expected.size(), held.size());
  for (std::size_t k = 0; k < n; ++k) {
    if (k < expected.size() && k < held.size() && expected[k] == held[k]) continue;
    return {quoted(expected, k), quoted(held, k)};
  }
  return {};
}

std::size_t escaped_json_bytes(std::string_view raw) {
  std::size_t bytes = 2;  // the quotes
  for (const char c : raw) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '&':
        bytes += 5;
        break;  // &amp;
      case '<':
        bytes += 4;
        break;  // &lt;
      case '>':
        bytes += 4;
        break;  // &gt;
      case '"':
        bytes += 6;
        break;  // &quot;
      case '\'':
        bytes += 5;
        break;  // &#39;
      case '{':
        bytes += 6;
        break;  // &#123;
      case '\\':
        bytes += 2;
        break;
      case '\n':
      case '\r':
      case '\t':
      case '\b':
      case '\f':
        bytes += 2;
        break;
      default:
        bytes += byte < 0x20 ? 6 : 1;
    }
  }
  return bytes;
}

}  // namespace lvt::model
