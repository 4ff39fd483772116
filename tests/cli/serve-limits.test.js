// `lvtlab serve` out of descriptors (finding 4 of issue 14: the acceptor spun a core): under a
// low descriptor limit and more connections than it allows, the server pauses accepting with a
// log line, costs next to no CPU, and serves again once connections go. Also the flags that
// name the hosts it answers to.
const { test } = require('node:test');
const assert = require('node:assert');
const fs = require('node:fs');
const http = require('node:http');
const net = require('node:net');

const binary = process.env.LVTLAB_BINARY;
assert.ok(binary, 'LVTLAB_BINARY names the lvtlab to test');
const { startServer, stopServer } = require('./server_process');

// CPU seconds (user and system) the process has used so far.
function cpuSeconds(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;  // utime, stime in ticks of 1/100 s
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function get(port, path, host = `127.0.0.1:${port}`) {
  return new Promise((resolve, reject) => {
    const request = http.get({ port, path, host: '127.0.0.1', headers: { Host: host }, agent: false },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode));
      });
    request.on('error', reject);
    request.setTimeout(3_000, () => request.destroy(new Error('no answer in 3 s')));
  });
}

test('out of descriptors, serve pauses accepting instead of spinning, and recovers', async () => {
  const server = await startServer(binary, [], { descriptors: 48 });
  const sockets = [];
  try {
    // Idle connections hold a descriptor each until the idle timeout: more than the limit.
    for (let i = 0; i < 80; ++i) {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      sockets.push(socket);
    }
    for (const deadline = Date.now() + 15_000; ;) {
      if (/out of descriptors: not accepting for \d+ ms/.test(server.stderr())) break;
      assert.ok(Date.now() < deadline, `no pause logged within 15 s:\n${server.stderr()}`);
      await sleep(50);
    }
    // A spinning acceptor takes a whole core: some 2 s of CPU in these 2 s.
    const before = cpuSeconds(server.child.pid);
    await sleep(2_000);
    const used = cpuSeconds(server.child.pid) - before;
    assert.ok(used < 0.5, `the server used ${used} s of CPU in 2 s while out of descriptors`);
    for (const socket of sockets) socket.destroy();
    let status = 0;
    for (const deadline = Date.now() + 15_000; status !== 200 && Date.now() < deadline;) {
      status = await get(server.port, '/healthz').catch(() => 0);
      if (status !== 200) await sleep(100);
    }
    assert.equal(status, 200, 'serves again once descriptors are free');
    assert.match(server.stderr(), /accepting connections again/);
  } finally {
    for (const socket of sockets) socket.destroy();
    assert.equal(await stopServer(server.child), 0, 'SIGTERM exits 0');
  }
});

test('serve answers to its loopback names and --allowed-host, and 421 to any other', async () => {
  const server = await startServer(binary, ['--allowed-host', 'LVTLAB.example'], { descriptors: 1024 });
  try {
    assert.equal(await get(server.port, '/healthz'), 200);
    assert.equal(await get(server.port, '/healthz', `localhost:${server.port}`), 200);
    assert.equal(await get(server.port, '/healthz', 'lvtlab.example'), 200);
    assert.equal(await get(server.port, '/healthz', `evil.example:${server.port}`), 421);
  } finally {
    assert.equal(await stopServer(server.child), 0, 'SIGTERM exits 0');
  }
});

test('--allowed-host wants a host name or address without a port', () => {
  const { spawnSync } = require('node:child_process');
  for (const bad of ['evil.example:80', 'a b', '', 'http://x']) {
    const run = spawnSync(binary, ['serve', '--allowed-host', bad], { encoding: 'utf8', timeout: 10_000 });
    assert.equal(run.status, 2, `--allowed-host '${bad}': exit 2, got ${run.status}\n${run.stderr}`);
    assert.match(run.stderr, /--allowed-host: wants a host name or address without a port/);
  }
});
