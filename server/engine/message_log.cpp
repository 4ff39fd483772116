#include "message_log.hpp"

#include <cassert>
#include <mutex>
#include <utility>

namespace lvt {

MessageLog::MessageLog(std::size_t messages_max)
    : messages_max_(messages_max), chunks_((messages_max + chunk_messages - 1) / chunk_messages) {
  assert(messages_max > 0);
}

std::optional<std::size_t> MessageLog::append(std::string user, std::string text) {
  std::unique_lock lock(mutex_);
  if (size_ >= messages_max_) return std::nullopt;
  auto& chunk = chunks_[size_ / chunk_messages];
  if (!chunk) chunk = std::make_unique<Message[]>(chunk_messages);
  Message& slot = chunk[size_ % chunk_messages];
  slot.id = size_ + 1;  // ids are 1, 2, 3, ...: the position in the log, never reused
  slot.user = std::move(user);
  slot.text = std::move(text);
  slot.item_json.clear();
  slot.item_html.clear();
  if (encoder_) encoder_(slot);
  return ++size_;
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

const Message& MessageLog::at(std::size_t index) const {
  assert(index < messages_max_);
  const auto& chunk = chunks_[index / chunk_messages];
  assert(chunk);
  return chunk[index % chunk_messages];
}

MessageRangeSource::MessageRangeSource(std::shared_ptr<const MessageLog> log, ItemRenderer render)
    : log_(std::move(log)), render_(render) {}

}  // namespace lvt
