// The Broadcasting page's shared multi-author log: one per server, behind a reader/writer lock,
// a ring of the newest `messages_max` messages (the oldest evicted in order). Storage is chunks
// of `chunk_messages`, each written once and never moved: a connection's view of the log is a
// MessageWindow that holds the few chunks it shows (pointers, not copies), so what it reads stays
// valid after the log has moved past it, and the lock is taken only to make the window.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "replica.hpp"
#include "tree.hpp"

namespace lvt {

struct Message {
  std::uint64_t id = 0;  // its position in the log from 1, never reused while the server runs
  std::string user;
  std::string text;
  // Its wire encoding and HTML, made at append when the log has an encoder.
  std::string item_json;
  std::string item_html;
};

class MessageWindow;

class MessageLog final : public SharedLogCache {
 public:
  static constexpr std::size_t chunk_messages = 32;
  struct Chunk {
    std::array<Message, chunk_messages> messages;
  };

  explicit MessageLog(std::size_t messages_max);

  // Renders every message once, at append, for all the connections that will send it: the
  // encoder fills item_json and item_html. Set before the first append; it runs under the
  // write lock.
  using ItemEncoder = void (*)(Message& message);
  void encode_items_with(ItemEncoder encoder);
  // Items of a window are rendered by this (the page's template).
  using ItemRenderer = tree::Item (*)(const Message&);

  // Appends under the write lock, evicting the oldest message past messages_max; returns the
  // count of messages ever appended, which is the new message's id.
  std::size_t append(std::string user, std::string text);
  // The newest `span` messages (0: all) of those kept, as of the first `end_max` appended (all
  // by default): [max(first kept, end - span), end).
  std::shared_ptr<const MessageWindow> window(std::size_t span, ItemRenderer render,
                                              std::size_t end_max = SIZE_MAX) const;
  std::size_t snapshot() const;  // messages ever appended, under the read lock
  std::size_t messages_max() const { return messages_max_; }

  // As a replica's cache of the shared log (replica.hpp).
  std::uint64_t cached_through() const override { return snapshot(); }
  std::size_t kept_max() const override { return messages_max_; }
  std::uint64_t append_local(std::string user, std::string text) override {
    return append(std::move(user), std::move(text));
  }
  void absorb(const std::vector<LogRecord>& records) override;

 private:
  mutable std::shared_mutex mutex_;
  const std::size_t messages_max_;
  const std::uint64_t serial_;    // tells logs apart in a thread's cache of windows (window())
  std::uint64_t generation_ = 0;  // guarded by mutex_: moves with every change of the messages
  // Guarded by mutex_: the chunks holding the kept messages, oldest first; chunks_[0] is chunk
  // number first_chunk_ (messages [first_chunk_ * chunk_messages, ...)).
  std::deque<std::shared_ptr<Chunk>> chunks_;
  std::size_t first_chunk_ = 0;
  std::size_t size_ = 0;
  // Positions below this hold no message: the store had evicted them when absorb jumped.
  std::size_t first_present_ = 0;
  ItemEncoder encoder_ = nullptr;

  void append_locked(std::uint64_t id, std::string user, std::string text);
  std::size_t first_kept_locked() const;
};

// Messages [begin, end) of one log as range items: item i is message begin + i. Two windows of
// one log are views of one append-only sequence, which the differ diffs by index (removes at
// the front, prepends, appends) instead of by key.
class MessageWindow final : public tree::RangeSource {
 public:
  MessageWindow(const MessageLog* log, std::size_t begin, std::size_t end, bool has_older,
                std::size_t first_chunk,
                std::vector<std::shared_ptr<const MessageLog::Chunk>> chunks,
                MessageLog::ItemRenderer render);

  std::size_t begin() const { return begin_; }
  std::size_t end() const { return end_; }
  std::size_t size() const { return end_ - begin_; }
  // Whether the log kept older messages than the window's when it was made (never for a
  // window of all it kept).
  bool has_older() const { return has_older_; }
  const Message& at(std::size_t index) const;  // begin() <= index < end()

  tree::Item item(std::size_t i) const override { return render_(at(begin_ + i)); }
  std::string key(std::size_t i) const override { return std::to_string(at(begin_ + i).id); }
  const void* sequence() const override { return log_; }
  std::size_t sequence_index(std::size_t i) const override { return begin_ + i; }
  const std::string* item_json(std::size_t i) const override {
    const std::string& json = at(begin_ + i).item_json;
    return json.empty() ? nullptr : &json;
  }
  const std::string* item_html(std::size_t i) const override {
    const std::string& html = at(begin_ + i).item_html;
    return html.empty() ? nullptr : &html;
  }

 private:
  const MessageLog* log_;  // only its identity: the window reads its own chunks
  std::size_t begin_, end_;
  bool has_older_;
  std::size_t first_chunk_;  // the chunk number of chunks_[0]
  std::vector<std::shared_ptr<const MessageLog::Chunk>> chunks_;
  MessageLog::ItemRenderer render_;
};

}  // namespace lvt
