#include "message_log.hpp"

#include <bit>
#include <cassert>
#include <mutex>
#include <utility>

namespace lvt {

MessageLog::MessageLog(std::size_t messages_max) : messages_max_(messages_max) {
  assert(messages_max > 0);
  assert(messages_max / first_chunk_messages < (std::size_t{1} << chunks_max));  // room for all
}

MessageLog::Position MessageLog::position_of(std::size_t index) {
  // Chunk k starts at first_chunk_messages * (2^k - 1).
  const std::size_t chunk = std::bit_width(index / first_chunk_messages + 1) - 1;
  assert(chunk < chunks_max);
  return {chunk, index - first_chunk_messages * ((std::size_t{1} << chunk) - 1)};
}

std::optional<std::size_t> MessageLog::append(std::string user, std::string text) {
  std::unique_lock lock(mutex_);
  if (size_ >= messages_max_) return std::nullopt;
  const Position at = position_of(size_);
  auto& chunk = chunks_[at.chunk];
  if (!chunk) chunk = std::make_unique<Message[]>(first_chunk_messages << at.chunk);
  Message& slot = chunk[at.offset];
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
  const Position at = position_of(index);
  assert(chunks_[at.chunk]);
  return chunks_[at.chunk][at.offset];
}

MessageRangeSource::MessageRangeSource(std::shared_ptr<const MessageLog> log, ItemRenderer render)
    : log_(std::move(log)), render_(render) {}

}  // namespace lvt
