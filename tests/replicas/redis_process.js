// A real redis-server for the replica tests: on loopback, on a free port, in its own directory,
// stopped by its PID; and a TCP proxy in front of it whose link a test can cut and restore.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Resolves once Redis accepts connections. `persist`: append-only file on (a restart keeps
// the data), else nothing is saved. `port`: reuse one (a restart), else a free one, tried again
// if another process took it between the probe and Redis's bind.
async function startRedis({ persist = false, port, dir } = {}) {
  if (port !== undefined) return startRedisOn({ persist, port, dir });
  for (let attempt = 1; ; ++attempt) {
    try {
      return await startRedisOn({ persist, port: await freePort(), dir });
    } catch (error) {
      if (attempt === 3 || !/Address already in use/.test(error.message)) throw error;
    }
  }
}

async function startRedisOn({ persist, port, dir }) {
  dir = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lvtlab-redis-'));
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', persist ? 'yes' : 'no', '--appendfsync', 'always'];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      process.kill(child.pid, 'SIGKILL');
      reject(new Error(`redis-server did not start within 10 s: ${output}`));
    }, 10_000);
    const look = (chunk) => {
      output += chunk;
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited ${code}: ${output}`));
    });
  });
  return { port, dir, child, url: `redis://127.0.0.1:${port}` };
}

function stopRedis(redis) {
  const { child } = redis;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const killer = setTimeout(() => process.kill(child.pid, 'SIGKILL'), 5_000);
    child.on('exit', () => {
      clearTimeout(killer);
      resolve();
    });
    process.kill(child.pid, 'SIGTERM');
  });
}

// A proxy on a free loopback port to `targetPort`. cut() closes every connection through it
// and refuses new ones until restore().
async function startProxy(targetPort) {
  const sockets = new Set();
  let open = true;
  const server = net.createServer((client) => {
    if (!open) return client.destroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    restore() {
      open = true;
    },
    close() {
      this.cut();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

module.exports = { startRedis, stopRedis, startProxy };
