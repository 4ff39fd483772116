#include "message_log.hpp"

#include <algorithm>
#include <atomic>
#include <cassert>
#include <mutex>
#include <utility>

namespace lvt {

namespace {
std::atomic<std::uint64_t> next_log_serial{1};
}  // namespace

MessageLog::MessageLog(std::size_t messages_max)
    : messages_max_(messages_max), serial_(next_log_serial.fetch_add(1)) {
  assert(messages_max > 0);
}

std::size_t MessageLog::append(std::string user, std::string text) {
  std::unique_lock lock(mutex_);
  append_locked(size_ + 1, std::move(user), std::move(text));
  return size_;
}

void MessageLog::absorb(const std::vector<LogRecord>& records) {
  std::unique_lock lock(mutex_);
  for (const LogRecord& record : records) {
    assert(record.id > 0);
    if (record.id <= size_) continue;  // held already (read twice, or the sender's own)
    if (record.id > size_ + 1) {
      // The store evicted what lies between: move past it to the chunk the record goes in.
      const std::size_t position = record.id - 1;
      while (!chunks_.empty() && (first_chunk_ + chunks_.size()) * chunk_messages <= position) {
        chunks_.pop_front();
        ++first_chunk_;
      }
      if (chunks_.empty()) {
        first_chunk_ = position / chunk_messages;
        chunks_.push_back(std::make_shared<Chunk>());
      }
      first_present_ = position;
      size_ = position;
      ++generation_;
    }
    append_locked(record.id, record.user, record.text);
  }
}

void MessageLog::append_locked(std::uint64_t id, std::string user, std::string text) {
  assert(id == size_ + 1);
  ++generation_;
  if (size_ % chunk_messages == 0 &&
      (chunks_.empty() || (first_chunk_ + chunks_.size()) * chunk_messages <= size_)) {
    chunks_.push_back(std::make_shared<Chunk>());
  }
  Message& slot = chunks_.back()->messages[size_ % chunk_messages];
  slot.id = id;
  slot.user = std::move(user);
  slot.text = std::move(text);
  if (encoder_) encoder_(slot);
  ++size_;
  // Evict the chunks every message of which is older than the newest messages_max; windows
  // that still show them keep them alive.
  const std::size_t first_kept = first_kept_locked();
  while ((first_chunk_ + 1) * chunk_messages <= first_kept) {
    chunks_.pop_front();
    ++first_chunk_;
  }
  assert(!chunks_.empty() && (first_chunk_ + chunks_.size() - 1) * chunk_messages < size_);
}

std::size_t MessageLog::first_kept_locked() const {
  return std::max(size_ - std::min(size_, messages_max_), first_present_);
}

void MessageLog::encode_items_with(ItemEncoder encoder) {
  std::unique_lock lock(mutex_);
  assert(size_ == 0);
  encoder_ = encoder;
}

std::size_t MessageLog::snapshot() const {
  std::shared_lock lock(mutex_);
  return size_;
}

std::shared_ptr<const MessageWindow> MessageLog::window(std::size_t span, ItemRenderer render,
                                                        std::size_t end_max) const {
  std::shared_lock lock(mutex_);
  const std::size_t first_kept = first_kept_locked();
  const std::size_t end = std::max(first_kept, std::min(size_, end_max));
  const std::size_t begin = span == 0 || span >= end - first_kept ? first_kept : end - span;
  const bool has_older = begin > first_kept;
  // The peers of one broadcast each read the log after it changed once: a thread gives the
  // window it made last again while the log has not changed (a window never changes), rather
  // than a copy per peer with its chunks' reference counts.
  struct Cached {
    std::uint64_t serial = 0, generation = 0;
    ItemRenderer render = nullptr;
    std::shared_ptr<const MessageWindow> window;
  };
  thread_local Cached cached;
  // The generation fixes what the log kept, so begin and end fix the window.
  if (cached.window && cached.serial == serial_ && cached.generation == generation_ &&
      cached.render == render && cached.window->begin() == begin && cached.window->end() == end) {
    return cached.window;
  }
  std::vector<std::shared_ptr<const Chunk>> chunks;
  const std::size_t chunk_begin = begin / chunk_messages;
  if (begin < end) {
    const std::size_t chunk_end = (end - 1) / chunk_messages + 1;
    assert(chunk_begin >= first_chunk_ && chunk_end - first_chunk_ <= chunks_.size());
    chunks.assign(chunks_.begin() + static_cast<std::ptrdiff_t>(chunk_begin - first_chunk_),
                  chunks_.begin() + static_cast<std::ptrdiff_t>(chunk_end - first_chunk_));
  }
  auto window = std::make_shared<MessageWindow>(this, begin, end, has_older, chunk_begin,
                                                std::move(chunks), render);
  cached = {serial_, generation_, render, window};
  return window;
}

MessageWindow::MessageWindow(const MessageLog* log, std::size_t begin, std::size_t end,
                             bool has_older, std::size_t first_chunk,
                             std::vector<std::shared_ptr<const MessageLog::Chunk>> chunks,
                             MessageLog::ItemRenderer render)
    : log_(log),
      begin_(begin),
      end_(end),
      has_older_(has_older),
      first_chunk_(first_chunk),
      chunks_(std::move(chunks)),
      render_(render) {
  assert(begin <= end);
}

const Message& MessageWindow::at(std::size_t index) const {
  assert(index >= begin_ && index < end_);
  return chunks_[index / MessageLog::chunk_messages - first_chunk_]
      ->messages[index % MessageLog::chunk_messages];
}

}  // namespace lvt
