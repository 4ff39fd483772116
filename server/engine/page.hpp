// What a page is to the engine: per-connection state, persisted fields, Mount, actions routed
// by name, and a render into a tree. Pages know nothing of connections, groups or transport.
#pragma once

#include <array>
#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "tree.hpp"

namespace lvt {

// One routing name for the four case styles: "newMessage", "new_message", "NewMessage" and
// "new-message" all become "newmessage".
std::string canonical_action(std::string_view name);

// The text of an action-data field. The client turns numeric-looking input into JSON numbers
// and "true"/"false" into booleans, so those come back as the text they were typed as.
std::optional<std::string> field_text(const nlohmann::json& data, std::string_view name);

struct BroadcastRequest {
  std::string action;  // canonical name
  nlohmann::json data;
};

class PageState;

// A message an action adds to the shared log (replica.hpp). In one process the engine appends
// it at once; with replicas it goes to the shared store, and the action's answer, its
// broadcasts and `then` wait for the store's reply.
struct LogAppend {
  std::string user, text;
  std::string error_field;               // where a store that cannot be reached is reported
  std::function<void(PageState&)> then;  // once stored (and the cache holds it)
};

class ActionContext {
 public:
  ActionContext(const nlohmann::json& data, bool running_as_broadcast)
      : data_(data), running_as_broadcast_(running_as_broadcast) {}

  std::optional<std::string> field(std::string_view name) const { return field_text(data_, name); }
  // Marks the action failed with an error shown next to `field_name`.
  void fail(std::string field_name, std::string message) {
    errors_.insert_or_assign(std::move(field_name), std::move(message));
  }
  // Queues a broadcast to the other connections of the group, run only if the action succeeds.
  void broadcast(std::string action, nlohmann::json data = nlohmann::json::object());
  // Appends to the shared log once the action has succeeded (at most once per action).
  void append_to_log(LogAppend append) {
    assert(!log_append_);
    log_append_ = std::move(append);
  }
  std::optional<LogAppend>& log_append() { return log_append_; }

  bool failed() const { return !errors_.empty(); }
  const std::map<std::string, std::string>& errors() const { return errors_; }
  std::vector<BroadcastRequest>& broadcasts() { return broadcasts_; }
  std::size_t broadcasts_refused() const { return broadcasts_refused_; }

 private:
  const nlohmann::json& data_;
  bool running_as_broadcast_;
  std::map<std::string, std::string> errors_;
  std::vector<BroadcastRequest> broadcasts_;
  std::optional<LogAppend> log_append_;
  std::size_t broadcasts_refused_ = 0;  // over the limit, or queued while running as a broadcast
};

class PageState {
 public:
  virtual ~PageState() = default;
  // The field errors of this connection's last refused action (field -> message), which the
  // page renders beside its fields (livetemplate's .lvt.Errors). The engine sets them when an
  // action fails and clears them when the connection's next action succeeds; a broadcast
  // leaves them, as it leaves what the user typed.
  std::map<std::string, std::string> errors;
};

enum class ActionOutcome { ok, failed, unknown };

// What a refresh changes in a page's render, for the many connections a broadcast runs it on:
// the one top-level slot it may change, and a key that fixes everything that slot shows (its
// content, not only its look). Two connections of one page whose clients hold the render of
// their state, with equal views before the refresh and equal views after it, get the same
// diff: the engine encodes it once.
struct SharedView {
  std::size_t slot = 0;
  std::array<std::uint64_t, 3> key{};
  bool operator==(const SharedView&) const = default;
};

class Page {
 public:
  virtual ~Page() = default;
  virtual const std::string& path() const = 0;
  virtual const std::string& title() const = 0;
  virtual std::unique_ptr<PageState> make_state() const = 0;
  // Persisted fields live in one JSON object per session group.
  virtual void restore(PageState& state, const nlohmann::json& persisted) const = 0;
  virtual void save(const PageState& state, nlohmann::json& persisted) const = 0;
  virtual bool persists() const = 0;  // false: restore and save do nothing, skip the store
  // `params`: the URL query (or __navigate__ data) as an object of strings.
  virtual void mount(PageState& state, const nlohmann::json& params) const = 0;
  virtual bool has_action(std::string_view canonical) const = 0;
  // Idempotent actions that only re-read shared data: waiting copies may coalesce.
  virtual bool is_refresh(std::string_view canonical) const = 0;
  virtual ActionOutcome act(PageState& state, std::string_view canonical,
                            ActionContext& context) const = 0;
  virtual tree::Node render(const PageState& state) const = 0;
  // A page whose state is a view of the shared log names the refresh action that re-reads it:
  // its broadcasts then reach every replica, and a healing replica runs it on its connections.
  // Empty: the page's broadcasts stay on this replica.
  virtual std::string_view replicated_refresh() const { return {}; }
  // The view `refresh` changes in `state` (see SharedView); nullopt, the default: each
  // connection diffs its own. A page that names one promises that its render depends on the
  // state alone, that the refresh changes nothing it shows outside that slot, and that equal
  // keys mean equal slots. Before and after a refresh the page names a view, of one slot.
  virtual std::optional<SharedView> shared_view(const PageState& /*state*/,
                                                std::string_view /*refresh*/) const {
    return std::nullopt;
  }
  // Unique among the process's pages and never reused, unlike an address: what a shared update
  // is matched by.
  std::uint64_t serial() const { return serial_; }

