// Encodes trees for the wire: a full tree (every static) for a connection that holds nothing,
// and a diff that carries only what changed since the tree the connection already holds.
#pragma once

#include <string>

#include "tree.hpp"

namespace lvt::wire {

// Appends the JSON of one range item (its slots; the range's statics are sent apart).
void append_item(std::string& out, const tree::Item& item);

// Appends the full JSON of `node`, statics included.
void append_full(std::string& out, const tree::Node& node);
std::string full(const tree::Node& node);

// Appends the JSON diff that turns `before` into `after` on the client ("{}" when nothing
// changed) and returns whether anything changed.
bool append_diff(std::string& out, const tree::Node& before, const tree::Node& after);
std::string diff(const tree::Node& before, const tree::Node& after);

}  // namespace lvt::wire
