// A small JSON value for the simulated client's held tree. Values are shared, copy-on-write
// handles: a frame fanned out to a hundred tabs is parsed once, and every tab's tree shares the
// items it appended, so a thousand tabs over a long log hold one copy of it (nlohmann::json
// copies and allocates at every step, which made it most of the simulator's time). Reference
// counts are not atomic: a value belongs to one simulation, which runs on one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "render_hash.hpp"

namespace lvt::sim {

class Json {
 public:
  enum class Kind : std::uint8_t { null, boolean, number, string, array, object };
  using Member = std::pair<std::string, Json>;

  Json() = default;
  Json(const Json& other) : node_(other.node_) {
    if (node_) ++node_->references;
  }
  Json(Json&& other) noexcept : node_(std::exchange(other.node_, nullptr)) {}
  Json& operator=(Json other) noexcept {
    std::swap(node_, other.node_);
    return *this;
  }
  ~Json() { release(); }

  static Json object() { return Json(Kind::object); }
  static Json string(std::string text);
  static Json number(std::string text);
  static Json boolean_value(bool truth);

  Kind kind() const { return node_ ? node_->kind : Kind::null; }
  bool is_null() const { return kind() == Kind::null; }
  bool is_boolean() const { return kind() == Kind::boolean; }
  bool is_string() const { return kind() == Kind::string; }
  bool is_array() const { return kind() == Kind::array; }
  bool is_object() const { return kind() == Kind::object; }

  bool boolean() const { return node_ && node_->boolean; }
  const std::string& text() const;  // a string, or a number as written
  const std::vector<Json>& elements() const;
  const std::vector<Member>& members() const;
  const Json* find(std::string_view key) const;

  // Mutable access copies a shared value first (shallowly: its children stay shared).
  std::vector<Json>& elements();
  std::vector<Member>& members();
  Json* find(std::string_view key);
  Json& at_key(std::string_view key);  // an object's member, inserted as null when missing

  // The hash of what the client's renderer builds from this value, cached until invalidated,
  // with a tag saying what it covers (see tree_applier.cpp). Whoever mutates a value
  // invalidates it and every value that contains it.
  bool hash_cached() const { return node_ && node_->hash_cached; }
  const RenderHash& cached_hash() const { return node_->hash; }
  std::uint64_t cached_tag() const { return node_->hash_tag; }
  void cache_hash(const RenderHash& hash, std::uint64_t tag = 0) const;
  void invalidate();

 private:
  friend class JsonParser;
  struct Node {
    std::uint32_t references = 1;
    Kind kind = Kind::null;
    bool boolean = false;
    bool hash_cached = false;
    std::uint64_t hash_tag = 0;
    RenderHash hash;
    std::string text;
    std::vector<Json> elements;
    std::vector<Member> members;
  };

  explicit Json(Kind kind) : node_(new Node) { node_->kind = kind; }
  void release() {
    if (node_ && --node_->references == 0) delete node_;
  }
  Node& own();  // this value's node, copied first when shared
  static constexpr std::size_t not_found = static_cast<std::size_t>(-1);
  std::size_t index_of(std::string_view key) const;

  Node* node_ = nullptr;  // null stands for JSON null
};

// Objects met inside arrays (range items) and nodes' statics arrays, by their exact text: an
// item sent to many tabs, or statics again in every full tree, are parsed (and their render
// hashed) once and shared. Bounded: it starts over when full.
class JsonInterner {
 public:
  const Json* find(std::string_view text) const;
  void insert(std::string_view text, const Json& value);

 private:
  static constexpr std::size_t entries_max = 50'000;
  struct TextHash {  // looks a string_view up without copying it
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  std::unordered_map<std::string, Json, TextHash, std::equal_to<>> values_;
};

// Parses one JSON document (RFC 8259; nesting at most 256 deep); throws std::runtime_error.
Json parse_json(std::string_view text, JsonInterner* interner = nullptr);

// Appends `text` (valid UTF-8) as the browser's JSON.stringify writes a string: quotes and
// backslashes escaped, \b \f \n \r \t short, other control characters as \u00xx, the rest as
// it is. The simulated client's own, not the engine's: a fault in the server's JSON encoding
// must not be copied by the client that judges it.
void append_json_stringified(std::string& out, std::string_view text);

}  // namespace lvt::sim
