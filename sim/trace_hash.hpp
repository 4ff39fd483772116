// A run's trace hash: every event (its time, kind and fields) folded in as it is handled, so
// that two runs of one seed can be compared by one number.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <variant>

namespace lvt::sim::detail {

constexpr std::uint64_t fnv_offset = 14695981039346656037ull;

// FNV-1a over 8-byte words (the trace hashes every frame, so bytewise FNV showed in profiles).
inline std::uint64_t fnv(std::uint64_t hash, std::string_view bytes) {
  std::size_t at = 0;
  for (; at + 8 <= bytes.size(); at += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes.data() + at, 8);
    hash = (hash ^ word) * 1099511628211ull;
    hash ^= hash >> 29;
  }
  for (; at < bytes.size(); ++at) {
    hash = (hash ^ static_cast<unsigned char>(bytes[at])) * 1099511628211ull;
  }
  return hash;
}

// An event's payload as text: a frame to a client (a Frame) or from one (a string).
template <class Payload>
const std::string& payload_text(const Payload& payload) {
  if constexpr (requires { payload.text(); }) {
    return payload.text();
  } else {
    return payload;
  }
}

// The trace's hash, extended by an event: its time, kind, and the fields its kind has.
template <class WorldEvent>
std::uint64_t traced(std::uint64_t trace_hash, std::uint64_t time_us, const WorldEvent& event) {
  std::uint64_t fields[10] = {time_us, event.index()};
  std::size_t n = 2;
  std::string_view payload;
  std::visit(
      [&](const auto& e) {
        if constexpr (requires { e.tab; }) fields[n++] = static_cast<std::uint64_t>(e.tab);
        if constexpr (requires { e.end; }) fields[n++] = static_cast<std::uint64_t>(e.end);
        if constexpr (requires { e.generation; }) fields[n++] = e.generation;
        if constexpr (requires { e.epoch; }) fields[n++] = e.epoch;
        if constexpr (requires { e.page_load; }) fields[n++] = e.page_load;
        if constexpr (requires { e.pongs_at_ping; }) fields[n++] = e.pongs_at_ping;
        if constexpr (requires { e.hidden_us; }) fields[n++] = e.hidden_us;
        if constexpr (requires { e.replica; }) fields[n++] = static_cast<std::uint64_t>(e.replica);
        if constexpr (requires { e.link; }) fields[n++] = e.link;
        if constexpr (requires { e.request; }) fields[n++] = e.request;
        if constexpr (requires { e.publish; }) fields[n++] = e.publish;
        if constexpr (requires { e.payload; }) payload = payload_text(e.payload);
      },
      event);
  fields[n++] = fnv(fnv_offset, payload);
  return fnv(trace_hash == 0 ? fnv_offset : trace_hash,
             std::string_view(reinterpret_cast<const char*>(fields), n * sizeof(std::uint64_t)));
}

}  // namespace lvt::sim::detail
