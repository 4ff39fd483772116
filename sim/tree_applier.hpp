// What the browser client holds: a C++ port of the client's tree renderer (applyUpdate and
// reconstruct), checked against the client's own tree-renderer.js in a differential test.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "json_value.hpp"
#include "render_hash.hpp"

namespace lvt::sim {

// How many keyed range ops of each kind a TreeApplier applied: a (append), p (prepend),
// r (remove), u (update), i (insert after), o (reorder).
struct RangeOpCounts {
  std::uint64_t append = 0, prepend = 0, remove = 0, update = 0, insert = 0, reorder = 0;
};

class TreeApplier {
 public:
  void apply(const Json& update);  // one frame's "tree"
  void apply(std::string_view tree_json) { apply(parse_json(tree_json)); }
  std::string html() const;  // what the client rebuilds from what it holds
  // RenderHash::of(html()) for any page without a <root> wrapper (the engine renders none), in
  // time that follows what changed since the last call: unchanged parts keep their hashes.
  RenderHash html_hash() const;
  void reset() { tree_ = Json::object(); }  // the counts go on
  const RangeOpCounts& range_ops() const { return range_ops_; }

 private:
  Json tree_ = Json::object();
  RangeOpCounts range_ops_;
};

}  // namespace lvt::sim
