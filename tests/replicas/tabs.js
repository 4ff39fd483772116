// Tabs of the Broadcasting page over real WebSockets: each applies every frame with the
// official client's own tree renderer and reads its messages from the HTML that gives.
'use strict';
const path = require('node:path');
const WebSocket = require('ws');

const clientDir = path.join(__dirname, '../../node_modules/@livetemplate/client');
const { TreeRenderer } = require(path.join(clientDir, 'dist/state/tree-renderer.js'));

const quietLogger = {
  debug() {}, info() {}, warn() {}, error() {},
  isDebugEnabled() { return false; },
  child() { return quietLogger; },
};

// A cookie of a new session group, as a first page load hands it out.
async function newGroupCookie(port) {
  const response = await fetch(`http://127.0.0.1:${port}/realtime/broadcasting`);
  const cookie = response.headers.get('set-cookie');
  if (!cookie) throw new Error('no Set-Cookie on a first page load');
  await response.text();
  return cookie.split(';')[0];
}

// The messages an HTML body shows, as "id user: text".
function messagesIn(html) {
  const out = [];
  for (const found of html.matchAll(/<p data-key="(\d+)"><strong>(.*?):<\/strong> (.*?)<\/p>/g)) {
    out.push(`${found[1]} ${found[2]}: ${found[3]}`);
  }
  return out;
}

class Tab {
  constructor(name, port, cookie) {
    this.name = name;
    this.port = port;
    this.cookie = cookie;
    this.answers = [];  // metas of this tab's own actions
  }

  // Opens the socket; resolves on the first tree.
  open() {
    this.renderer = new TreeRenderer(quietLogger);
    this.html = '';
    this.closed = false;
    const url = `ws://127.0.0.1:${this.port}/realtime/broadcasting`;
    this.socket = new WebSocket(url, {
      headers: { Cookie: this.cookie, Origin: `http://127.0.0.1:${this.port}` },
    });
    return new Promise((resolve, reject) => {
      let first = true;
      this.socket.on('message', (data) => {
        const frame = JSON.parse(data.toString());
        if (frame.tree) this.html = this.renderer.applyUpdate(frame.tree).html;
        if (frame.meta && frame.meta.action) this.answers.push(frame.meta);
        if (first) {
          first = false;
          resolve();
        }
      });
      this.socket.on('error', (error) => first && reject(error));
      this.socket.on('close', () => {
        this.closed = true;
        if (first) reject(new Error(`${this.name}: closed before its first tree`));
      });
    });
  }

  act(action, data) {
    this.socket.send(JSON.stringify({ action, data }));
  }

  messages() {
    return messagesIn(this.html);
  }

  close() {
    if (this.socket) this.socket.terminate();
  }
}

// Waits until `test()` holds, polling; throws `describe()` after `ms`.
async function until(test, ms, describe) {
  const deadline = Date.now() + ms;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

module.exports = { Tab, newGroupCookie, messagesIn, until };
