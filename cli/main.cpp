// lvtlab: a reference server for livetemplate's broadcasting pattern, and the tools around it.
#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "lvtlab: proves what livetemplate's multi-tab broadcasting pattern guarantees, and "
      "measures what it costs.\n"};
  app.require_subcommand(1);
  std::map<std::string, std::function<int()>> runs;
  runs["serve"] = lvt::cli::add_serve_command(app);
  runs["check"] = lvt::cli::add_check_command(app);
  runs["replay"] = lvt::cli::add_replay_command(app);
  CLI11_PARSE(app, argc, argv);
  for (const auto* sub : app.get_subcommands()) return runs.at(sub->get_name())();
  return 2;
}
