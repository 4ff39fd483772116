#include "write_pump.hpp"

#include <gtest/gtest.h>

namespace lvt {
namespace {

using Next = WritePump::Next;

WritePump accepted_pump(std::size_t frames_max = 8, std::size_t bytes_max = 1000) {
  WritePump pump(frames_max, bytes_max);
  EXPECT_EQ(pump.accepted(), Next::nothing);
  return pump;
}

TEST(WritePump, WritesOneFrameAtATimeInOrder) {
  WritePump pump = accepted_pump();
  EXPECT_EQ(pump.enqueue("a"), Next::write);
  EXPECT_EQ(pump.frame_in_flight(), "a");
  EXPECT_EQ(pump.enqueue("b"), Next::nothing);  // Beast allows one write in flight
  EXPECT_EQ(pump.enqueue("c"), Next::nothing);
  EXPECT_EQ(pump.written(), Next::write);
  EXPECT_EQ(pump.frame_in_flight(), "b");
  EXPECT_EQ(pump.written(), Next::write);
  EXPECT_EQ(pump.frame_in_flight(), "c");
  EXPECT_EQ(pump.written(), Next::nothing);
  EXPECT_TRUE(pump.frame_in_flight().empty());  // an idle connection holds no frame
  EXPECT_EQ(pump.enqueue("d"), Next::write);
}

TEST(WritePump, FramesWaitForTheHandshake) {
  WritePump pump(8, 1000);
  EXPECT_EQ(pump.enqueue("first tree"), Next::nothing);
  EXPECT_EQ(pump.accepted(), Next::write);
  EXPECT_EQ(pump.frame_in_flight(), "first tree");
}

// The CI abort of stop 6: a slow reader is cut while a write is in flight, and that write's
// completion comes after the cut. The frame in flight is not in the queue, so the cut cannot
// take it from under the write, and the completion finds nothing to pop.
TEST(WritePump, ACutWhileAFrameIsInFlightLeavesThatFrameAlone) {
  WritePump pump = accepted_pump(/*frames_max=*/2);
  EXPECT_EQ(pump.enqueue("in flight"), Next::write);
  EXPECT_EQ(pump.enqueue("q1"), Next::nothing);
  EXPECT_EQ(pump.enqueue("q2"), Next::nothing);
  EXPECT_EQ(pump.enqueue("one too many"), Next::cut);
  EXPECT_TRUE(pump.closing());
  EXPECT_EQ(pump.frames_queued(), 0u);
  EXPECT_EQ(pump.frame_in_flight(), "in flight");  // Beast may still be writing from it
  EXPECT_EQ(pump.written(), Next::nothing);        // nothing more goes out on a cut socket
  EXPECT_EQ(pump.enqueue("late"), Next::nothing);
}

TEST(WritePump, ACloseLetsTheQueuedFramesGoFirst) {
  WritePump pump = accepted_pump();
  EXPECT_EQ(pump.enqueue("a"), Next::write);
  EXPECT_EQ(pump.enqueue("b"), Next::nothing);
  EXPECT_EQ(pump.enqueue("c"), Next::nothing);
  EXPECT_EQ(pump.close(), Next::nothing);
  EXPECT_TRUE(pump.closing());
  EXPECT_EQ(pump.enqueue("after the close"), Next::nothing);  // dropped
  EXPECT_EQ(pump.written(), Next::write);
  EXPECT_EQ(pump.frame_in_flight(), "b");
  EXPECT_EQ(pump.written(), Next::write);
  EXPECT_EQ(pump.frame_in_flight(), "c");
  EXPECT_EQ(pump.written(), Next::close);
}

TEST(WritePump, AnIdleConnectionClosesAtOnceAndOnlyOnce) {
  WritePump pump = accepted_pump();
  EXPECT_EQ(pump.close(), Next::close);
  EXPECT_EQ(pump.close(), Next::nothing);
}

TEST(WritePump, ACloseDuringTheHandshakeClosesOnceAccepted) {
  WritePump pump(8, 1000);
  EXPECT_EQ(pump.enqueue("first tree"), Next::nothing);
  EXPECT_EQ(pump.close(), Next::nothing);
  EXPECT_EQ(pump.accepted(), Next::write);  // the queued frame goes first
  EXPECT_EQ(pump.written(), Next::close);
}

TEST(WritePump, AStoppedPumpDoesNothing) {
  WritePump pump = accepted_pump();
  EXPECT_EQ(pump.enqueue("a"), Next::write);
  EXPECT_EQ(pump.enqueue("b"), Next::nothing);
  pump.stop();  // the socket failed
  EXPECT_EQ(pump.written(), Next::nothing);
  EXPECT_EQ(pump.enqueue("c"), Next::nothing);
  EXPECT_EQ(pump.close(), Next::nothing);
}

}  // namespace
}  // namespace lvt
