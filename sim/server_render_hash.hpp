// The hash of the server's render of a tree (what tree::to_html returns) in time that follows
// what is new: the hashes of statics and of the items of append-only ranges (the message log)
// are computed once and kept, so checking a tab after every frame costs O(1) in the log length.
#pragma once

#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "render_hash.hpp"
#include "tree.hpp"

namespace lvt::sim {

class ServerRenderHasher {
 public:
  RenderHash of(const tree::Node& node);
  void clear();  // a new engine: its sources are new

 private:
  struct StaticsHashes {
    tree::StaticsRef statics;  // interned: its address is never reused
    std::vector<RenderHash> parts;
  };
  struct RangePrefixes {  // of one append-only sequence (the message log)
    tree::StaticsRef item_statics;
    std::vector<std::optional<RenderHash>> items;     // items[i]: element i, once seen
    std::vector<RenderHash> prefix = {RenderHash{}};  // prefix[i]: elements [0, i), all seen
  };

  const std::vector<RenderHash>& statics_hashes(const tree::StaticsRef& statics);
  void append_slots(RenderHash& out, const tree::StaticsRef& statics,
                    const std::vector<tree::Value>& slots);
  void append_value(RenderHash& out, const tree::Value& value);
  void append_range(RenderHash& out, const tree::Range& range);

  std::unordered_map<const tree::Statics*, StaticsHashes> statics_;
  std::unordered_map<const void*, RangePrefixes> ranges_;  // by sequence, for one engine
};

}  // namespace lvt::sim
