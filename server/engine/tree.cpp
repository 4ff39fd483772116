#include "tree.hpp"

#include <cassert>
#include <mutex>
#include <unordered_map>
#include <utility>

#include "text.hpp"

namespace lvt::tree {

ItemList::ItemList(std::vector<Item> items, std::size_t key_slot)
    : items_(std::move(items)), key_slot_(key_slot) {
  for ([[maybe_unused]] const Item& item : items_) {
    assert(key_slot_ < item.size() && std::holds_alternative<std::string>(item[key_slot_]));
  }
}

Item ItemList::item(std::size_t index) const {
  return items_.at(index);
}

std::string ItemList::key(std::size_t index) const {
  return std::get<std::string>(items_.at(index).at(key_slot_));
}

Range make_range(StaticsRef item_statics, std::size_t key_slot, std::vector<Item> items) {
  const std::size_t count = items.size();
  return Range{std::move(item_statics), key_slot,
               std::make_shared<ItemList>(std::move(items), key_slot), count};
}

StaticsRef make_statics(Statics statics) {
  assert(!statics.empty());
  std::string json;
  append_statics_json(json, statics);  // one array of strings: equal encodings, equal statics
  // Never destroyed, not even at exit: a thread still rendering then keeps valid statics.
  static auto& interned_mutex = *new std::mutex;
  static auto& interned = *new std::unordered_map<std::string, std::unique_ptr<const Statics>>;
  std::lock_guard lock(interned_mutex);
  auto& slot = interned[json];
  if (!slot) {
    statics.json = std::move(json);
    slot = std::make_unique<const Statics>(std::move(statics));
  }
  return slot.get();
}

void append_statics_json(std::string& out, const Statics& statics) {
  out += '[';
  for (std::size_t i = 0; i < statics.size(); ++i) {
    if (i != 0) out += ',';
    text::append_json_string(out, statics[i]);
  }
  out += ']';
}

namespace {

void append_slots(std::string& out, const Statics& statics, const std::vector<Value>& slots);

void append_value(std::string& out, const Value& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    out += *text;
  } else if (const auto* node = std::get_if<Node>(&value)) {
    append_html(out, *node);
  } else {
    const Range& range = std::get<Range>(value);
    for (std::size_t i = 0; i < range.count; ++i) {
      if (const std::string* html = range.source->item_html(i)) {
        out += *html;
      } else {
        append_slots(out, *range.item_statics, range.source->item(i));
      }
    }
  }
}

void append_slots(std::string& out, const Statics& statics, const std::vector<Value>& slots) {
  assert(statics.size() == slots.size() + 1);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    out += statics[i];
    append_value(out, slots[i]);
  }
  out += statics.back();
}

}  // namespace

void append_html(std::string& out, const Node& node) {
  append_slots(out, *node.statics, node.slots);
}

std::string item_html(const Statics& item_statics, const Item& item) {
  std::string out;
  append_slots(out, item_statics, item);
  return out;
}

std::string to_html(const Node& node) {
  std::string out;
  append_html(out, node);
  return out;
}

}  // namespace lvt::tree
