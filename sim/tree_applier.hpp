// What the browser client holds: a C++ port of the client's tree renderer (applyUpdate and
// reconstruct), checked against the client's own tree-renderer.js in a differential test.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace lvt::sim {

class TreeApplier {
 public:
  void apply(const nlohmann::json& update);  // one frame's "tree"
  std::string html() const;                  // what the client rebuilds from what it holds
  void reset() { tree_ = nlohmann::json::object(); }

 private:
  nlohmann::json tree_ = nlohmann::json::object();
};

}  // namespace lvt::sim
