#include "server_render_hash.hpp"

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
  auto [found, inserted] = statics_.try_emplace(statics.get());
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

void ServerRenderHasher::append_range(RenderHash& out, const tree::Range& range) {
  if (!range.source->append_only()) {  // a list that may change anywhere: hash it whole
    for (std::size_t i = 0; i < range.count; ++i) {
      append_slots(out, range.item_statics, range.source->item(i));
    }
    return;
  }
  auto [found, inserted] = ranges_.try_emplace(range.source.get());
  RangePrefixes& prefixes = found->second;
  if (inserted) {
    prefixes.source = range.source;
    prefixes.item_statics = range.item_statics;
  }
  assert(prefixes.item_statics == range.item_statics);  // one template renders one source
  while (prefixes.prefix.size() <= range.count) {
    RenderHash next = prefixes.prefix.back();
    const std::size_t index = prefixes.prefix.size() - 1;
    if (const std::string* html = range.source->item_html(index)) {
      next.append(RenderHash::of(*html));
    } else {
      append_slots(next, range.item_statics, range.source->item(index));
    }
    prefixes.prefix.push_back(next);
  }
  out.append(prefixes.prefix[range.count]);
}

}  // namespace lvt::sim
