// Properties of the differ: applying diff(a, b) to what a client holds for a gives b, nothing
// changed costs "{}", and the bytes follow what changed, not the size of the page.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "doc_gen.hpp"
#include "render_hash.hpp"
#include "tree_applier.hpp"
#include "wire.hpp"

namespace lvt {
namespace {

using testing::Doc;
using testing::doc_template;

RC_GTEST_PROP(Differ, ApplyingDiffAToBGivesB, ()) {
  const Doc a = *testing::gen_doc();
  const Doc b = *testing::gen_doc();
  const tree::Node ta = doc_template().render(a);
  const tree::Node tb = doc_template().render(b);
  sim::TreeApplier client;
  client.apply(wire::full(ta));
  RC_ASSERT(client.html() == tree::to_html(ta));
  client.apply(wire::diff(ta, tb));
  RC_ASSERT(client.html() == tree::to_html(tb));
}

RC_GTEST_PROP(Differ, NothingChangedCostsTwoBytes, ()) {
  const tree::Node t = doc_template().render(*testing::gen_doc());
  RC_ASSERT(wire::diff(t, t) == "{}");
}

RC_GTEST_PROP(Differ, NeverCostsMoreThanResendingThePage, ()) {
  const tree::Node a = doc_template().render(*testing::gen_doc());
  const tree::Node b = doc_template().render(*testing::gen_doc());
  RC_ASSERT(wire::diff(a, b).size() <= wire::full(b).size() + 16);
}

RC_GTEST_PROP(Differ, ChangingOneRowCostsAboutThatRow, ()) {
  Doc a = *testing::gen_doc();
  RC_PRE(!a.rows.empty());
  const std::size_t at = *rc::gen::inRange<std::size_t>(0, a.rows.size());
  Doc b = a;
  b.rows[at].text = *testing::gen_text();
  RC_PRE(b.rows[at].text != a.rows[at].text);
  std::string encoded_text;
  text::append_json_string(encoded_text, text::html_escaped(b.rows[at].text));
  // ["u","<key>",{"1":<text>}] inside {"3":[...]}: a few dozen bytes beyond the new text.
  const std::size_t bytes = wire::diff(doc_template().render(a), doc_template().render(b)).size();
  RC_ASSERT(bytes <= 64 + encoded_text.size());
}

// The simulator compares renders by hash: the hash of a concatenation must come from its parts,
// however the text is split.
RC_GTEST_PROP(RenderHash, ComposesOverAnySplit, ()) {
  const std::string text = *testing::gen_text();
  const std::size_t at = *rc::gen::inRange<std::size_t>(0, text.size() + 1);
  sim::RenderHash joined = sim::RenderHash::of(text.substr(0, at));
  joined.append(sim::RenderHash::of(text.substr(at)));
  RC_ASSERT(joined == sim::RenderHash::of(text));
}

RC_GTEST_PROP(RenderHash, TellsDifferentTextsApart, ()) {
  const std::string a = *testing::gen_text();
  const std::string b = *testing::gen_text();
  RC_PRE(a != b);
  RC_ASSERT(!(sim::RenderHash::of(a) == sim::RenderHash::of(b)));
}

}  // namespace
}  // namespace lvt
