// A peer of `lvtlab serve` for `lvtlab load`: the plain relay a team would write with Node's
// `ws` instead of a live-template server. Same URL, same join and send messages, frames of
// similar size: a join is answered, a send is answered to its sender (with its message) and
// relayed to every other connection of its session group (the livetemplate-id cookie, or one
// group with --global). No diff, no state beyond the groups. Loopback only.
//
//   node benchmarks/peers/ws-hub.js [--port N] [--global]
//
// Prints "ws-hub serving on http://127.0.0.1:PORT/" once listening; stops on SIGTERM.
"use strict";
const http = require("node:http");
const { WebSocketServer } = require("ws");

const args = process.argv.slice(2);
const port = Number(args.includes("--port") ? args[args.indexOf("--port") + 1] : 0);
const global = args.includes("--global");
const frameBytesMax = 64 * 1024;
const bufferedBytesMax = 4 * 1024 * 1024;  // a reader this far behind is cut, as lvtlab does

const groups = new Map();  // group -> Set of sockets
const server = http.createServer((request, response) => {
  response.writeHead(404, { "content-type": "text/plain" });
  response.end("not found\n");
});
const hub = new WebSocketServer({ server, maxPayload: frameBytesMax });

function groupOf(request) {
  if (global) return "global";
  const found = /(?:^|;\s*)livetemplate-id=([^;]+)/.exec(request.headers.cookie || "");
  return found ? found[1] : "anonymous";
}

function answer(action, tree) {
  return JSON.stringify({ tree, meta: { action, errors: {}, success: true } });
}

hub.on("connection", (socket, request) => {
  const group = groupOf(request);
  if (!groups.has(group)) groups.set(group, new Set());
  const members = groups.get(group);
  members.add(socket);
  socket.send(JSON.stringify({ tree: { s: ["<main><ul>", "</ul></main>"], 0: { d: [], s: ["<li>", "</li>"] } } }));
  socket.on("message", (data, binary) => {
    if (binary) return socket.close(1003, "binary frames are not supported");
    let message;
    try {
      message = JSON.parse(data.toString("utf8"));
    } catch {
      return socket.send(JSON.stringify({ type: "error", code: "invalid_json" }));
    }
    const action = typeof message.action === "string" ? message.action : "";
    const text = message.data && typeof message.data.text === "string" ? message.data.text : "";
    if (action === "join") return socket.send(answer("join", {}));
    if (action !== "send") return socket.send(answer(action, {}));
    const update = { 0: { a: [[text]] } };
    socket.send(answer("send", update));
    const relayed = JSON.stringify({ tree: update });
    for (const peer of members) {
      if (peer === socket || peer.readyState !== peer.OPEN) continue;
      if (peer.bufferedAmount > bufferedBytesMax) peer.terminate();
      else peer.send(relayed);
    }
  });
  socket.on("close", () => {
    members.delete(socket);
    if (members.size === 0) groups.delete(group);
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`ws-hub serving on http://127.0.0.1:${server.address().port}/`);
});
process.on("SIGTERM", () => {
  for (const socket of hub.clients) socket.terminate();
  server.close(() => process.exit(0));
});
