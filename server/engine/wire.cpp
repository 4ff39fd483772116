#include "wire.hpp"

#include <algorithm>
#include <cassert>
#include <charconv>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "planted.hpp"
#include "text.hpp"

namespace lvt::wire {
namespace {

using tree::Item;
using tree::Node;
using tree::Range;
using tree::Value;

void append_value_full(std::string& out, const Value& value);

// Statics built by hand (tests) have no encoding kept: encode them as make_statics does.
void append_statics(std::string& out, const tree::Statics& statics) {
  if (statics.json.empty()) return tree::append_statics_json(out, statics);
  out += statics.json;
}

void append_slot_key(std::string& out, std::size_t slot) {
  // Written for every slot a diff looks at, changed or not: no temporary string.
  char key[24] = {'"'};
  char* end = std::to_chars(key + 1, key + sizeof key - 2, slot).ptr;
  *end++ = '"';
  *end++ = ':';
  out.append(key, end);
}

void append_item_full(std::string& out, const Item& item) {
  out += '{';
  for (std::size_t i = 0; i < item.size(); ++i) {
    if (i != 0) out += ',';
    append_slot_key(out, i);
    append_value_full(out, item[i]);
  }
  out += '}';
}

// Item `index` of the range's source, from the source's encoding when it keeps one.
void append_source_item(std::string& out, const Range& range, std::size_t index) {
  if (const std::string* json = range.source->item_json(index)) {
    out += *json;
  } else {
    append_item_full(out, range.source->item(index));
  }
}

void append_items_full(std::string& out, const Range& range, std::size_t begin, std::size_t end) {
  out += '[';
  for (std::size_t i = begin; i < end; ++i) {
    if (i != begin) out += ',';
    append_source_item(out, range, i);
  }
  out += ']';
}

void append_range_full(std::string& out, const Range& range) {
  out += "{\"d\":";
  append_items_full(out, range, 0, range.count);
  out += ",\"s\":";
  append_statics(out, *range.item_statics);
  out += ",\"m\":{\"idKey\":\"";
  out += std::to_string(range.key_slot);
  out += "\"}}";
}

void append_value_full(std::string& out, const Value& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    text::append_json_string(out, *text);
  } else if (const auto* node = std::get_if<Node>(&value)) {
    append_full(out, *node);
  } else {
    append_range_full(out, std::get<Range>(value));
  }
}

bool append_value_diff(std::string& out, const Value& before, const Value& after);

// Appends {"i": diff, ...} for the slots that changed; both sides share statics.
bool append_slots_diff(std::string& out, const std::vector<Value>& before,
                       const std::vector<Value>& after) {
  assert(before.size() == after.size());
  out += '{';
  bool changed = false;
  for (std::size_t i = 0; i < after.size(); ++i) {
    const std::size_t mark = out.size();
    if (changed) out += ',';
    append_slot_key(out, i);
    if (append_value_diff(out, before[i], after[i])) {
      changed = true;
    } else {
      out.resize(mark);
    }
  }
  out += '}';
  return changed;
}

void append_key(std::string& out, const std::string& key) {
  text::append_json_string(out, key);
}

// Keyed diff of two materialised views: removals, updates, then insertions (prepend, insert
// after, append), and a reorder only when the surviving items changed order.
bool append_range_ops(std::string& out, const Range& before, const Range& after) {
  std::vector<std::string> keys_before(before.count);
  std::unordered_map<std::string_view, std::size_t> index_before;
  for (std::size_t i = 0; i < before.count; ++i) {
    keys_before[i] = before.source->key(i);
  }
  for (std::size_t i = 0; i < before.count; ++i) index_before.emplace(keys_before[i], i);
  std::vector<std::string> keys_after(after.count);
  std::unordered_set<std::string_view> set_after;
  for (std::size_t i = 0; i < after.count; ++i) keys_after[i] = after.source->key(i);
  for (std::size_t i = 0; i < after.count; ++i) set_after.insert(keys_after[i]);
  if (index_before.size() != before.count || set_after.size() != after.count) {
    // Duplicate keys: the client cannot address items, so resend the whole range.
    append_range_full(out, after);
    return true;
  }

  std::string ops = "[";
  auto begin_op = [&ops] {
    if (ops.size() > 1) ops += ',';
  };
  for (std::size_t i = 0; i < before.count; ++i) {
    if (!set_after.contains(keys_before[i])) {
      begin_op();
      ops += "[\"r\",";
      append_key(ops, keys_before[i]);
      ops += ']';
    }
  }
  std::vector<std::size_t> common_after;  // indexes in `after` of items both sides hold
  std::vector<std::size_t> common_before_order;
  for (std::size_t i = 0; i < before.count; ++i) {
    if (set_after.contains(keys_before[i])) common_before_order.push_back(i);
  }
  for (std::size_t j = 0; j < after.count; ++j) {
    const auto found = index_before.find(keys_after[j]);
    if (found == index_before.end()) continue;
    common_after.push_back(j);
    const Item old_item = before.source->item(found->second);
    const Item new_item = after.source->item(j);
    std::string change;
    if (append_slots_diff(change, old_item, new_item)) {
      begin_op();
      ops += "[\"u\",";
      append_key(ops, keys_after[j]);
      ops += ',';
      ops += change;
      ops += ']';
    }
  }
  bool reordered = false;
  for (std::size_t k = 0; k < common_after.size(); ++k) {
    if (keys_before[common_before_order[k]] != keys_after[common_after[k]]) reordered = true;
  }

  const bool has_common = !common_after.empty();
  const std::size_t first_common = has_common ? common_after.front() : after.count;
  const std::size_t last_common = has_common ? common_after.back() : 0;
  if (reordered) {
    std::vector<std::size_t> added;
    for (std::size_t j = 0; j < after.count; ++j) {
      if (!index_before.contains(keys_after[j])) added.push_back(j);
    }
    if (!added.empty()) {
      begin_op();
      ops += "[\"a\",[";
      for (std::size_t k = 0; k < added.size(); ++k) {
        if (k != 0) ops += ',';
        append_source_item(ops, after, added[k]);
      }
      ops += "]]";
    }
    begin_op();
    ops += "[\"o\",[";
    for (std::size_t j = 0; j < after.count; ++j) {
      if (j != 0) ops += ',';
      append_key(ops, keys_after[j]);
    }
    ops += "]]";
  } else {
    if (has_common && first_common > 0) {
      begin_op();
      ops += "[\"p\",";
      append_items_full(ops, after, 0, first_common);
      ops += ']';
    }
    for (std::size_t j = first_common + 1; j < after.count && j <= last_common; ++j) {
      if (index_before.contains(keys_after[j])) continue;
      begin_op();
      ops += "[\"i\",";
      append_key(ops, keys_after[j - 1]);
      ops += ',';
      append_source_item(ops, after, j);
      ops += ']';
    }
    const std::size_t tail_begin = has_common ? last_common + 1 : 0;
    if (tail_begin < after.count) {
      begin_op();
      ops += "[\"a\",";
      append_items_full(ops, after, tail_begin, after.count);
      ops += ']';
    }
  }
  if (ops.size() == 1) return false;
  ops += ']';
  out += ops;
  return true;
}

// Two non-empty windows [b0, e0) and [b1, e1) of one append-only sequence: the items of the old
// window the new one lacks are removed (at its front, or at its end), the older ones it now
// shows are prepended and the newer ones appended, by index, with no key compared. Windows that
// do not overlap are sent whole.
bool append_window_diff(std::string& out, const Range& before, const Range& after) {
  const std::size_t b0 = before.source->sequence_index(0), e0 = b0 + before.count;
  const std::size_t b1 = after.source->sequence_index(0), e1 = b1 + after.count;
  if (b0 == b1 && e0 == e1) return false;
  if (e1 <= b0 || e0 <= b1 || planted(PlantedBug::full_log_resend)) {
    append_range_full(out, after);
    return true;
  }
  bool first_op = true;
  const auto begin_op = [&out, &first_op](std::string_view op) {
    out += first_op ? "[[\"" : ",[\"";
    out += op;
    out += "\",";
    first_op = false;
  };
  const auto remove = [&](std::size_t from, std::size_t to) {
    for (std::size_t i = from; i < to; ++i) {
      begin_op("r");
      text::append_json_string(out, before.source->key(i - b0));
      out += ']';
    }
  };
  if (!planted(PlantedBug::window_keeps_slid_out)) remove(b0, std::min(e0, b1));  // off the front
  remove(std::max(b0, e1), e0);  // fell off the end (no page shrinks a window so)
  if (b1 < b0) {
    begin_op("p");
    append_items_full(out, after, 0, b0 - b1);
    out += ']';
  }
  if (e1 > e0) {
    begin_op("a");
    append_items_full(out, after, e0 - b1, e1 - b1);
    out += ']';
  }
  out += ']';
  return true;
}

bool append_range_diff(std::string& out, const Range& before, const Range& after) {
  const bool same_shape =
      before.item_statics == after.item_statics && before.key_slot == after.key_slot;
  if (!same_shape || before.count == 0 || after.count == 0) {
    // A list that becomes empty or non-empty switches structure: send it whole.
    if (same_shape && before.count == 0 && after.count == 0) return false;
    append_range_full(out, after);
    return true;
  }
  const void* sequence = after.source->sequence();
  if (sequence != nullptr && sequence == before.source->sequence()) {
    return append_window_diff(out, before, after);
  }
  return append_range_ops(out, before, after);
}

bool append_value_diff(std::string& out, const Value& before, const Value& after) {
  if (before.index() != after.index()) {
    append_value_full(out, after);
    return true;
  }
  if (const auto* text = std::get_if<std::string>(&after)) {
    if (*text == std::get<std::string>(before)) return false;
    text::append_json_string(out, *text);
    return true;
  }
  if (const auto* node = std::get_if<Node>(&after))
    return append_diff(out, std::get<Node>(before), *node);
  return append_range_diff(out, std::get<Range>(before), std::get<Range>(after));
}

}  // namespace

void append_item(std::string& out, const Item& item) {
  append_item_full(out, item);
}

void append_full(std::string& out, const Node& node) {
  assert(node.statics && node.statics->size() == node.slots.size() + 1);
  out += "{\"s\":";
  append_statics(out, *node.statics);
  for (std::size_t i = 0; i < node.slots.size(); ++i) {
    out += ',';
    append_slot_key(out, i);
    append_value_full(out, node.slots[i]);
  }
  out += '}';
}

std::string full(const Node& node) {
  std::string out;
  append_full(out, node);
  return out;
}

bool append_diff(std::string& out, const Node& before, const Node& after) {
  if (before.statics != after.statics) {
    // Another branch or structure: the client replaces any node that carries statics.
    append_full(out, after);
    return true;
  }
  return append_slots_diff(out, before.slots, after.slots);
}

std::string diff(const Node& before, const Node& after) {
  std::string out;
  append_diff(out, before, after);
  return out;
}

}  // namespace lvt::wire
