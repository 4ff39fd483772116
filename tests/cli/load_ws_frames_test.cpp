// The load generator's own WebSocket framing, against bytes written out from RFC 6455.
#include <gtest/gtest.h>

#include <string>

#include "ws_frames.hpp"

namespace lvt::load::ws {
namespace {

using Status = ServerFrame::Status;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (const int value : values) out.push_back(static_cast<char>(value));
  return out;
}

TEST(LoadWsFrames, AClientFrameIsFinalMaskedAndCarriesItsKey) {
  EXPECT_EQ(client_frame(Opcode::text, "hi", 0x01020304),
            bytes({0x81, 0x82, 1, 2, 3, 4, 'h' ^ 1, 'i' ^ 2}));
  EXPECT_EQ(client_frame(Opcode::pong, "", 0), bytes({0x8A, 0x80, 0, 0, 0, 0}));
}

TEST(LoadWsFrames, LongPayloadsTakeTheTwoAndEightByteLengths) {
  const std::string medium = client_frame(Opcode::text, std::string(126, 'a'), 0);
  EXPECT_EQ(medium.substr(0, 4), bytes({0x81, 0x80 | 126, 0, 126}));
  EXPECT_EQ(medium.size(), 4u + 4u + 126u);
  const std::string large = client_frame(Opcode::text, std::string(65536, 'a'), 0);
  EXPECT_EQ(large.substr(0, 10), bytes({0x81, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0, 0}));
}

TEST(LoadWsFrames, FramesAreTakenOneAfterAnotherOnlyWhenWhole) {
  const std::string two = bytes({0x81, 2, 'o', 'k', 0x89, 0}) + bytes({0x81, 126, 0, 200});
  ServerFrame first = parse_server_frame(two, 1024);
  ASSERT_EQ(first.status, Status::frame);
  EXPECT_EQ(first.opcode, Opcode::text);
  EXPECT_TRUE(first.fin);
  EXPECT_EQ(first.payload, "ok");
  EXPECT_EQ(first.bytes, 4u);
  ServerFrame ping = parse_server_frame(std::string_view(two).substr(4), 1024);
  ASSERT_EQ(ping.status, Status::frame);
  EXPECT_EQ(ping.opcode, Opcode::ping);
  EXPECT_EQ(ping.bytes, 2u);
  // A 200-byte payload of which no byte has come yet.
  EXPECT_EQ(parse_server_frame(std::string_view(two).substr(6), 1024).status, Status::need_more);
  EXPECT_EQ(parse_server_frame(bytes({0x81}), 1024).status, Status::need_more);
  EXPECT_EQ(parse_server_frame(bytes({0x01, 1, 'a'}), 1024).fin, false);
}

TEST(LoadWsFrames, WhatNoServerMaySendIsAnError) {
  EXPECT_EQ(parse_server_frame(bytes({0x81, 0x81, 0, 0, 0, 0, 'a'}), 1024).status, Status::error);
  EXPECT_EQ(parse_server_frame(bytes({0xC1, 1, 'a'}), 1024).status, Status::error);  // RSV1
  EXPECT_EQ(parse_server_frame(bytes({0x83, 0}), 1024).status, Status::error);       // opcode 3
  EXPECT_EQ(parse_server_frame(bytes({0x09, 0}), 1024).status, Status::error);  // fragmented ping
  EXPECT_EQ(parse_server_frame(bytes({0x89, 126, 0, 126}), 1024).status, Status::error);
  EXPECT_EQ(parse_server_frame(bytes({0x81, 126, 0, 200}), 100).status, Status::error);
}

// Frames as a server sends them, parsed: `bytes` must hold one whole frame.
ServerFrame frame_of(const std::string& bytes) {
  const ServerFrame frame = parse_server_frame(bytes, 1024);
  EXPECT_EQ(frame.status, Status::frame);
  return frame;
}

using Joined = MessageJoiner::Step::Status;

TEST(LoadWsMessages, FragmentsJoinIntoOneMessageAndAFinalFrameIsOneAlready) {
  MessageJoiner joiner(1024);
  const std::string whole = bytes({0x81, 2, 'o', 'k'});
  EXPECT_EQ(joiner.take(frame_of(whole)).message, "ok");
  const std::string first = bytes({0x01, 3, 'a', 'b', 'c'}), middle = bytes({0x00, 0});
  const std::string last = bytes({0x80, 2, 'd', 'e'});
  EXPECT_EQ(joiner.take(frame_of(first)).status, Joined::need_more);
  EXPECT_EQ(joiner.take(frame_of(middle)).status, Joined::need_more);
  const auto step = joiner.take(frame_of(last));
  ASSERT_EQ(step.status, Joined::message);
  EXPECT_EQ(step.message, "abcde");
  // An empty first fragment still begins a message.
  EXPECT_EQ(joiner.take(frame_of(bytes({0x01, 0}))).status, Joined::need_more);
  EXPECT_EQ(joiner.take(frame_of(last)).message, "de");
}

TEST(LoadWsMessages, FragmentsOutOfOrderOrTooLongAreErrors) {
  const std::string first = bytes({0x01, 1, 'a'}), last = bytes({0x80, 1, 'b'});
  MessageJoiner unbegun(1024);
  EXPECT_EQ(unbegun.take(frame_of(last)).status, Joined::error);
  MessageJoiner interrupted(1024);
  EXPECT_EQ(interrupted.take(frame_of(first)).status, Joined::need_more);
  EXPECT_EQ(interrupted.take(frame_of(bytes({0x81, 1, 'x'}))).status, Joined::error);
  MessageJoiner small(2);
  EXPECT_EQ(small.take(frame_of(first)).status, Joined::need_more);
  EXPECT_EQ(small.take(frame_of(bytes({0x00, 1, 'b'}))).status, Joined::need_more);
  EXPECT_EQ(small.take(frame_of(last)).status, Joined::error);
}

}  // namespace
}  // namespace lvt::load::ws
