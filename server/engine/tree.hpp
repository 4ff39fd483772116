// The rendered tree in livetemplate's shape: a node is N+1 statics around N dynamic slots;
// a slot holds text (already HTML-escaped), a nested node, or a keyed range of items.
// Statics are interned and compared by identity: two nodes with the same statics pointer have
// the same static strings (the same place in a template, or one as alike), so a diff need only
// carry their changed slots.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace lvt::tree {

// A node's static strings; make_statics also encodes them once as a JSON array, since they
// never change and every full tree carries them.
struct Statics : std::vector<std::string> {
  using std::vector<std::string>::vector;
  std::string json;  // empty until make_statics fills it
};
// Interned by make_statics for the process's life (equal statics are one object, never freed),
// so a node holds a plain pointer: a shared pointer copied into every rendered node cost about
// 14% of a broadcast's CPU in reference counts that both threads write (measured at 400
// messages a second to 1,000 peers). The set grows only with distinct static text.
using StaticsRef = const Statics*;

struct Value;
using Item = std::vector<Value>;  // one range item: its slot values, rendered with item statics

// Where a range's items come from. A source may be a window of an append-only sequence (the
// message log), whose elements never change once appended: then sequence() names the sequence
// and item i is its element sequence_index(i), contiguous, so two windows of one sequence diff
// by index (removes at the front, prepends, appends) at a cost that follows what changed.
class RangeSource {
 public:
  virtual ~RangeSource() = default;
  virtual Item item(std::size_t index) const = 0;
  // The text of the item's key slot, exactly as item(index) renders it.
  virtual std::string key(std::size_t index) const = 0;
  virtual const void* sequence() const { return nullptr; }  // nullptr: a list of its own
  virtual std::size_t sequence_index(std::size_t index) const { return index; }
  // The item's wire encoding and its HTML (with the range's item statics), when the source
  // keeps them: items that never change are rendered once, not once per connection. nullptr
  // when it does not.
  virtual const std::string* item_json(std::size_t /*index*/) const { return nullptr; }
  virtual const std::string* item_html(std::size_t /*index*/) const { return nullptr; }
};

struct Node {
  StaticsRef statics;
  std::vector<Value> slots;  // statics->size() == slots.size() + 1
};

struct Range {
  StaticsRef item_statics;
  std::size_t key_slot = 0;
  std::shared_ptr<const RangeSource> source;
  std::size_t count = 0;  // the view is items [0, count) of source
};

struct Value : std::variant<std::string, Node, Range> {
  using variant::variant;
};

// A materialised list of items; keys are read from key_slot, which must hold text.
class ItemList final : public RangeSource {
 public:
  ItemList(std::vector<Item> items, std::size_t key_slot);
  Item item(std::size_t index) const override;
  std::string key(std::size_t index) const override;
  std::size_t size() const { return items_.size(); }

 private:
  std::vector<Item> items_;
  std::size_t key_slot_;
};

Range make_range(StaticsRef item_statics, std::size_t key_slot, std::vector<Item> items);
StaticsRef make_statics(Statics statics);
// The statics as the JSON array of strings the wire carries (what make_statics keeps in `json`).
void append_statics_json(std::string& out, const Statics& statics);

// The HTML a node stands for, exactly as the client's tree renderer rebuilds it.
void append_html(std::string& out, const Node& node);
std::string to_html(const Node& node);
std::string item_html(const Statics& item_statics, const Item& item);

}  // namespace lvt::tree
