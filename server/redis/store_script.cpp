#include "store_script.hpp"

#include <nlohmann/json.hpp>

namespace lvt::redis {

std::string_view store_script() {
  // KEYS: the log (a sorted set of [id, user, text] scored by id), the id counter, a group's
  // persisted fields.
  // ARGV: read_after, kept_max, append (0/1), user, text, read the fields (0/1), write them
  // (0/1), their JSON, their time to live in seconds, then channel and body pairs.
  // Returns {appended id (0: none), the counter, the records with ids over read_after, the
  // fields' JSON (nil: not read, or none stored)}.
  static constexpr std::string_view script = R"lua(
local read_after = tonumber(ARGV[1])
local kept_max = tonumber(ARGV[2])
local appended = 0
if ARGV[3] == '1' then
  appended = redis.call('INCR', KEYS[2])
  if appended <= read_after then
    -- The store lost its counter (a restart without persistence), but this replica has seen
    -- ids up to read_after: never hand one of those out again.
    appended = read_after + 1
    redis.call('SET', KEYS[2], appended)
  end
  redis.call('ZADD', KEYS[1], appended, cjson.encode({appended, ARGV[4], ARGV[5]}))
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -kept_max - 1)
  for i = 10, #ARGV, 2 do
    redis.call('PUBLISH', ARGV[i], ARGV[i + 1])
  end
end
if ARGV[7] == '1' then
  redis.call('SET', KEYS[3], ARGV[8], 'EX', tonumber(ARGV[9]))
end
local fields = false
if ARGV[6] == '1' then
  fields = redis.call('GET', KEYS[3])
end
local newest = tonumber(redis.call('GET', KEYS[2]) or '0')
return {appended, newest, redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. read_after, '+inf'), fields}
)lua";
  return script;
}

std::vector<std::string> store_command_argv(const StoreCommand& command, std::string_view sha) {
  std::vector<std::string> argv = {"EVALSHA",
                                   std::string(sha),
                                   "3",
                                   std::string(log_key),
                                   std::string(log_next_id_key),
                                   std::string(session_key_prefix) + command.session_group,
                                   std::to_string(command.read_after),
                                   std::to_string(command.kept_max),
                                   command.append ? "1" : "0",
                                   command.user,
                                   command.text,
                                   command.session_read ? "1" : "0",
                                   command.session_write ? "1" : "0",
                                   command.session_write.value_or(""),
                                   std::to_string(command.session_ttl_s)};
  for (const GroupAction& action : command.publish) {
    argv.push_back(group_channel(action.group));
    argv.push_back(group_action_json(action));
  }
  return argv;
}

StoreReply store_reply_from(const RespValue& reply) {
  StoreReply out;
  if (reply.kind == RespValue::Kind::error) {
    out.error = reply.text;
    return out;
  }
  if (reply.kind != RespValue::Kind::array || reply.elements.size() != 4 ||
      reply.elements[0].kind != RespValue::Kind::integer ||
      reply.elements[1].kind != RespValue::Kind::integer ||
      reply.elements[2].kind != RespValue::Kind::array ||
      (reply.elements[3].kind != RespValue::Kind::nil &&
       reply.elements[3].kind != RespValue::Kind::string)) {
    out.error = "the store script answered in an unknown shape";
    return out;
  }
  out.appended_id = static_cast<std::uint64_t>(reply.elements[0].integer);
  out.newest_id = static_cast<std::uint64_t>(reply.elements[1].integer);
  for (const RespValue& member : reply.elements[2].elements) {
    const nlohmann::json record = nlohmann::json::parse(member.text, nullptr, false);
    if (!record.is_array() || record.size() != 3 || !record[0].is_number_unsigned() ||
        !record[1].is_string() || !record[2].is_string()) {
      out.error = "a record in the store is not [id, user, text]";
      out.records.clear();
      return out;
    }
    out.records.push_back({record[0].get<std::uint64_t>(), record[1].get<std::string>(),
                           record[2].get<std::string>()});
  }
  if (reply.elements[3].kind == RespValue::Kind::string) out.session = reply.elements[3].text;
  out.ok = true;
  return out;
}

}  // namespace lvt::redis
