// The hash of the server's render of a tree (what tree::to_html returns) in time that follows
// what is new: the hashes of statics and of the items of append-only ranges (the message log)
// are computed once and kept, so checking a tab after every frame costs O(1) in the log length.
#pragma once

#include <memory>
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
    tree::StaticsRef statics;  // held, so the address is not reused while cached
    std::vector<RenderHash> parts;
  };
  struct RangePrefixes {
    std::shared_ptr<const tree::RangeSource> source;
    tree::StaticsRef item_statics;
    std::vector<RenderHash> prefix = {RenderHash{}};  // prefix[i]: items [0, i)
  };

  const std::vector<RenderHash>& statics_hashes(const tree::StaticsRef& statics);
  void append_slots(RenderHash& out, const tree::StaticsRef& statics,
                    const std::vector<tree::Value>& slots);
  void append_value(RenderHash& out, const tree::Value& value);
  void append_range(RenderHash& out, const tree::Range& range);

  std::unordered_map<const tree::Statics*, StaticsHashes> statics_;
  std::unordered_map<const tree::RangeSource*, RangePrefixes> ranges_;
};

}  // namespace lvt::sim
