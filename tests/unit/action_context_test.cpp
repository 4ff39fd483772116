#include <gtest/gtest.h>

#include "limits.hpp"
#include "page.hpp"

namespace lvt {
namespace {

TEST(ActionContext, QueuesAtMostOneHundredBroadcasts) {
  const nlohmann::json data = nlohmann::json::object();
  ActionContext context(data, /*running_as_broadcast=*/false);
  for (int i = 0; i < 105; ++i) context.broadcast("NewMessage");
  EXPECT_EQ(context.broadcasts().size(), limits::broadcasts_per_action_max);
  EXPECT_EQ(context.broadcasts_refused(), 5u);
  EXPECT_EQ(context.broadcasts().front().action, "newmessage");
}

TEST(ActionContext, RefusesBroadcastsFromAnActionRunAsABroadcast) {
  const nlohmann::json data = nlohmann::json::object();
  ActionContext context(data, /*running_as_broadcast=*/true);
  context.broadcast("NewMessage");
  EXPECT_TRUE(context.broadcasts().empty());
  EXPECT_EQ(context.broadcasts_refused(), 1u);
}

TEST(ActionContext, AFieldErrorFailsTheAction) {
  const nlohmann::json data = {{"text", "x"}};
  ActionContext context(data, false);
  EXPECT_FALSE(context.failed());
  EXPECT_EQ(context.field("text"), "x");
  context.fail("text", "too long");
  EXPECT_TRUE(context.failed());
  EXPECT_EQ(context.errors().at("text"), "too long");
}

}  // namespace
}  // namespace lvt
