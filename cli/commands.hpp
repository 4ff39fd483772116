// The lvtlab subcommands, each registered on the CLI11 app and run after parsing.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace lvt::cli {

// Adds `serve` to `app`; the returned function runs it and gives the exit status.
std::function<int()> add_serve_command(CLI::App& app);
// Adds `check` (the simulator's verification campaign).
std::function<int()> add_check_command(CLI::App& app);
// Adds `replay` (one scenario from JSON).
std::function<int()> add_replay_command(CLI::App& app);
// Adds `load` (real WebSocket clients against a running server, measured and checked).
std::function<int()> add_load_command(CLI::App& app);
// Adds `report` (results files to one HTML page and a Markdown summary).
std::function<int()> add_report_command(CLI::App& app);

}  // namespace lvt::cli
