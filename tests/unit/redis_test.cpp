// Redis's protocol and the shared log's script reply, without a Redis (the replica tests in
// tests/replicas run them against a real one).
#include <gtest/gtest.h>

#include <string>

#include "redis_url.hpp"
#include "resp.hpp"
#include "store_script.hpp"

namespace lvt::redis {
namespace {

TEST(RedisUrl, TakesHostPortAndDb) {
  std::string error;
  auto address = parse_redis_url("redis://127.0.0.1:6390/3", &error);
  ASSERT_TRUE(address) << error;
  EXPECT_EQ(address->host, "127.0.0.1");
  EXPECT_EQ(address->port, 6390);
  EXPECT_EQ(address->db, 3u);
  address = parse_redis_url("redis://[::1]:7000", &error);
  ASSERT_TRUE(address) << error;
  EXPECT_EQ(address->host, "::1");
  EXPECT_EQ(address->port, 7000);
  address = parse_redis_url("redis://10.0.0.2", &error);
  ASSERT_TRUE(address) << error;
  EXPECT_EQ(address->port, 6379);
  for (const char* bad : {"http://127.0.0.1:6379", "redis://", "redis://:6379",
                          "redis://127.0.0.1:0", "redis://127.0.0.1:65536", "redis://h:1/16",
                          "redis://u:p@127.0.0.1:6379", "redis://[::1:6379"}) {
    error.clear();
    EXPECT_FALSE(parse_redis_url(bad, &error)) << bad;
    EXPECT_NE(error.find("redis://HOST:PORT"), std::string::npos) << bad;
  }
}

TEST(Resp, EncodesCommandsAsArraysOfBulkStrings) {
  EXPECT_EQ(resp_command({"SET", "k", "a\r\nb"}), "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n");
}

TEST(Resp, ReadsRepliesSplitAnywhere) {
  const std::string bytes =
      "+OK\r\n:42\r\n-ERR no\r\n$-1\r\n*2\r\n$5\r\nhello\r\n*1\r\n:7\r\n$0\r\n\r\n";
  RespReader reader;
  std::vector<RespValue> replies;
  for (char byte : bytes) {  // a byte at a time: every split point
    reader.feed(std::string_view(&byte, 1));
    while (auto reply = reader.next()) replies.push_back(std::move(*reply));
  }
  ASSERT_TRUE(reader.error().empty());
  ASSERT_EQ(replies.size(), 6u);
  EXPECT_EQ(replies[0].kind, RespValue::Kind::status);
  EXPECT_EQ(replies[1].integer, 42);
  EXPECT_EQ(replies[2].kind, RespValue::Kind::error);
  EXPECT_EQ(replies[2].text, "ERR no");
  EXPECT_EQ(replies[3].kind, RespValue::Kind::nil);
  ASSERT_EQ(replies[4].elements.size(), 2u);
  EXPECT_EQ(replies[4].elements[0].text, "hello");
  EXPECT_EQ(replies[4].elements[1].elements[0].integer, 7);
  EXPECT_EQ(replies[5].kind, RespValue::Kind::string);
  EXPECT_EQ(replies[5].text, "");
}

TEST(Resp, AProtocolErrorPoisonsTheReader) {
  RespReader reader;
  reader.feed("?what\r\n");
  EXPECT_FALSE(reader.next());
  EXPECT_FALSE(reader.error().empty());
  reader.feed("+OK\r\n");
  EXPECT_FALSE(reader.next());
}

RespValue integer(long long value) {
  RespValue out;
  out.kind = RespValue::Kind::integer;
  out.integer = value;
  return out;
}

RespValue string(std::string text) {
  RespValue out;
  out.kind = RespValue::Kind::string;
  out.text = std::move(text);
  return out;
}

TEST(StoreScript, ArgumentsCarryTheAppendAndEachPublish) {
  StoreCommand command;
  command.append = true;
  command.user = "ann";
  command.text = "hi";
  command.read_after = 7;
  command.kept_max = 100;
  command.publish.push_back({"g1", "newmessage", nlohmann::json::object(), "inst", 3, 0});
  const auto argv = store_command_argv(command, "abc");
  ASSERT_EQ(argv.size(), 17u);
  EXPECT_EQ(argv[0], "EVALSHA");
  EXPECT_EQ(argv[1], "abc");
  EXPECT_EQ(argv[2], "3");  // keys: the log, its counter, a group's persisted fields
  EXPECT_EQ(argv[6], "7");
  EXPECT_EQ(argv[7], "100");
  EXPECT_EQ(argv[8], "1");
  EXPECT_EQ(argv[11], "0");  // no fields read
  EXPECT_EQ(argv[12], "0");  // nor written
  EXPECT_EQ(argv[15], "livetemplate:groupaction:group:g1");
  EXPECT_EQ(nlohmann::json::parse(argv[16])["seq"], 3);

  StoreCommand fields;
  fields.session_group = "g2";
  fields.session_write = R"({"Counter":2})";
  fields.session_ttl_s = 60;
  const auto write = store_command_argv(fields, "abc");
  EXPECT_EQ(write[5], "livetemplate:session:g2");
  EXPECT_EQ(write[12], "1");
  EXPECT_EQ(write[13], R"({"Counter":2})");
  EXPECT_EQ(write[14], "60");
}

TEST(StoreScript, ReadsTheScriptsReplyAndRefusesOtherShapes) {
  RespValue reply;
  reply.kind = RespValue::Kind::array;
  RespValue records;
  records.kind = RespValue::Kind::array;
  records.elements = {string(R"([8,"ann","a\/b"])"), string(R"([9,"bob","\u00e9"])")};
  RespValue no_fields;
  no_fields.kind = RespValue::Kind::nil;
  reply.elements = {integer(9), integer(9), records, no_fields};
  StoreReply read = store_reply_from(reply);
  ASSERT_TRUE(read.ok) << read.error;
  EXPECT_FALSE(read.session);
  reply.elements[3] = string(R"({"Counter":2})");
  EXPECT_EQ(store_reply_from(reply).session, R"({"Counter":2})");
  EXPECT_EQ(read.appended_id, 9u);
  ASSERT_EQ(read.records.size(), 2u);
  EXPECT_EQ(read.records[0], (LogRecord{8, "ann", "a/b"}));
  EXPECT_EQ(read.records[1].text, "\xc3\xa9");

  reply.elements[2].elements.push_back(string("[10,\"x\"]"));
  read = store_reply_from(reply);
  EXPECT_FALSE(read.ok);
  EXPECT_TRUE(read.records.empty());
  RespValue error;
  error.kind = RespValue::Kind::error;
  error.text = "NOSCRIPT No matching script";
  read = store_reply_from(error);
  EXPECT_FALSE(read.ok);
  EXPECT_EQ(read.error, "NOSCRIPT No matching script");
}

}  // namespace
}  // namespace lvt::redis
