// The oracle's eyes: what a person reads on a page, and what the model says they must read.
// Written plainly and apart from the engine (which renders the pages), sharing nothing with it
// but the standard library, so a fault in an engine helper (escaping, encoding, trimming) shows
// as a difference here instead of hiding in both sides of the comparison.
//
// A page's text is a list of blocks: the text of each block element (p, h1, div, form,
// button, ...) with tags removed and character references decoded, trimmed of ASCII space
// at its ends; empty blocks are left out, except a textarea, whose text is kept verbatim.
// Comparing blocks, not markup, lets the pages change their markup freely while any change a
// person would see (a name, a message, an entity shown raw, a tag from user text) is caught.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "broadcast_model.hpp"

namespace lvt::model {

// The blocks of `html`: a fragment (what the client holds) or a whole document, whose <head>,
// scripts and styles are skipped.
std::vector<std::string> text_blocks(std::string_view html);

// What the model predicts a tab shows: its page, its name, how much of the log, its copy of
// the group's persisted fields, its connection's field errors, and the group mode the page
// explains.
struct View {
  Page page = Page::broadcasting;
  std::string username;
  std::size_t messages = 0;  // the log up to here is what the tab has been sent
  Persisted fields;
  GroupMode group_mode = GroupMode::cookie;
  FieldErrors errors;
  std::vector<Task> tasks;  // tasks: the list the tab shows
  std::size_t first = 0;    // broadcasting: the tab shows log[first, messages)
  bool older = false;       // and the "Older messages" button
};
View view_of(const Tab& tab, GroupMode group_mode);

// The line under a page's title that says what the page demonstrates and what its group is
// under `group_mode`, restated here as a person must read it; empty for Tasks, which has none.
std::string_view explanation(Page page, GroupMode group_mode);

// The blocks a page showing `view` must have, with `log` the shared log (the view shows
// log[view.first, view.messages)). A field error is a block after its form's button, shown only
// while the field's form is: a refused join's error disappears with the join form once joined.
std::vector<std::string> expected_blocks(const View& view, const std::vector<Message>& log);

// Whether `held` is exactly expected_blocks(view, log), found without building that list.
bool shows(const std::vector<std::string>& held, const View& view, const std::vector<Message>& log);

// The first difference between two block lists, as two short texts a person reads
// ("block 4: 'Ann: a &amp; b'" beside "block 4: 'Ann: a & b'"); empty when they are equal.
struct BlockDifference {
  std::string expected, held;
  bool empty() const { return expected.empty() && held.empty(); }
};
BlockDifference first_difference(const std::vector<std::string>& expected,
                                 const std::vector<std::string>& held);

// The bytes of `raw` once escaped for HTML text (each of & < > " ' { as an entity of at most
// six bytes) and then as a JSON string with its quotes: what a correct server spends on it.
std::size_t escaped_json_bytes(std::string_view raw);

}  // namespace lvt::model
