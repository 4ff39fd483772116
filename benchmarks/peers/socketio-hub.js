// A peer of `lvtlab serve` for `lvtlab load --protocol socketio`: what many teams would pick for
// this job, a socket.io server with a room per session group (the livetemplate-id cookie, or one
// room with --global), WebSocket transport only. Each action is the same JSON as lvtlab's, the one
// argument of a "message" event: a join is answered, a send is answered to its sender (with its
// message) and relayed with `socket.to(room).emit` to every other member of the room. No diff, no
// state beyond the rooms. Loopback only.
//
//   node benchmarks/peers/socketio-hub.js [--port N] [--global]
//
// Prints "socketio-hub serving on http://127.0.0.1:PORT/socket.io" once listening; stops on
// SIGTERM.
"use strict";
const http = require("node:http");
const { Server } = require("socket.io");

const args = process.argv.slice(2);
const port = Number(args.includes("--port") ? args[args.indexOf("--port") + 1] : 0);
const global = args.includes("--global");
const frameBytesMax = 64 * 1024;

const server = http.createServer((request, response) => {
  response.writeHead(404, { "content-type": "text/plain" });
  response.end("not found\n");
});
const hub = new Server(server, {
  path: "/socket.io",
  transports: ["websocket"],
  serveClient: false,
  maxHttpBufferSize: frameBytesMax,
  perMessageDeflate: false,
});

function roomOf(socket) {
  if (global) return "global";
  const found = /(?:^|;\s*)livetemplate-id=([^;]+)/.exec(socket.handshake.headers.cookie || "");
  return found ? found[1] : "anonymous";
}

function answer(action, tree) {
  return { tree, meta: { action, errors: {}, success: true } };
}

hub.on("connection", (socket) => {
  const room = roomOf(socket);
  socket.join(room);
  socket.emit("message", { tree: { s: ["<main><ul>", "</ul></main>"], 0: { d: [], s: ["<li>", "</li>"] } } });
  socket.on("message", (message) => {
    if (message === null || typeof message !== "object") {
      return socket.emit("message", { type: "error", code: "invalid_json" });
    }
    const action = typeof message.action === "string" ? message.action : "";
    const text = message.data && typeof message.data.text === "string" ? message.data.text : "";
    if (action === "join") return socket.emit("message", answer("join", {}));
    if (action !== "send") return socket.emit("message", answer(action, {}));
    const update = { 0: { a: [[text]] } };
    socket.emit("message", answer("send", update));
    socket.to(room).emit("message", { tree: update });
  });
});

server.listen(port, "127.0.0.1", () => {
  console.log(`socketio-hub serving on http://127.0.0.1:${server.address().port}/socket.io`);
});
process.on("SIGTERM", () => {
  hub.close(() => process.exit(0));
});
