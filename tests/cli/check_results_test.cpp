// How `lvtlab check` counts a seed's failures and writes and prints them.
#include <cstdio>
#include <string>

#include <gtest/gtest.h>

#include "check_results.hpp"

namespace lvt::cli {
namespace {

sim::Failure failure(std::string invariant, std::uint64_t event, int tab = -1) {
  sim::Failure f;
  f.invariant = std::move(invariant);
  f.detail = "what was seen";
  f.event = event;
  f.tab = tab;
  return f;
}

TEST(Tally, ASeedWithTwoInvariantsFailedIsCountedOnceUnderTheFirst) {
  Tally tally;
  tally_failures(
      tally, 7,
      {failure("wire-correct", 5), failure("convergence", 9), failure("wire-correct", 12)});
  EXPECT_EQ(tally["wire-correct"].failed_seeds, 1u);
  EXPECT_EQ(tally["wire-correct"].consequence_seeds, 0u);  // its own repeat is no consequence
  EXPECT_EQ(tally["wire-correct"].first_failing_seed, 7u);
  EXPECT_EQ(tally["convergence"].failed_seeds, 0u);
  EXPECT_EQ(tally["convergence"].consequence_seeds, 1u);
  EXPECT_FALSE(tally["convergence"].first_failing_seed.has_value());
}

TEST(Tally, TheFirstFailingSeedIsTheFirstCounted) {
  Tally tally;
  tally_failures(tally, 3, {});
  tally_failures(tally, 4, {failure("log-prefix", 1)});
  tally_failures(tally, 5, {failure("log-prefix", 1)});
  tally_run_failure(tally, 6, "determinism");
  EXPECT_EQ(tally["log-prefix"].failed_seeds, 2u);
  EXPECT_EQ(tally["log-prefix"].first_failing_seed, 4u);
  EXPECT_EQ(tally["determinism"].first_failing_seed, 6u);
}

TEST(Tally, JsonSaysNullForNoFailingSeed) {
  Tally tally;
  tally["log-prefix"].checked = 10;
  tally_failures(tally, 9, {failure("convergence", 2)});
  const nlohmann::json json = tally_to_json(tally);
  EXPECT_TRUE(json["log-prefix"]["first_failing_seed"].is_null());
  EXPECT_EQ(json["log-prefix"]["checked"], 10);
  EXPECT_EQ(json["convergence"]["first_failing_seed"], 9);
  EXPECT_EQ(json["convergence"]["failed_seeds"], 1);
}

TEST(FailureJson, CarriesTabExpectedAndHeldOnlyWhenItHasThem) {
  const nlohmann::json bare = failure_to_json(failure("log-prefix", 3));
  EXPECT_EQ(bare, (nlohmann::json{
                      {"invariant", "log-prefix"}, {"detail", "what was seen"}, {"event", 3}}));
  sim::Failure full = failure("convergence", 4, 2);
  full.expected = "2 messages";
  full.held = "1 message";
  const nlohmann::json json = failure_to_json(full);
  EXPECT_EQ(json["tab"], 2);
  EXPECT_EQ(json["expected"], "2 messages");
  EXPECT_EQ(json["held"], "1 message");
}

// What print_failures writes, as a string.
std::string printed(const std::vector<sim::Failure>& failures) {
  std::FILE* file = std::tmpfile();
  print_failures(file, failures);
  std::string text(static_cast<std::size_t>(std::ftell(file)), '\0');
  std::rewind(file);
  text.resize(std::fread(text.data(), 1, text.size(), file));
  std::fclose(file);
  return text;
}

TEST(PrintFailures, ShowsExpectedAndHeldThenTheConsequencesOnce) {
  sim::Failure first = failure("group-isolation", 16, 1);
  first.expected = "0 broadcasts waiting";
  first.held = "1 broadcast waiting";
  const std::string text = printed({first, first, failure("convergence", 24, 1)});
  EXPECT_EQ(text,
            "FAILED group-isolation after event 16 (tab 1): what was seen\n"
            "  expected: 0 broadcasts waiting\n"
            "  held:     1 broadcast waiting\n"
            "then, as consequences:\n"
            "  convergence after event 24 (tab 1): what was seen\n");
  EXPECT_EQ(printed({failure("log-prefix", 3)}),
            "FAILED log-prefix after event 3: what was seen\n");
}

}  // namespace
}  // namespace lvt::cli
