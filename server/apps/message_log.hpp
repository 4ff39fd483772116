// The Broadcasting page's shared multi-author log: one per server, behind a reader/writer lock.
// Storage is chunked, each chunk twice the size of the one before, in a fixed directory: an
// index below a count read under the lock stays valid and immutable forever (connections keep a
// count, never a copy), and a short log costs a small chunk, not a large one.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>

#include "tree.hpp"

namespace lvt {

struct Message {
  std::uint64_t id = 0;
  std::string user;
  std::string text;
  // Its wire encoding and HTML, made at append when the log has an encoder.
  std::string item_json;
  std::string item_html;
};

class MessageLog {
 public:
  explicit MessageLog(std::size_t messages_max);

  // Renders every message once, at append, for all the connections that will send it: the
  // encoder fills item_json and item_html. Set before the first append; it runs under the
  // write lock.
  using ItemEncoder = void (*)(Message& message);
  void encode_items_with(ItemEncoder encoder);

  // Appends under the write lock; returns the count after the append, or nothing when the log
  // is full.
  std::optional<std::size_t> append(std::string user, std::string text);
  // The count under the read lock: a snapshot whose items may then be read without the lock.
  std::size_t snapshot() const;
  // Message `index`, which must be below a count this thread has read through snapshot() or
  // append().
  const Message& at(std::size_t index) const;
  std::size_t messages_max() const { return messages_max_; }

 private:
  // Chunk k holds first_chunk_messages << k messages: 2^48 messages in all, more than any bound.
  static constexpr std::size_t first_chunk_messages = 16;
  static constexpr std::size_t chunks_max = 44;
  struct Position {
    std::size_t chunk, offset;
  };
  static Position position_of(std::size_t index);

  mutable std::shared_mutex mutex_;
  const std::size_t messages_max_;
  std::array<std::unique_ptr<Message[]>, chunks_max> chunks_;  // filled in order, never moved
  std::size_t size_ = 0;                                       // guarded by mutex_
  ItemEncoder encoder_ = nullptr;
};

// Renders a view of the log as range items, sharing the log instead of copying it.
class MessageRangeSource final : public tree::RangeSource {
 public:
  using ItemRenderer = tree::Item (*)(const Message&);
  MessageRangeSource(std::shared_ptr<const MessageLog> log, ItemRenderer render);
  tree::Item item(std::size_t index) const override { return render_(log_->at(index)); }
  std::string key(std::size_t index) const override { return std::to_string(log_->at(index).id); }
  bool append_only() const override { return true; }
  const std::string* item_json(std::size_t index) const override {
    const std::string& json = log_->at(index).item_json;
    return json.empty() ? nullptr : &json;
  }
  const std::string* item_html(std::size_t index) const override {
    const std::string& html = log_->at(index).item_html;
    return html.empty() ? nullptr : &html;
  }

 private:
  std::shared_ptr<const MessageLog> log_;
  ItemRenderer render_;
};

}  // namespace lvt
