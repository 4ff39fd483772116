// Every bound the engine enforces, in one place. Flags may lower or raise the ones marked
// "default"; the rest are protocol facts.
#pragma once

#include <cstddef>
#include <cstdint>

namespace lvt::limits {

// Protocol facts (livetemplate's BroadcastAction).
inline constexpr std::size_t broadcasts_per_action_max = 100;
inline constexpr std::size_t dispatch_queue_jobs_default = 16;

// Input bounds.
inline constexpr std::size_t frame_bytes_default = 64 * 1024;
inline constexpr std::size_t http_body_bytes_max = 64 * 1024;
inline constexpr std::size_t username_chars_max = 64;
inline constexpr std::size_t message_chars_max = 2000;
inline constexpr std::size_t notes_chars_max = 10000;
inline constexpr std::size_t action_name_bytes_max = 128;
inline constexpr std::size_t json_depth_max = 16;

// Shared state bounds.
// The Broadcasting page's log: the newest messages the server keeps, and the newest a page
// shows (it pages back through the rest).
inline constexpr std::size_t log_messages_default = 10'000;
inline constexpr std::size_t log_window_default = 200;
inline constexpr std::size_t session_groups_default = 100'000;
// With replicas, a group's persisted fields live in the store this long after their last write.
inline constexpr std::uint64_t session_ttl_s_default = 24 * 3600;

// Per-connection rate limit (token bucket): sustained rate and burst.
inline constexpr double actions_per_second_default = 50.0;
inline constexpr double actions_burst_default = 100.0;

// A WebSocket that receives nothing (its keep-alive ping unanswered) for this long is closed:
// the life of a half-open socket on the server.
inline constexpr std::uint64_t websocket_idle_timeout_s = 300;

// Outbound queue of one connection, in the transport. Reading a connection's requests pauses
// above a quarter of each (WritePump::reading_paused).
inline constexpr std::size_t outbound_frames_default = 256;
inline constexpr std::size_t outbound_bytes_default = 4 * 1024 * 1024;
// A socket's buffer of framed bytes waiting for the kernel (net/corked_stream.hpp), besides
// its outbound queue: what one write system call carries at most.
inline constexpr std::size_t socket_buffer_bytes_max = 64 * 1024;
// What a WebSocket message's first read prepares in the connection's buffer (most actions
// fit): an idle connection holds this much for its next message, not a TCP frame's worth.
inline constexpr std::size_t read_first_bytes = 256;
// How long a connection cut as a slow reader has to take its close frame before its socket is
// closed without one.
inline constexpr unsigned cut_close_grace_ms = 2000;

}  // namespace lvt::limits
