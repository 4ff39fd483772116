// lvtlab: a reference server for livetemplate's broadcasting pattern, and the tools around it.
#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "run_record.hpp"
#include "validators.hpp"

int main(int argc, char** argv) {
  lvt::cli::note_invocation(argc, argv);
  CLI::App app{
      "lvtlab: proves what livetemplate's multi-tab broadcasting pattern guarantees, and "
      "measures what it costs.\n"};
  app.require_subcommand(1);
  app.set_version_flag("--version", lvt::cli::version_text(), "Print the version and exit");
  app.footer(lvt::cli::exit_codes_help);
  std::map<std::string, std::function<int()>> runs;
  runs["serve"] = lvt::cli::add_serve_command(app);
  runs["check"] = lvt::cli::add_check_command(app);
  runs["replay"] = lvt::cli::add_replay_command(app);
  runs["load"] = lvt::cli::add_load_command(app);
  runs["report"] = lvt::cli::add_report_command(app);
  for (CLI::App* sub : app.get_subcommands({})) sub->footer(lvt::cli::exit_codes_help);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 gives each kind of parse error its own code; lvtlab promises 2 for all of them,
    // and 0 for --help and --version.
    return app.exit(error) == 0 ? lvt::cli::exit_held : lvt::cli::exit_usage;
  }
  for (const auto* sub : app.get_subcommands()) return runs.at(sub->get_name())();
  return lvt::cli::exit_usage;
}
