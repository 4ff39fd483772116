// `lvtlab load` against a real `lvtlab serve` on loopback: a short smoke run whose black-box
// invariants must hold (each sender's messages in order, once, with no gap, never the sender's
// own broadcast, nothing lost under coalesce), and the refusals that keep it on this machine.
// Not a speed test: the figures are only checked for being there.
const { after, test } = require('node:test');
const assert = require('node:assert');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServing, stopServer } = require('./server_process.js');

const binary = process.env.LVTLAB_BINARY;
assert.ok(binary, 'LVTLAB_BINARY names the lvtlab to test');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lvtlab-load-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

// A server (lvtlab's or a peer's) on a free loopback port: its URL, PID and child.
async function startPeer(program, args) {
  const started = await startServing(program, args);
  return { url: `http://127.0.0.1:${started.port}`, pid: started.child.pid, child: started.child };
}

// `lvtlab serve` on a free loopback port.
function startServer(args) {
  return startPeer(binary, ['serve', '--listen', '127.0.0.1:0', '--log-level', 'warn', ...args]);
}

const stop = (server) => stopServer(server.child);

// `lvtlab load` with `loadArgs` against a fresh `lvtlab serve` with `serveArgs` (a high rate
// limit, coalesce): exit 0 asserted; its stdout and JSON results.
async function loadAgainstServe(serveArgs, loadArgs, name) {
  const server = await startServer(['--dispatch-policy', 'coalesce', '--actions-per-second', '1000',
                                    '--actions-burst', '1000', ...serveArgs]);
  try {
    const results = path.join(scratch, `${name}.json`);
    const run = spawnSync(binary, ['load', '--url', server.url + '/realtime/broadcasting',
      ...loadArgs, '--server-pid', String(server.pid), '--results', results],
    { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    return { stdout: run.stdout, json: JSON.parse(fs.readFileSync(results, 'utf8')) };
  } finally {
    await stop(server);
  }
}

test('a short load run holds every black-box invariant and writes its figures', async () => {
  const { stdout, json } = await loadAgainstServe([], ['--connections', '60', '--groups', '3',
    '--rates', '30,60', '--step-s', '1', '--drain-s', '10'], 'load');
  assert.match(stdout, /^held: in order, once, no gap, no own broadcast, nothing lost$/m);
  assert.equal(json.schema_version, 1);
  assert.equal(json.kind, 'load');
  assert.equal(json.verdict, 'held');
  assert.deepEqual(json.violations, {});
  assert.equal(json.connections, 60);
  assert.equal(json.lost, 0);
  // Every accepted message reached the 19 other connections of its group, once.
  assert.ok(json.sends.accepted > 0);
  assert.equal(json.deliveries, json.sends.accepted * 19);
  assert.ok(json.delivery_latency_ms.p99 > 0 && json.delivery_latency_ms.max >= json.delivery_latency_ms.p99);
  assert.ok(json.server.cpu_s >= 0 && json.server.rss_bytes > 0);
  assert.ok(json.per_second.length >= 2);
});

// With a write delay every check still holds, the broadcasts wait for the shard's tick, and the
// answer to a client's own action does not: with a 1 s delay, held answers would take 500 ms in
// the middle and held broadcasts as long.
test('with --write-delay-ms broadcasts are held, answers are not, and every check holds', async () => {
  const { json } = await loadAgainstServe(['--write-delay-ms', '1000'], ['--connections', '20',
    '--groups', '2', '--rates', '20', '--step-s', '3', '--drain-s', '10'], 'delayed');
  assert.equal(json.verdict, 'held');
  assert.equal(json.lost, 0);
  assert.ok(json.sends.accepted > 0);
  assert.equal(json.deliveries, json.sends.accepted * 9);
  assert.ok(json.answer_latency_ms.p50 < 250, `answers held: ${JSON.stringify(json.answer_latency_ms)}`);
  assert.ok(json.delivery_latency_ms.p50 > 250, `broadcasts not held: ${JSON.stringify(json.delivery_latency_ms)}`);
});

// Overload of one: a connection that joins and never reads is cut at its bound (once the kernel's
// buffers and its queued frames are full), and every other connection is served as before:
// every check holds, nothing is lost, no one else is disconnected. Either the queue is small
// (32 frames), or the queue has its default bounds and the socket's send buffer is capped: 1 MB
// in 5 s at 100 a second, which the kernel's own buffer on loopback (megabytes) would absorb.
for (const [bound, flags, rate] of [
  ['32 queued frames', ['--outbound-frames-max', '32'], '500'],
  ['a 16 KiB socket send buffer', ['--socket-send-buffer-bytes', '16384'], '100'],
]) {
  test(`a stalled reader under load is cut at its bound (${bound}) and the others lose nothing`, async () => {
    const { stdout, json } = await loadAgainstServe(flags, ['--connections', '20', '--groups', '1',
      '--stalled-readers', '1', '--message-bytes', '2000', '--rates', rate, '--step-s', '5',
      '--drain-s', '10'], 'stalled');
    assert.match(stdout, /^stalled readers: 1 of 1 cut by the server/m);
    assert.deepEqual(json.stalled_readers.count, 1);
    assert.equal(json.stalled_readers.cut, 1);
    assert.equal(json.disconnects, 0);
    assert.equal(json.lost, 0);
    // The 18 readers that are not the sender got every accepted message.
    assert.equal(json.deliveries, json.sends.accepted * 18);
  });
}

// A peer server (benchmarks/peers/), which `make bench-scale` measures beside lvtlab, takes the
// same short run as lvtlab and holds the same black-box checks: every accepted message reached
// the 19 other connections of its group, once and in order.
async function peerHoldsTheChecks(program, args, name, urlPath, protocol = 'plain') {
  const hub = await startPeer(program, args);
  try {
    const results = path.join(scratch, `${name}.json`);
    const run = spawnSync(binary, ['load', '--protocol', protocol, '--url', hub.url + urlPath,
      '--connections', '40', '--groups', '2', '--rates', '40', '--step-s', '1', '--drain-s', '10',
      '--results', results], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stdout + run.stderr);
    const json = JSON.parse(fs.readFileSync(results, 'utf8'));
    assert.equal(json.protocol, protocol);
    assert.ok(json.sends.accepted > 0);
    assert.equal(json.deliveries, json.sends.accepted * 19);
  } finally {
    await stop(hub);
  }
}
const peers = path.join(__dirname, '..', '..', 'benchmarks', 'peers');

test('the Node ws hub peer takes the same load and holds the same black-box checks', () =>
  peerHoldsTheChecks(process.execPath, [path.join(peers, 'ws-hub.js')], 'ws', '/realtime/broadcasting'));

// socket.io with rooms, WebSocket transport only: `--protocol socketio` speaks Engine.IO 4 (the
// handshake, the namespace, pings answered) with the same actions inside "message" events.
test('the socket.io peer takes the same load over socket.io and holds the same checks', () =>
  peerHoldsTheChecks(process.execPath, [path.join(peers, 'socketio-hub.js')], 'socketio', '/socket.io',
    'socketio'));

// Go with gorilla/websocket, built offline from Debian's packages.
test('the Go gorilla/websocket hub peer builds offline and holds the same checks', async () => {
  const hubBinary = path.join(scratch, 'go-hub');
  const built = spawnSync(path.join(peers, 'build-go-hub'), [hubBinary], { encoding: 'utf8', timeout: 240_000 });
  assert.equal(built.status, 0, built.stdout + built.stderr);
  await peerHoldsTheChecks(hubBinary, [], 'go', '/realtime/broadcasting');
});

test('load refuses any address but loopback, and says when nothing listens', () => {
  for (const [url, message] of [
    ['http://10.0.0.1:80/realtime/broadcasting', /10\.0\.0\.1 is not a loopback address/],
    ['http://example.com:80/', /wants a loopback address/],
    ['127.0.0.1:80', /wants http:\/\/HOST:PORT\/PATH/],
  ]) {
    const run = spawnSync(binary, ['load', '--url', url, '--results', path.join(scratch, 'x.json')], { encoding: 'utf8' });
    assert.equal(run.status, 2, url);
    assert.match(run.stderr, message, url);
  }
  // A port nothing listens on (the server above has stopped): exit 2, with the reason.
  const closed = spawnSync(binary, ['load', '--url', 'http://127.0.0.1:1/realtime/broadcasting', '--connections', '4',
    '--results', path.join(scratch, 'y.json')], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(closed.status, 2);
  assert.match(closed.stderr, /connect: Connection refused.*is `lvtlab serve` listening/);
});
