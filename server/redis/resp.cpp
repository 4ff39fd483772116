#include "resp.hpp"

#include <cassert>

#include <hiredis/hiredis.h>

namespace lvt::redis {
namespace {

RespValue convert(const redisReply& reply) {
  RespValue value;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      value.kind = RespValue::Kind::string;
      value.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      value.kind = RespValue::Kind::status;
      value.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      value.kind = RespValue::Kind::error;
      value.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      value.kind = RespValue::Kind::integer;
      value.integer = reply.integer;
      break;
    case REDIS_REPLY_ARRAY:
      value.kind = RespValue::Kind::array;
      value.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) {
        value.elements.push_back(convert(*reply.element[i]));
      }
      break;
    default:
      value.kind = RespValue::Kind::nil;
  }
  return value;
}

}  // namespace

std::string resp_command(const std::vector<std::string>& argv) {
  assert(!argv.empty());
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const std::string& arg : argv) {
    out += '$';
    out += std::to_string(arg.size());
    out += "\r\n";
    out += arg;
    out += "\r\n";
  }
  return out;
}

struct RespReader::Impl {
  redisReader* reader = redisReaderCreate();
  ~Impl() { redisReaderFree(reader); }
};

RespReader::RespReader() : impl_(std::make_unique<Impl>()) {}
RespReader::~RespReader() = default;

void RespReader::feed(std::string_view bytes) {
  if (!error_.empty()) return;
  buffered_bytes_ += bytes.size();
  if (buffered_bytes_ > reply_bytes_max) {
    error_ = "a reply over " + std::to_string(reply_bytes_max) + " bytes";
    return;
  }
  if (redisReaderFeed(impl_->reader, bytes.data(), bytes.size()) != REDIS_OK) {
    error_ = impl_->reader->errstr;
  }
}

std::optional<RespValue> RespReader::next() {
  if (!error_.empty()) return std::nullopt;
  void* raw = nullptr;
  if (redisReaderGetReply(impl_->reader, &raw) != REDIS_OK) {
    error_ = impl_->reader->errstr;
    return std::nullopt;
  }
  if (raw == nullptr) return std::nullopt;
  std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw),
                                                     &freeReplyObject);
  // What the reader still holds is at most what was fed after this reply.
  buffered_bytes_ = impl_->reader->len - impl_->reader->pos;
  return convert(*reply);
}

}  // namespace lvt::redis
