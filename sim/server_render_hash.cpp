#include "server_render_hash.hpp"

#include <algorithm>
#include <cassert>

namespace lvt::sim {

RenderHash ServerRenderHasher::of(const tree::Node& node) {
  RenderHash hash;
  append_slots(hash, node.statics, node.slots);
  return hash;
}

void ServerRenderHasher::clear() {
  statics_.clear();
  ranges_.clear();
}

const std::vector<RenderHash>& ServerRenderHasher::statics_hashes(const tree::StaticsRef& statics) {
  auto [found, inserted] = statics_.try_emplace(statics);
  if (inserted) {
    found->second.statics = statics;
    for (const std::string& part : *statics) found->second.parts.push_back(RenderHash::of(part));
  }
  return found->second.parts;
}

void ServerRenderHasher::append_slots(RenderHash& out, const tree::StaticsRef& statics,
                                      const std::vector<tree::Value>& slots) {
  const std::vector<RenderHash>& parts = statics_hashes(statics);
  assert(parts.size() == slots.size() + 1);
  for (std::size_t i = 0; i < slots.size(); ++i) {
    out.append(parts[i]);
    append_value(out, slots[i]);
  }
  out.append(parts.back());
}

void ServerRenderHasher::append_value(RenderHash& out, const tree::Value& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    out.append(RenderHash::of(*text));
  } else if (const auto* node = std::get_if<tree::Node>(&value)) {
    append_slots(out, node->statics, node->slots);
  } else {
    append_range(out, std::get<tree::Range>(value));
  }
}

// A window of an append-only sequence hashes from its elements' kept hashes: in O(1) when it is
// a prefix of what is known from element 0, else element by element (the simulator's windows
// are small). Any other list is hashed whole.
void ServerRenderHasher::append_range(RenderHash& out, const tree::Range& range) {
  const void* sequence = range.source->sequence();
  if (sequence == nullptr || range.count == 0) {
    for (std::size_t i = 0; i < range.count; ++i) {
      append_slots(out, range.item_statics, range.source->item(i));
    }
    return;
  }
  auto [found, inserted] = ranges_.try_emplace(sequence);
  RangePrefixes& known = found->second;
  if (inserted) known.item_statics = range.item_statics;
  assert(known.item_statics == range.item_statics);  // one template renders one sequence
  const std::size_t first = range.source->sequence_index(0);
  const std::size_t end = first + range.count;
  if (known.items.size() < end) known.items.resize(end);
  // Elements below the known prefix are known: only what is new costs (in whole-log pages, the
  // appended messages).
  for (std::size_t i = std::max(first, known.prefix.size() - 1); i < end; ++i) {
    if (known.items[i]) continue;
    RenderHash item;
    if (const std::string* html = range.source->item_html(i - first)) {
      item = RenderHash::of(*html);
    } else {
      append_slots(item, range.item_statics, range.source->item(i - first));
    }
    known.items[i] = item;
  }
  while (known.prefix.size() <= known.items.size() && known.items[known.prefix.size() - 1]) {
    known.prefix.push_back(
        RenderHash(known.prefix.back()).append(*known.items[known.prefix.size() - 1]));
  }
  if (first == 0 && end < known.prefix.size()) {
    out.append(known.prefix[end]);
    return;
  }
  for (std::size_t i = first; i < end; ++i) out.append(*known.items[i]);
}

}  // namespace lvt::sim
