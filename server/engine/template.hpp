// A small declarative template: a page is declared once as a sequence of static HTML and
// dynamic parts, and renders any state into a tree::Node. Statics are built once per template,
// so every render of one template shares them and the differ compares them by identity.
//
//   Template<State> t{html("<p>Hi "), value([](const State& s) { return s.name; }), html("</p>")};
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "planted.hpp"
#include "text.hpp"
#include "tree.hpp"

namespace lvt {

template <class State>
class Template {
 public:
  struct Html {
    std::string html;
  };
  struct Text {
    std::function<std::string(const State&)> get;  // raw text; escaped when rendered
  };
  struct When {
    std::function<bool(const State&)> test;
    std::shared_ptr<const Template> then_branch;
    std::shared_ptr<const Template> else_branch;
  };
  struct Each {
    std::function<tree::Range(const State&)> get;
  };
  using Part = std::variant<Html, Text, When, Each>;

  Template(std::initializer_list<Part> parts) : Template(std::vector<Part>(parts)) {}

  explicit Template(std::vector<Part> parts) {
    tree::Statics statics{""};
    for (Part& part : parts) {
      if (auto* html = std::get_if<Html>(&part)) {
        statics.back() += html->html;
      } else {
        dynamics_.push_back(std::move(part));
        statics.emplace_back();
      }
    }
    statics_ = tree::make_statics(std::move(statics));
  }

  tree::StaticsRef statics() const { return statics_; }

  tree::Node render(const State& state) const {
    tree::Node node{statics_, {}};
    node.slots.reserve(dynamics_.size());
    for (const Part& part : dynamics_) node.slots.push_back(render_part(part, state));
    return node;
  }

 private:
  static tree::Value render_part(const Part& part, const State& state) {
    if (const auto* text = std::get_if<Text>(&part)) {
      if (planted(PlantedBug::html_unescaped)) [[unlikely]]
        return text->get(state);
      return text::html_escaped(text->get(state));
    }
    if (const auto* when = std::get_if<When>(&part)) {
      return (when->test(state) ? when->then_branch : when->else_branch)->render(state);
    }
    return std::get<Each>(part).get(state);
  }

  tree::StaticsRef statics_;
  std::vector<Part> dynamics_;  // every part but Html
};

template <class State>
typename Template<State>::Part html(std::string html) {
  return typename Template<State>::Html{std::move(html)};
}

template <class State>
typename Template<State>::Part value(std::function<std::string(const State&)> get) {
  return typename Template<State>::Text{std::move(get)};
}

template <class State>
typename Template<State>::Part when(std::function<bool(const State&)> test, Template<State> then_t,
                                    Template<State> else_t) {
  return typename Template<State>::When{std::move(test),
                                        std::make_shared<const Template<State>>(std::move(then_t)),
                                        std::make_shared<const Template<State>>(std::move(else_t))};
}

// The error of the state's field `field` (PageState::errors), as a line beside the field, or
// nothing when the field has none.
template <class State>
typename Template<State>::Part field_error(std::string field) {
  return when<State>(
      [field](const State& s) { return s.errors.contains(field); },
      Template<State>{html<State>("<p class=\"error\" role=\"alert\">"),
                      value<State>([field](const State& s) { return s.errors.at(field); }),
                      html<State>("</p>")},
      Template<State>{html<State>("")});
}

template <class State>
typename Template<State>::Part each(std::function<tree::Range(const State&)> get) {
  return typename Template<State>::Each{std::move(get)};
}

}  // namespace lvt
