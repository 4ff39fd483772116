// `lvtlab serve --log-level debug` says what the server does: each action (page, name,
// connection, group, the length of each field but never its text), each broadcast's fan-out and
// each dispatch. Driven over two raw WebSockets of one browser (node 20 has no WebSocket client;
// the protocol's few bytes are written here), so that a send has a peer to reach.
const { test } = require('node:test');
const assert = require('node:assert');
const crypto = require('node:crypto');
const http = require('node:http');
const net = require('node:net');

const binary = process.env.LVTLAB_BINARY;
assert.ok(binary, 'LVTLAB_BINARY names the lvtlab to test');
const { startServer, stopServer } = require('./server_process');
const pagePath = '/realtime/broadcasting';


// The page GET: the session cookie that makes one browser's group.
function getCookie(port) {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: pagePath }, (response) => {
        response.resume();
        const cookie = (response.headers['set-cookie'] || [])[0];
        if (!cookie) return reject(new Error('the page GET set no cookie'));
        resolve(cookie.split(';')[0]);
      })
      .on('error', reject);
  });
}

// A WebSocket client of the fewest bytes: text frames only, masked as a client must.
function openSocket(port, cookie) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    const frames = [];
    const waiting = [];
    socket.on('error', reject);
    socket.on('connect', () => {
      socket.write(
        `GET ${pagePath} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\n` +
          `Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n` +
          `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}\r\n` +
          `Cookie: ${cookie}\r\n\r\n`,
      );
    });
    const client = {
      send(message) {
        const payload = Buffer.from(JSON.stringify(message));
        assert.ok(payload.length < 126, 'short frames only');
        const mask = crypto.randomBytes(4);
        const masked = Buffer.from(payload.map((byte, i) => byte ^ mask[i % 4]));
        socket.write(Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]));
      },
      // The next text frame, parsed, within `timeoutMs`.
      next(timeoutMs = 15_000) {
        if (frames.length > 0) return Promise.resolve(frames.shift());
        return new Promise((resolveFrame, rejectFrame) => {
          const timer = setTimeout(() => rejectFrame(new Error(`no frame within ${timeoutMs} ms`)), timeoutMs);
          waiting.push((frame) => {
            clearTimeout(timer);
            resolveFrame(frame);
          });
        });
      },
      close() {
        socket.destroy();
      },
    };
    socket.on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buffer.subarray(0, end).toString();
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`no upgrade: ${head}`));
        upgraded = true;
        buffer = buffer.subarray(end + 4);
        resolve(client);
      }
      for (;;) {  // whole frames only; the server's are unmasked
        if (buffer.length < 2) return;
        let length = buffer[1] & 0x7f;
        let at = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          at = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = Number(buffer.readBigUInt64BE(2));
          at = 10;
        }
        if (buffer.length < at + length) return;
        const opcode = buffer[0] & 0x0f;
        const payload = buffer.subarray(at, at + length).toString();
        buffer = buffer.subarray(at + length);
        if (opcode !== 1) continue;
        const frame = JSON.parse(payload);
        if (waiting.length > 0) waiting.shift()(frame);
        else frames.push(frame);
      }
    });
  });
}

async function waitForLog(server, pattern, what) {
  const deadline = Date.now() + 15_000;
  while (!pattern.test(server.stderr())) {
    if (Date.now() > deadline) throw new Error(`no log line for ${what} in:\n${server.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('--log-level debug logs actions, fan-outs and dispatches without users\' text', async () => {
  const server = await startServer(binary, ['--log-level', 'debug']);
  const sockets = [];
  try {
    const cookie = await getCookie(server.port);
    const group = cookie.split('=')[1].slice(0, 8);
    const sender = await openSocket(server.port, cookie);
    sockets.push(sender);
    const peer = await openSocket(server.port, cookie);
    sockets.push(peer);
    await sender.next();  // each socket's full tree
    await peer.next();
    sender.send({ action: 'join', data: { username: 'Alice' } });
    assert.equal((await sender.next()).meta.success, true);
    const secret = 'a message nobody else should read in a log';
    sender.send({ action: 'send', data: { text: secret } });
    assert.equal((await sender.next()).meta.success, true);
    assert.equal((await peer.next()).meta.success, true);  // the broadcast's update

    const at = (text) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    await waitForLog(server, at(`action join from connection 1 on ${pagePath} (group ${group}) (username: 5 chars): ok`), 'the join');
    await waitForLog(server, at(`action send from connection 1 on ${pagePath} (group ${group}) (text: ${secret.length} chars): ok`), 'the send');
    await waitForLog(server, at(`broadcast newmessage from connection 1 on ${pagePath} (group ${group}): 1 queued, 0 dropped, 0 coalesced`), 'the fan-out');
    await waitForLog(server, at(`dispatch newmessage on connection 2 (group ${group}): ok`), 'the dispatch');
    await waitForLog(server, at(`connection 1 opened on ${pagePath} (group ${group})`), 'the connect');
    assert.doesNotMatch(server.stderr(), at(secret), 'a message\'s text stays out of the log');
    assert.doesNotMatch(server.stderr(), /Alice/, 'a name stays out of the log');
    assert.doesNotMatch(server.stderr(), at(cookie.split('=')[1]), 'the whole group id stays out');
  } finally {
    for (const socket of sockets) socket.close();
    assert.equal(await stopServer(server.child), 0, 'SIGTERM exits 0');
  }
});

test('info level says nothing of actions', async () => {
  const server = await startServer(binary, ['--log-level', 'info']);
  const sockets = [];
  try {
    const cookie = await getCookie(server.port);
    const tab = await openSocket(server.port, cookie);
    sockets.push(tab);
    await tab.next();
    tab.send({ action: 'join', data: { username: 'Bob' } });
    assert.equal((await tab.next()).meta.success, true);
  } finally {
    for (const socket of sockets) socket.close();
    assert.equal(await stopServer(server.child), 0, 'SIGTERM exits 0');
  }
  assert.doesNotMatch(server.stderr(), /action join|broadcast |dispatch /);
});
