#include "tree_applier.hpp"

#include <algorithm>
#include <cstdlib>

namespace lvt::sim {
namespace {

using nlohmann::json;

bool is_numeric_key(const std::string& key) {
  return !key.empty() &&
         std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_range(const json& node) {
  return node.is_object() && node.contains("d") && node["d"].is_array() && node.contains("s") &&
         node["s"].is_array();
}

bool is_ops(const json& value) {
  return value.is_array() && !value.empty() && value[0].is_array() && !value[0].empty() &&
         value[0][0].is_string();
}

bool has_range_anywhere(const json& node, int depth = 0) {
  if (depth > 50 || !node.is_object()) return false;
  if (is_range(node)) return true;
  for (const auto& [key, child] : node.items()) {
    if (is_numeric_key(key) && child.is_object() && has_range_anywhere(child, depth + 1))
      return true;
  }
  return false;
}

bool should_full_replace(const json& existing, const json& update) {
  if (!update.contains("s") || !update["s"].is_array()) return false;
  if (has_range_anywhere(existing) && !has_range_anywhere(update)) return true;
  for (const auto& [key, value] : existing.items()) {
    if (is_numeric_key(key) && !update.contains(key)) return true;
  }
  return false;
}

std::string item_key(const json& item, const std::string& id_key) {
  if (item.contains("_k") && item["_k"].is_string()) return item["_k"].get<std::string>();
  if (id_key.empty() || !item.contains(id_key) || !item[id_key].is_string()) return {};
  return item[id_key].get<std::string>();
}

// Merges `update` into `existing` in place: the client builds a new object, with the same result.
void merge_into(json& existing, const json& update);

void apply_ops(json& range, const json& ops) {
  json& items = range["d"];
  std::string id_key;
  if (range.contains("m") && range["m"].contains("idKey") && range["m"]["idKey"].is_string()) {
    id_key = range["m"]["idKey"].get<std::string>();
  }
  auto find = [&](const json& key) -> long {
    if (!key.is_string()) return -1;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (item_key(items[i], id_key) == key.get<std::string>()) return static_cast<long>(i);
    }
    return -1;
  };
  auto as_list = [](const json& value) { return value.is_array() ? value : json::array({value}); };
  for (const json& op : ops) {
    if (!op.is_array() || op.size() < 2 || !op[0].is_string()) continue;
    const std::string kind = op[0].get<std::string>();
    if (kind == "r") {
      if (const long at = find(op[1]); at >= 0) items.erase(items.begin() + at);
    } else if (kind == "u") {
      if (const long at = find(op[1]); at >= 0 && op.size() > 2 && !op[2].is_null()) {
        merge_into(items[static_cast<std::size_t>(at)], op[2]);
      }
    } else if (kind == "a" || kind == "p") {
      if (op.size() > 2 && !op[2].is_null() && !(op[2].is_boolean() && !op[2])) range["s"] = op[2];
      const json added = as_list(op[1]);
      items.insert(kind == "a" ? items.end() : items.begin(), added.begin(), added.end());
      if (kind == "a" && op.size() > 3 && op[3].is_object() && op[3].contains("idKey")) {
        range["m"]["idKey"] = op[3]["idKey"];
        id_key = op[3]["idKey"].get<std::string>();
      }
    } else if (kind == "i") {
      if (const long at = find(op[1]); at >= 0 && op.size() > 2) {
        const json added = as_list(op[2]);
        items.insert(items.begin() + at + 1, added.begin(), added.end());
      }
    } else if (kind == "o") {
      json reordered = json::array();
      for (const json& key : op[1]) {
        if (const long at = find(key); at >= 0)
          reordered.push_back(items[static_cast<std::size_t>(at)]);
      }
      items = std::move(reordered);
    }
  }
}

void merge_into(json& existing, const json& update) {
  if (!update.is_object() || !existing.is_object() || should_full_replace(existing, update)) {
    existing = update;
    return;
  }
  for (const auto& [key, value] : update.items()) {
    const auto found = existing.find(key);
    if (found != existing.end() && is_ops(value) && is_range(*found)) {
      apply_ops(*found, value);
    } else if (found != existing.end() && value.is_object() && found->is_object()) {
      merge_into(*found, value);
    } else {
      existing[key] = value;
    }
  }
}

void render_value(std::string& out, const json& value);

void render_node(std::string& out, const json& node) {
  const json& statics = node["s"];
  for (std::size_t i = 0; i < statics.size(); ++i) {
    out += statics[i].is_string() ? statics[i].get<std::string>() : std::string();
    const std::string key = std::to_string(i);
    if (i + 1 < statics.size() && node.contains(key)) render_value(out, node[key]);
  }
}

void render_value(std::string& out, const json& value) {
  if (value.is_null()) return;
  if (value.is_string()) {
    const std::string& text = value.get_ref<const std::string&>();
    if (text.size() >= 4 && text.rfind("{{", 0) == 0 && text.compare(text.size() - 2, 2, "}}") == 0)
      return;
    out += text;
  } else if (is_range(value)) {
    for (const json& item : value["d"]) {
      const json& statics = value["s"];
      for (std::size_t i = 0; i < statics.size(); ++i) {
        out += statics[i].get<std::string>();
        const std::string key = std::to_string(i);
        if (i + 1 < statics.size() && item.contains(key)) render_value(out, item[key]);
      }
    }
  } else if (value.is_object() && value.contains("s") && value["s"].is_array()) {
    render_node(out, value);
  } else if (value.is_object()) {
    std::vector<std::pair<long, const json*>> slots;
    for (const auto& [key, child] : value.items()) {
      if (!is_numeric_key(key)) return;  // a plain data object renders nothing
      slots.emplace_back(std::strtol(key.c_str(), nullptr, 10), &child);
    }
    std::sort(slots.begin(), slots.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (const auto& [index, child] : slots) render_value(out, *child);
  } else if (value.is_array()) {
    for (const json& element : value) render_value(out, element);
  } else if (value.is_boolean()) {
    out += value.get<bool>() ? "true" : "false";
  } else {
    out += value.dump();
  }
}

}  // namespace

void TreeApplier::apply(const json& update) {
  for (const auto& [key, value] : update.items()) {
    if (is_ops(value)) {
      if (tree_.contains(key) && is_range(tree_[key])) {
        apply_ops(tree_[key], value);
      } else {
        tree_[key] = value;
      }
    } else if (value.is_object()) {
      merge_into(tree_[key], value);  // a missing key starts as null, which takes the value
    } else {
      tree_[key] = value;
    }
  }
}

std::string TreeApplier::html() const {
  std::string out;
  if (tree_.contains("s") && tree_["s"].is_array()) {
    render_node(out, tree_);
  } else {
    render_value(out, tree_);
  }
  // The client strips <root> wrappers from what it rebuilds.
  for (const std::string tag : {"<root>", "</root>"}) {
    for (std::size_t at = out.find(tag); at != std::string::npos; at = out.find(tag, at))
      out.erase(at, tag.size());
  }
  return out;
}

}  // namespace lvt::sim
