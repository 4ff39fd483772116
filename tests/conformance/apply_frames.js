// Applies trees with the official client's own tree renderer and answers with the HTML it
// rebuilds. One JSON command per stdin line; one JSON answer per stdout line.
//   {"op":"apply","id":N,"tree":{...}} -> {"html": <fallback path>, "targeted": <state after the
//                                          targeted-apply path, re-rendered whole>}
//   {"op":"forget","id":N}            -> {}
"use strict";
const path = require("node:path");
const readline = require("node:readline");

const clientDir = process.argv[2];
const { TreeRenderer } = require(path.join(clientDir, "dist/state/tree-renderer.js"));

const quietLogger = {
  debug() {}, info() {}, warn() {}, error() {},
  isDebugEnabled() { return false; },
  child() { return quietLogger; },
};

// Two renderers per connection: the browser applies top-level range ops either in place
// (targeted, when the DOM allows) or on a clone; both must end in the same state.
const renderers = new Map();

function renderersFor(id) {
  if (!renderers.has(id)) {
    renderers.set(id, { plain: new TreeRenderer(quietLogger), targeted: new TreeRenderer(quietLogger) });
  }
  return renderers.get(id);
}

const input = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
input.on("line", (line) => {
  const command = JSON.parse(line);
  if (command.op === "forget") {
    renderers.delete(command.id);
    process.stdout.write("{}\n");
    return;
  }
  const pair = renderersFor(command.id);
  const plain = pair.plain.applyUpdate(command.tree);
  pair.targeted.applyUpdate(command.tree, { canApplyTargeted: () => true });
  process.stdout.write(JSON.stringify({ html: plain.html, targeted: pair.targeted.renderState() }) + "\n");
});