 private:
  static inline std::atomic<std::uint64_t> next_serial_{1};
  const std::uint64_t serial_ = next_serial_.fetch_add(1, std::memory_order_relaxed);
};

// A page over a concrete state type, with its actions in a table.
template <class State>
class PageOf : public Page {
 public:
  using Handler = std::function<void(State&, ActionContext&)>;

  PageOf(std::string path, std::string title, bool persists)
      : path_(std::move(path)), title_(std::move(title)), persists_(persists) {}
  const std::string& path() const override { return path_; }
  const std::string& title() const override { return title_; }
  std::unique_ptr<PageState> make_state() const override { return std::make_unique<State>(); }
  void restore(PageState& state, const nlohmann::json& persisted) const override {
    restore_state(as(state), persisted);
  }
  void save(const PageState& state, nlohmann::json& persisted) const override {
    save_state(static_cast<const State&>(state), persisted);
  }
  bool persists() const override { return persists_; }
  void mount(PageState& state, const nlohmann::json& params) const override {
    mount_state(as(state), params);
  }
  bool has_action(std::string_view canonical) const override {
    return actions_.find(canonical) != actions_.end();
  }
  bool is_refresh(std::string_view canonical) const override {
    const auto found = actions_.find(canonical);
    return found != actions_.end() && found->second.refresh;
  }
  ActionOutcome act(PageState& state, std::string_view canonical,
                    ActionContext& context) const override {
    const auto found = actions_.find(canonical);
    if (found == actions_.end()) return ActionOutcome::unknown;
    found->second.run(as(state), context);
    return context.failed() ? ActionOutcome::failed : ActionOutcome::ok;
  }
  tree::Node render(const PageState& state) const override {
    return render_state(static_cast<const State&>(state));
  }

 protected:
  void on(std::string_view name, Handler handler, bool refresh = false) {
    actions_.insert_or_assign(canonical_action(name), Action{std::move(handler), refresh});
  }
  virtual void restore_state(State&, const nlohmann::json&) const {}
  virtual void save_state(const State&, nlohmann::json&) const {}
  virtual void mount_state(State&, const nlohmann::json&) const {}
  virtual tree::Node render_state(const State&) const = 0;

 private:
  struct Action {
    Handler run;
    bool refresh;
  };
  static State& as(PageState& state) { return static_cast<State&>(state); }

  std::string path_;
  std::string title_;
  bool persists_;
  std::map<std::string, Action, std::less<>> actions_;  // found by string_view, no copy
};

}  // namespace lvt
