// A frame's text, immutable and shared: a peer update that many connections get alike is
// encoded once (Engine::dispatch), and each of their queues holds the same bytes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

namespace lvt {

class Frame {
 public:
  Frame() = default;       // no text: what a pump holds when idle
  Frame(std::string text)  // NOLINT(google-explicit-constructor): every frame starts as text
      : text_(std::make_shared<const std::string>(std::move(text))) {}
  Frame(const char* text) : Frame(std::string(text)) {}  // NOLINT(google-explicit-constructor)

  const std::string& text() const { return text_ ? *text_ : empty_text(); }
  std::size_t size() const { return text().size(); }
  // Whether both hold the very same bytes (one encoding shared), not just equal ones.
  bool shares_text_with(const Frame& other) const { return text_ && text_ == other.text_; }

  friend bool operator==(const Frame& a, const Frame& b) { return a.text() == b.text(); }
  // Written as its text (test messages, logs), to any stream that writes strings.
  template <class Stream>
  requires requires(Stream& out, const std::string& text) { out << text; }
  friend Stream& operator<<(Stream& out, const Frame& frame) {
    out << frame.text();
    return out;
  }

 private:
  static const std::string& empty_text() {
    static const std::string empty;
    return empty;
  }
  std::shared_ptr<const std::string> text_;
};

}  // namespace lvt
