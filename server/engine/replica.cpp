#include "replica.hpp"

#include <chrono>
#include <ctime>

namespace lvt {
namespace {

// livetemplate's timestamp: RFC 3339 in UTC with microseconds.
std::string rfc3339(std::uint64_t timestamp_us) {
  const std::time_t seconds = static_cast<std::time_t>(timestamp_us / 1'000'000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[40];
  const std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string out(text, length);
  char fraction[16];
  std::snprintf(fraction, sizeof fraction, ".%06lluZ",
                static_cast<unsigned long long>(timestamp_us % 1'000'000));
  return out + fraction;
}

}  // namespace

std::string group_channel(std::string_view group) {
  return std::string(group_channel_prefix) + std::string(group);
}

std::string group_action_json(const GroupAction& action) {
  nlohmann::json body = {{"type", "group_action"},
                         {"groupID", action.group},
                         {"action", action.action},
                         {"data", action.data},
                         {"seq", action.seq},
                         {"timestamp", rfc3339(action.timestamp_us)},
                         {"instanceID", action.instance_id}};
  return body.dump();
}

std::optional<GroupAction> parse_group_action(std::string_view body) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  const auto text = [&parsed](const char* name) -> const std::string* {
    const auto found = parsed.find(name);
    return found != parsed.end() && found->is_string() ? &found->get_ref<const std::string&>()
                                                       : nullptr;
  };
  const std::string* type = text("type");
  const std::string* group = text("groupID");
  const std::string* action = text("action");
  const std::string* instance = text("instanceID");
  const auto seq = parsed.find("seq");
  if (type == nullptr || *type != "group_action" || group == nullptr || action == nullptr ||
      instance == nullptr || seq == parsed.end() || !seq->is_number_unsigned()) {
    return std::nullopt;
  }
  GroupAction out{*group, *action, nlohmann::json::object(), *instance, seq->get<std::uint64_t>(),
                  0};
  if (const auto data = parsed.find("data"); data != parsed.end() && data->is_object()) {
    out.data = *data;
  }
  return out;
}

bool DeliveriesSeen::first_time(const std::string& instance_id, std::uint64_t seq) {
  if (windows_.size() >= instances_max && windows_.find(instance_id) == windows_.end()) {
    windows_.clear();  // replicas come and go: forget them all rather than grow
  }
  Window& window = windows_[instance_id];
  if (seq > window.newest) {
    const std::uint64_t shift = seq - window.newest;
    window.below = shift >= 64 ? 0 : (window.below << shift);
    if (window.newest > 0 && shift <= 64) window.below |= std::uint64_t{1} << (shift - 1);
    window.newest = seq;
    return true;
  }
  if (seq == window.newest) return false;
  const std::uint64_t age = window.newest - 1 - seq;  // 0: the one just below the newest
  if (age >= 64) return false;
  const std::uint64_t bit = std::uint64_t{1} << age;
  if (window.below & bit) return false;
  window.below |= bit;
  return true;
}

}  // namespace lvt
