// RESP, Redis's wire protocol, without I/O: commands encoded by hand (an array of bulk
// strings), replies read by hiredis's reader into plain values that own their bytes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lvt::redis {

struct RespValue {
  enum class Kind { string, status, error, integer, nil, array };
  Kind kind = Kind::nil;
  std::string text;  // string, status, error
  long long integer = 0;
  std::vector<RespValue> elements;  // array
};

// `*N\r\n$len\r\narg\r\n...`: what redis-cli sends.
std::string resp_command(const std::vector<std::string>& argv);

// Bytes in, whole replies out, in order. A protocol error poisons the reader for good: the
// connection it reads must be dropped.
class RespReader {
 public:
  // Bounds what one reply may hold, so that a broken peer cannot grow the reader without end.
  static constexpr std::size_t reply_bytes_max = 64 * 1024 * 1024;

  RespReader();
  ~RespReader();
  RespReader(const RespReader&) = delete;
  RespReader& operator=(const RespReader&) = delete;

  void feed(std::string_view bytes);
  // The next whole reply, if one is in; nullopt with error() set on a protocol error.
  std::optional<RespValue> next();
  const std::string& error() const { return error_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::size_t buffered_bytes_ = 0;
  std::string error_;
};

}  // namespace lvt::redis
