// Checks for lvtlab's numeric flags, with messages a user reads. CLI11 2.1 reads "-1" into an
// unsigned as its wrapped value and lets NaN through a Range, so every number is checked here
// from its text first.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <system_error>

#include <CLI/CLI.hpp>

namespace lvt::cli {

// The exit codes every command uses, as documented in --help and the README.
inline constexpr int exit_held = 0;    // every invariant held; the server stopped cleanly
inline constexpr int exit_failed = 1;  // an invariant failed
inline constexpr int exit_usage = 2;   // a usage or environment error
inline constexpr const char* exit_codes_help =
    "Exit status:\n"
    "  0  every invariant held (serve: stopped cleanly)\n"
    "  1  an invariant failed\n"
    "  2  a usage or environment error: a bad flag, an unwritable path, an address in use";

// `text`, all of it, as a T; false on anything else (a sign on an unsigned, a fraction, junk).
template <typename T>
bool parse_whole(const std::string& text, T& value) {
  // A leading zero would be read as octal by CLI11's conversion afterwards.
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return false;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

// A whole number from `min` to `max`.
template <typename T>
CLI::Validator whole_in(T min, T max) {
  const std::string range = std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        T value{};
        if (!parse_whole(text, value) || value < min || value > max) {
          return "wants a whole number from " + range + ", got '" + text + "'";
        }
        return {};
      },
      "in " + range);
}

// Any whole number that fits the unsigned T (a seed).
template <typename T>
CLI::Validator whole() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        T value{};
        if (!parse_whole(text, value)) {
          return "wants a whole number from 0 to " + std::to_string(std::numeric_limits<T>::max()) +
                 ", got '" + text + "'";
        }
        return {};
      },
      "");
}

// 0.1 as "0.1" and 1e6 as "1000000".
inline std::string plain(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%.10g", value);
  return text;
}

// A finite number from `min` to `max`.
inline CLI::Validator number_in(double min, double max) {
  const std::string range = plain(min) + " to " + plain(max);
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        double value = 0;
        const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
            !std::isfinite(value) || value < min || value > max) {
          return "wants a number from " + range + ", got '" + text + "'";
        }
        return {};
      },
      "in " + range);
}

}  // namespace lvt::cli
