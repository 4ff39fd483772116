// The shared log in Redis: a sorted set of records scored by id, a counter for ids, and one Lua
// script that appends, trims, publishes and reads back in a single atomic round trip
// (replica.hpp's StoreCommand), so a broadcast is never out before its message is stored.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "replica.hpp"
#include "resp.hpp"

namespace lvt::redis {

inline constexpr std::string_view log_key = "livetemplate:log";
inline constexpr std::string_view log_next_id_key = "livetemplate:log:next-id";
// A group's persisted fields, as livetemplate keeps them (protocol.md §9).
inline constexpr std::string_view session_key_prefix = "livetemplate:session:";

// The script's source; Redis names it by its SHA-1, which SCRIPT LOAD returns.
std::string_view store_script();

// EVALSHA's arguments for `command`.
std::vector<std::string> store_command_argv(const StoreCommand& command, std::string_view sha);
// The script's reply (or Redis's error) as a StoreReply.
StoreReply store_reply_from(const RespValue& reply);

}  // namespace lvt::redis
