// What `lvtlab load` writes in each message and finds again in the frames: a mark naming the
// sender, its sequence number and the send time. It is letters, digits and colons, so HTML
// escaping and JSON encoding leave it as it is, and a frame is scanned for it without parsing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lvt::load {

struct Mark {
  std::uint32_t run = 0;  // one run's marks apart from an earlier run's still in the log
  std::uint32_t sender = 0;
  std::uint64_t seq = 0;
  std::uint64_t sent_ns = 0;
  bool operator==(const Mark&) const = default;
};

std::string mark_text(const Mark& mark);  // "lvtload:RUN:SENDER:SEQ:SENT_NS"
// Every mark in `frame`, in the order they appear.
std::vector<Mark> marks_in(std::string_view frame);

}  // namespace lvt::load
