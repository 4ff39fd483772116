#include "marks.hpp"

namespace lvt::load {
namespace {

constexpr std::string_view prefix = "lvtload:";

// A decimal number at `at`, followed by `end` (or the text's end when end is 0); false if not.
bool read_number(std::string_view text, std::size_t& at, char end, std::uint64_t& value) {
  const std::size_t start = at;
  value = 0;
  while (at < text.size() && text[at] >= '0' && text[at] <= '9' && at - start < 19) {
    value = value * 10 + static_cast<std::uint64_t>(text[at] - '0');
    ++at;
  }
  if (at == start) return false;
  if (end == 0) return true;
  if (at >= text.size() || text[at] != end) return false;
  ++at;
  return true;
}

}  // namespace

std::string mark_text(const Mark& mark) {
  return std::string(prefix) + std::to_string(mark.run) + ":" + std::to_string(mark.sender) + ":" +
         std::to_string(mark.seq) + ":" + std::to_string(mark.sent_ns);
}

std::vector<Mark> marks_in(std::string_view frame) {
  std::vector<Mark> out;
  for (std::size_t at = frame.find(prefix); at != std::string_view::npos;
       at = frame.find(prefix, at)) {
    at += prefix.size();
    std::uint64_t run = 0, sender = 0, seq = 0, sent_ns = 0;
    if (read_number(frame, at, ':', run) && read_number(frame, at, ':', sender) &&
        read_number(frame, at, ':', seq) && read_number(frame, at, 0, sent_ns)) {
      out.push_back(
          {static_cast<std::uint32_t>(run), static_cast<std::uint32_t>(sender), seq, sent_ns});
    }
  }
  return out;
}

}  // namespace lvt::load
