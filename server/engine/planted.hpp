// Planted bugs: deliberately wrong behaviours the verification harness must catch (a harness
// that catches nothing proves nothing). One process-wide switch, set only by `lvtlab check
// --plant`; `lvtlab serve` refuses to start with one set. Off, each site costs one relaxed load
// and a branch the predictor always gets right.
#pragma once

#include <array>
#include <atomic>
#include <optional>
#include <string_view>

namespace lvt {

enum class PlantedBug {
  none,
  sender_receives_own,       // the sender gets its own broadcast
  broadcast_before_append,   // peers refresh from the log as it was before the append
  username_per_group,        // Username persisted per session group, not per connection
  mount_skips_snapshot,      // Mount does not copy the log: a new tab shows nothing
  cross_group_leak,          // a broadcast reaches every group
  full_log_resend,           // a peer update resends the whole list instead of a diff
  coalesce_loses_refresh,    // coalescing removes the waiting refresh instead of keeping it
  html_unescaped,            // text is rendered without HTML escaping
  http_broadcast_lost,       // an action over HTTP broadcasts nothing
  broadcast_from_broadcast,  // an action run as a broadcast may broadcast again (storms)
  dropped_never_healed,      // a full queue drops everything waiting, not just the newcomer
  persist_not_restored,      // persisted fields are saved but not restored on a new connection
  field_error_kept,          // a refused field's error stays after the connection's next success
  // The engine's text helpers, each broken in one plausible way (an oracle that borrowed them
  // would break the same way and see nothing).
  html_escape_misses_amp,        // '&' is not escaped: a typed "&lt;" shows as "<"
  html_escape_misses_brace,      // '{' is not escaped: the client drops "{{x}}"
  json_string_misses_backslash,  // a backslash goes out unescaped: the frame is not JSON
  json_special_misses_controls,  // control bytes go out raw in JSON strings
  utf8_rejects_four_byte,        // UTF-8 validation refuses 4-byte sequences (emoji)
  utf8_chars_counts_bytes,       // length limits count bytes, not characters
  trim_spaces_only,              // trimming removes spaces but not tabs or newlines
  utf8_overlong_ascii,           // a \u escape below 0x80 is written as two (overlong) bytes
  json_depth_inverted,           // the nesting pre-scan stops at the first bracket it sees
  broadcast_spends_tokens,       // a broadcast run on a peer takes one of the peer's rate tokens
  shared_view_ignores_start,     // peers share an update by their window's end, not its start
  // The Tasks page.
  tasks_changed_not_broadcast,  // a change to the task list broadcasts no TasksChanged
  task_move_off_by_one,         // the task just above the last cannot move down
  // Cookies.
  cookie_name_suffix,      // a cookie whose name ends in ours ("xlivetemplate-id") is taken
  malformed_cookie_taken,  // a malformed session id is taken as the group, not replaced
  // The bounded log.
  window_keeps_slid_out,  // a sliding window's diff leaves the messages that fell off its front
  older_pages_one_short,  // "Older messages" widens the window by one message less than a window
  // Replicas.
  own_echo_not_filtered,       // a replica runs its own broadcast heard back from the bus
  deliveries_not_deduped,      // a broadcast heard twice runs twice
  delivery_skips_read,         // a broadcast from another replica refreshes from a stale cache
  cache_skips_gap,             // a read's reply fills the cache with its newest record only
  resubscribe_without_heal,    // after a link comes back nothing is refreshed, heal or not
  subscription_dropped_early,  // a group's subscription goes when it still has one connection
};

struct PlantedBugInfo {
  PlantedBug bug;
  std::string_view name;
  std::string_view summary;
};

inline constexpr std::array<PlantedBugInfo, 36> planted_bugs = {{
    {PlantedBug::sender_receives_own, "sender-receives-own", "the sender gets its own broadcast"},
    {PlantedBug::broadcast_before_append, "broadcast-before-append",
     "peers refresh from the log as it was before the append"},
    {PlantedBug::username_per_group, "username-per-group", "Username persisted per session group"},
    {PlantedBug::mount_skips_snapshot, "mount-skips-snapshot", "Mount does not copy the log"},
    {PlantedBug::cross_group_leak, "cross-group-leak", "a broadcast reaches every group"},
    {PlantedBug::full_log_resend, "full-log-resend", "a peer update resends the whole list"},
    {PlantedBug::coalesce_loses_refresh, "coalesce-loses-refresh",
     "coalescing removes the waiting refresh"},
    {PlantedBug::html_unescaped, "html-unescaped", "text rendered without HTML escaping"},
    {PlantedBug::http_broadcast_lost, "http-broadcast-lost",
     "an action over HTTP broadcasts nothing"},
    {PlantedBug::broadcast_from_broadcast, "broadcast-from-broadcast",
     "a broadcast-run action broadcasts again"},
    {PlantedBug::dropped_never_healed, "dropped-never-healed",
     "a full queue drops everything waiting"},
    {PlantedBug::persist_not_restored, "persist-not-restored",
     "persisted fields are not restored on a new connection"},
    {PlantedBug::field_error_kept, "field-error-kept",
     "a refused field's error stays after the next success"},
    {PlantedBug::html_escape_misses_amp, "html-escape-misses-amp", "'&' is not HTML-escaped"},
    {PlantedBug::html_escape_misses_brace, "html-escape-misses-brace", "'{' is not HTML-escaped"},
    {PlantedBug::json_string_misses_backslash, "json-string-misses-backslash",
     "a backslash is not escaped in JSON strings"},
    {PlantedBug::json_special_misses_controls, "json-special-misses-controls",
     "control bytes go out raw in JSON strings"},
    {PlantedBug::utf8_rejects_four_byte, "utf8-rejects-four-byte",
     "UTF-8 validation refuses 4-byte sequences"},
    {PlantedBug::utf8_chars_counts_bytes, "utf8-chars-counts-bytes",
     "length limits count bytes, not characters"},
    {PlantedBug::trim_spaces_only, "trim-spaces-only", "trimming keeps tabs and newlines"},
    {PlantedBug::utf8_overlong_ascii, "utf8-overlong-ascii",
     "a \\u escape below 0x80 is written as two bytes"},
    {PlantedBug::json_depth_inverted, "json-depth-inverted",
     "the nesting pre-scan stops at the first bracket"},
    {PlantedBug::broadcast_spends_tokens, "broadcast-spends-tokens",
     "a broadcast run on a peer spends the peer's rate tokens"},
    {PlantedBug::shared_view_ignores_start, "shared-view-ignores-start",
     "peers share an update by their window's end only"},
    {PlantedBug::tasks_changed_not_broadcast, "tasks-changed-not-broadcast",
     "a change to the task list broadcasts nothing"},
    {PlantedBug::task_move_off_by_one, "task-move-off-by-one",
     "the task just above the last cannot move down"},
    {PlantedBug::cookie_name_suffix, "cookie-name-suffix",
     "a cookie whose name ends in ours is read as ours"},
    {PlantedBug::malformed_cookie_taken, "malformed-cookie-taken",
     "a malformed session id becomes a group instead of a new cookie"},
    {PlantedBug::window_keeps_slid_out, "window-keeps-slid-out",
     "a sliding window's diff leaves the messages that fell off its front"},
    {PlantedBug::older_pages_one_short, "older-pages-one-short",
     "'Older messages' widens the window by one less than a window"},
    {PlantedBug::own_echo_not_filtered, "own-echo-not-filtered",
     "a replica runs its own broadcast heard back from the bus"},
    {PlantedBug::deliveries_not_deduped, "deliveries-not-deduped",
     "a broadcast heard twice runs twice"},
    {PlantedBug::delivery_skips_read, "delivery-skips-read",
     "a broadcast from another replica refreshes before the store is read"},
    {PlantedBug::cache_skips_gap, "cache-skips-gap",
     "a read's reply fills the cache with its newest record only"},
    {PlantedBug::resubscribe_without_heal, "resubscribe-without-heal",
     "nothing is refreshed when a link to the broker comes back"},
    {PlantedBug::subscription_dropped_early, "subscription-dropped-early",
     "a group's subscription is dropped while one connection still needs it"},
}};

inline std::atomic<PlantedBug> active_planted_bug{PlantedBug::none};

inline bool planted(PlantedBug bug) {
  return active_planted_bug.load(std::memory_order_relaxed) == bug;
}

inline std::optional<PlantedBug> planted_bug_named(std::string_view name) {
  for (const auto& info : planted_bugs) {
    if (info.name == name) return info.bug;
  }
  return std::nullopt;
}

}  // namespace lvt
