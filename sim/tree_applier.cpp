#include "tree_applier.hpp"

#include <algorithm>
#include <array>
#include <cstdlib>
#include <type_traits>

namespace lvt::sim {
namespace {

bool is_numeric_key(std::string_view key) {
  return !key.empty() &&
         std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_range(const Json& node) {
  if (!node.is_object()) return false;
  const Json* items = node.find("d");
  const Json* statics = node.find("s");
  return items && items->is_array() && statics && statics->is_array();
}

bool is_ops(const Json& value) {
  if (!value.is_array() || value.elements().empty()) return false;
  const Json& first = value.elements()[0];
  return first.is_array() && !first.elements().empty() && first.elements()[0].is_string();
}

bool has_range_anywhere(const Json& node, int depth = 0) {
  if (depth > 50 || !node.is_object()) return false;
  if (is_range(node)) return true;
  for (const auto& [key, child] : node.members()) {
    if (is_numeric_key(key) && child.is_object() && has_range_anywhere(child, depth + 1))
      return true;
  }
  return false;
}

bool should_full_replace(const Json& existing, const Json& update) {
  const Json* statics = update.find("s");
  if (!statics || !statics->is_array()) return false;
  if (has_range_anywhere(existing) && !has_range_anywhere(update)) return true;
  for (const auto& [key, value] : existing.members()) {
    if (is_numeric_key(key) && !update.find(key)) return true;
  }
  return false;
}

std::string_view item_key(const Json& item, std::string_view id_key) {
  if (const Json* key = item.find("_k"); key && key->is_string()) return key->text();
  if (id_key.empty()) return {};
  const Json* key = item.find(id_key);
  return key && key->is_string() ? std::string_view(key->text()) : std::string_view();
}

// Inserts `added` (a list, or one value) at `at`. Copies handles: the items stay shared with the
// parsed frame and every other tab that applied it.
void insert_list(std::vector<Json>& items, std::size_t at, const Json& added) {
  if (added.is_array()) {
    items.insert(items.begin() + static_cast<long>(at), added.elements().begin(),
                 added.elements().end());
  } else {
    items.insert(items.begin() + static_cast<long>(at), added);
  }
}

// Merges `update` into `existing` in place: the client builds a new object, with the same result.
// The update is only read: it is shared with every tab that got the same frame.
void merge_into(Json& existing, const Json& update, RangeOpCounts& counts);

void count_op(RangeOpCounts& counts, const std::string& kind) {
  if (kind == "a") ++counts.append;
  if (kind == "p") ++counts.prepend;
  if (kind == "r") ++counts.remove;
  if (kind == "u") ++counts.update;
  if (kind == "i") ++counts.insert;
  if (kind == "o") ++counts.reorder;
}

void apply_ops(Json& range, const Json& ops, RangeOpCounts& counts) {
  std::vector<Json>* items = &range.find("d")->elements();
  std::string id_key;
  if (const Json* meta = range.find("m")) {
    if (const Json* key = meta->find("idKey"); key && key->is_string()) id_key = key->text();
  }
  auto find = [&](const Json& key) -> long {
    if (!key.is_string()) return -1;
    for (std::size_t i = 0; i < items->size(); ++i) {
      if (item_key((*items)[i], id_key) == key.text()) return static_cast<long>(i);
    }
    return -1;
  };
  for (const Json& op_value : ops.elements()) {
    if (!op_value.is_array() || op_value.elements().size() < 2 ||
        !op_value.elements()[0].is_string())
      continue;
    const std::vector<Json>& op = op_value.elements();
    const std::string& kind = op[0].text();
    count_op(counts, kind);
    // Appends keep the hashes of the items already held; anything else starts over.
    const bool plain_append = kind == "a" && (op.size() < 3 || op[2].is_null() ||
                                              (op[2].is_boolean() && !op[2].boolean()));
    if (!plain_append) range.invalidate();
    if (kind == "r") {
      if (const long at = find(op[1]); at >= 0) items->erase(items->begin() + at);
    } else if (kind == "u") {
      if (const long at = find(op[1]); at >= 0 && op.size() > 2 && !op[2].is_null()) {
        merge_into((*items)[static_cast<std::size_t>(at)], op[2], counts);
      }
    } else if (kind == "a" || kind == "p") {
      if (op.size() > 2 && !op[2].is_null() && !(op[2].is_boolean() && !op[2].boolean())) {
        range.at_key("s") = op[2];
        items = &range.find("d")->elements();  // at_key may have moved the members
      }
      insert_list(*items, kind == "a" ? items->size() : 0, op[1]);
      if (kind == "a" && op.size() > 3 && op[3].is_object()) {
        if (const Json* key = op[3].find("idKey")) {
          Json& meta = range.at_key("m");
          if (!meta.is_object()) meta = Json::object();
          id_key = key->is_string() ? key->text() : std::string();
          meta.at_key("idKey") = *key;
          items = &range.find("d")->elements();
        }
      }
    } else if (kind == "i") {
      if (const long at = find(op[1]); at >= 0 && op.size() > 2) {
        insert_list(*items, static_cast<std::size_t>(at) + 1, op[2]);
      }
    } else if (kind == "o") {
      std::vector<Json> reordered;
      for (const Json& key : op[1].elements()) {
        if (const long at = find(key); at >= 0)
          reordered.push_back((*items)[static_cast<std::size_t>(at)]);
      }
      *items = std::move(reordered);
    }
  }
}

void merge_into(Json& existing, const Json& update, RangeOpCounts& counts) {
  existing.invalidate();
  if (!update.is_object() || !existing.is_object() || should_full_replace(existing, update)) {
    existing = update;
    return;
  }
  for (const auto& [key, value] : update.members()) {
    Json* found = existing.find(key);
    if (found && is_ops(value) && is_range(*found)) {
      apply_ops(*found, value, counts);
    } else if (found && value.is_object() && found->is_object()) {
      merge_into(*found, value, counts);
    } else {
      existing.at_key(key) = value;
    }
  }
}

// --- rebuilding HTML -------------------------------------------------------------------------
// Two walks of one shape: `Out` is a std::string (the HTML) or a RenderHash (its hash, using
// and filling the caches).

bool is_placeholder(std::string_view text) {  // the client drops values shaped {{...}}
  return text.size() >= 4 && text.substr(0, 2) == "{{" && text.substr(text.size() - 2) == "}}";
}

void put(std::string& out, const Json& text) {
  out += text.text();
}
void put(RenderHash& out, const Json& text) {
  if (!text.hash_cached()) text.cache_hash(RenderHash::of(text.text()));
  out.append(text.cached_hash());
}
void put(std::string& out, std::string_view text) {
  out += text;
}
void put(RenderHash& out, std::string_view text) {
  out.append(RenderHash::of(text));
}

template <class Out>
void render_value(Out& out, const Json& value);
template <class Out>
void render_object(Out& out, const Json& value);  // neither a range nor cached

template <class Out>
void render_slots(Out& out, const Json& statics, const Json& slots) {
  const std::vector<Json>& parts = statics.elements();
  // Slot i is member "i": index the members once instead of looking each slot up by name.
  constexpr std::size_t indexed_max = 32;
  std::array<const Json*, indexed_max> indexed{};
  for (const auto& [key, value] : slots.members()) {
    // "0".."31" exactly: "07" is another key, which no slot reads.
    const bool one_digit = key.size() == 1 && key[0] >= '0' && key[0] <= '9';
    const bool two_digits =
        key.size() == 2 && key[0] >= '1' && key[0] <= '9' && key[1] >= '0' && key[1] <= '9';
    if (!one_digit && !two_digits) continue;
    const std::size_t index =
        one_digit ? std::size_t(key[0] - '0') : std::size_t((key[0] - '0') * 10 + (key[1] - '0'));
    if (index < indexed_max) indexed[index] = &value;
  }
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (parts[i].is_string()) put(out, parts[i]);
    if (i + 1 < parts.size()) {
      const Json* slot = i < indexed_max ? indexed[i] : slots.find(std::to_string(i));
      if (slot) render_value(out, *slot);
    }
  }
}

// A range item's hash, cached on the item with the hash of the statics it was rendered with.
RenderHash item_hash(const Json& item, const Json& statics, std::uint64_t statics_tag) {
  if (item.hash_cached() && item.cached_tag() == statics_tag) return item.cached_hash();
  RenderHash hash;
  render_slots(hash, statics, item);
  item.cache_hash(hash, statics_tag);
  return hash;
}

void render_range(std::string& out, const Json& range) {
  const Json& statics = *range.find("s");
  for (const Json& item : range.find("d")->elements()) render_slots(out, statics, item);
}

// A range keeps the hash of its first `cached_tag()` items, so an append hashes only the new.
void render_range(RenderHash& out, const Json& range) {
  const Json& statics = *range.find("s");
  // A fingerprint of the statics, part by part (so ["ab","c"] and ["a","bc"] differ), from the
  // strings' cached hashes. Kept as the statics array's tag: an array's own hash is never cached
  // otherwise, and statics are replaced whole, never changed in place.
  std::uint64_t statics_tag = statics.cached_tag();
  if (!statics.hash_cached()) {
    statics_tag = statics.elements().size();
    for (const Json& part : statics.elements()) {
      RenderHash part_hash;
      if (part.is_string()) put(part_hash, part);
      statics_tag = (statics_tag ^ part_hash.sum) * 0x9E3779B97F4A7C15ull + part_hash.power;
    }
    statics.cache_hash({}, statics_tag);
  }
  const std::vector<Json>& items = range.find("d")->elements();
  RenderHash hash;
  std::size_t from = 0;
  if (range.hash_cached() && range.cached_tag() <= items.size()) {
    hash = range.cached_hash();
    from = range.cached_tag();
  }
  for (std::size_t i = from; i < items.size(); ++i)
    hash.append(item_hash(items[i], statics, statics_tag));
  range.cache_hash(hash, items.size());
  out.append(hash);
}

template <class Out>
void render_value(Out& out, const Json& value) {
  switch (value.kind()) {
    case Json::Kind::null:
      return;
    case Json::Kind::string:
      if (!is_placeholder(value.text())) put(out, value);
      return;
    case Json::Kind::boolean:
      put(out, value.boolean() ? "true" : "false");
      return;
    case Json::Kind::number:
      put(out, value.text());
      return;
    case Json::Kind::array:
      for (const Json& element : value.elements()) render_value(out, element);
      return;
    case Json::Kind::object:
      break;
  }
  if (is_range(value)) return render_range(out, value);
  if constexpr (std::is_same_v<Out, RenderHash>) {  // a node: cached whole until it changes
    if (value.hash_cached()) {
      out.append(value.cached_hash());
      return;
    }
    RenderHash hash;
    render_object(hash, value);
    value.cache_hash(hash);
    out.append(hash);
  } else {
    render_object(out, value);
  }
}

template <class Out>
void render_object(Out& out, const Json& value) {
  if (const Json* statics = value.find("s"); statics && statics->is_array()) {
    return render_slots(out, *statics, value);
  }
  std::vector<std::pair<long, const Json*>> slots;
  for (const auto& [key, child] : value.members()) {
    if (!is_numeric_key(key)) return;  // a plain data object renders nothing
    slots.emplace_back(std::strtol(key.c_str(), nullptr, 10), &child);
  }
  std::sort(slots.begin(), slots.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [index, child] : slots) render_value(out, *child);
}

// The client renders its root as a node whenever it has statics, whatever else it holds.
template <class Out>
void render_root(Out& out, const Json& root) {
  if (const Json* statics = root.find("s"); statics && statics->is_array()) {
    render_slots(out, *statics, root);
  } else {
    render_value(out, root);
  }
}

}  // namespace

void TreeApplier::apply(const Json& update) {
  tree_.invalidate();
  for (const auto& [key, value] : update.members()) {
    Json* found = tree_.find(key);
    if (is_ops(value)) {
      if (found && is_range(*found)) {
        apply_ops(*found, value, range_ops_);
      } else {
        tree_.at_key(key) = value;
      }
    } else if (value.is_object()) {
      merge_into(tree_.at_key(key), value, range_ops_);  // a missing key starts as null
    } else {
      tree_.at_key(key) = value;
    }
  }
}

std::string TreeApplier::html() const {
  std::string out;
  render_root(out, tree_);
  // The client strips <root> wrappers from what it rebuilds.
  for (const std::string tag : {"<root>", "</root>"}) {
    for (std::size_t at = out.find(tag); at != std::string::npos; at = out.find(tag, at))
      out.erase(at, tag.size());
  }
  return out;
}

RenderHash TreeApplier::html_hash() const {
  RenderHash hash;
  render_root(hash, tree_);
  return hash;
}

}  // namespace lvt::sim
