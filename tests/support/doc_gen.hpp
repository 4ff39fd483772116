// A document page that exercises every op of the differ (text, a branch switch, a keyed range
// whose items carry a nested conditional, an empty list), its generators, and small edits.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include <rapidcheck.h>

#include "template.hpp"
#include "text_gen.hpp"

namespace lvt::testing {

// A page shape that exercises every op of the differ: text, a branch switch, a keyed range
// whose items carry a nested conditional, and an empty list.
struct Row {
  std::string key;
  std::string text;
  bool starred = false;
};
struct Doc {
  std::string title;
  bool flag = false;
  std::string footer;
  std::vector<Row> rows;
};

inline const Template<Row>& row_template() {
  static const Template<Row> t{
      html<Row>("<li data-key=\""),
      value<Row>([](const Row& r) { return r.key; }),
      html<Row>("\">"),
      value<Row>([](const Row& r) { return r.text; }),
      when<Row>([](const Row& r) { return r.starred; }, Template<Row>{html<Row>("<b>*</b>")},
                Template<Row>{html<Row>("")}),
      html<Row>("</li>")};
  return t;
}

inline const Template<Doc>& doc_template() {
  static const Template<Doc> t{
      html<Doc>("<section><h2>"),
      value<Doc>([](const Doc& d) { return d.title; }),
      html<Doc>("</h2>"),
      when<Doc>([](const Doc& d) { return d.flag; },
                Template<Doc>{html<Doc>("<p class=\"on\">"),
                              value<Doc>([](const Doc& d) { return d.footer; }), html<Doc>("</p>")},
                Template<Doc>{html<Doc>("<p>off</p>")}),
      html<Doc>("<ul>"),
      each<Doc>([](const Doc& d) {
        std::vector<tree::Item> items;
        for (const Row& row : d.rows) items.push_back(row_template().render(row).slots);
        return tree::make_range(row_template().statics(), 0, std::move(items));
      }),
      html<Doc>("</ul></section>")};
  return t;
}

// Keeps the first occurrence of each key, in order: a random keyed list.
inline std::vector<int> distinct(std::vector<int> keys) {
  std::vector<int> out;
  for (int key : keys) {
    if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
  }
  return out;
}

inline rc::Gen<Doc> gen_doc() {
  return rc::gen::build<Doc>(
      rc::gen::set(&Doc::title, testing::gen_text()),
      rc::gen::set(&Doc::flag, rc::gen::arbitrary<bool>()),
      rc::gen::set(&Doc::footer, testing::gen_text()),
      rc::gen::set(
          &Doc::rows,
          rc::gen::mapcat(
              rc::gen::map(rc::gen::container<std::vector<int>>(rc::gen::inRange(0, 10)), distinct),
              [](const std::vector<int>& keys) {
                return rc::gen::map(rc::gen::container<std::vector<std::pair<std::string, bool>>>(
                                        keys.size(), rc::gen::pair(testing::gen_text(),
                                                                   rc::gen::arbitrary<bool>())),
                                    [keys](const std::vector<std::pair<std::string, bool>>& cells) {
                                      std::vector<Row> rows;
                                      for (std::size_t i = 0; i < keys.size(); ++i) {
                                        rows.push_back({"k" + std::to_string(keys[i]),
                                                        cells[i].first, cells[i].second});
                                      }
                                      return rows;
                                    });
              })));
}

// One small change to a document, as pages change between two renders.
struct Edit {
  enum Kind { insert, remove, retext, star, move, flag, retitle };
  Kind kind = insert;
  int position = 0;
  int other = 0;
  std::string text;
};

inline rc::Gen<Edit> gen_edit() {
  return rc::gen::build<Edit>(
      rc::gen::set(&Edit::kind,
                   rc::gen::element(Edit::insert, Edit::remove, Edit::retext, Edit::star,
                                    Edit::move, Edit::flag, Edit::retitle)),
      rc::gen::set(&Edit::position, rc::gen::inRange(0, 64)),
      rc::gen::set(&Edit::other, rc::gen::inRange(0, 64)),
      rc::gen::set(&Edit::text, testing::gen_text()));
}

inline void apply_edit(Doc& doc, const Edit& edit, int& next_key) {
  const auto size = static_cast<int>(doc.rows.size());
  const auto at = [&](int p) { return static_cast<std::size_t>(size == 0 ? 0 : p % size); };
  switch (edit.kind) {
    case Edit::insert:
      doc.rows.insert(doc.rows.begin() + static_cast<long>(edit.position % (size + 1)),
                      Row{"n" + std::to_string(next_key++), edit.text, false});
      break;
    case Edit::remove:
      if (size > 0) doc.rows.erase(doc.rows.begin() + static_cast<long>(at(edit.position)));
      break;
    case Edit::retext:
      if (size > 0) doc.rows[at(edit.position)].text = edit.text;
      break;
    case Edit::star:
      if (size > 0) doc.rows[at(edit.position)].starred ^= true;
      break;
    case Edit::move:
      if (size > 1) {
        Row row = doc.rows[at(edit.position)];
        doc.rows.erase(doc.rows.begin() + static_cast<long>(at(edit.position)));
        doc.rows.insert(doc.rows.begin() + static_cast<long>(edit.other % size), std::move(row));
      }
      break;
    case Edit::flag:
      doc.flag = !doc.flag;
      break;
    case Edit::retitle:
      doc.title = edit.text;
      doc.footer = edit.text + "!";
      break;
  }
}

}  // namespace lvt::testing
