// `lvtlab serve` as a child process for the CLI tests: started on an ephemeral loopback port
// (optionally under `ulimit -n`), bounded in time, stopped by its PID.
const { spawn } = require('node:child_process');

// Starts `program argv` (a server on an ephemeral loopback port, lvtlab's or a peer's) and
// resolves once it prints "serving on http://127.0.0.1:PORT/", with the port, the child and a
// getter of its stderr so far.
function startServing(program, argv, what = 'the server') {
  return new Promise((resolve, reject) => {
    const child = spawn(program, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      process.kill(child.pid, 'SIGKILL');
      reject(new Error(`${what} did not start within 10 s: ${stderr}`));
    }, 10_000);
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const found = stdout.match(/serving on http:\/\/127\.0\.0\.1:(\d+)\//);
      if (found) {
        clearTimeout(timer);
        resolve({ port: Number(found[1]), child, stderr: () => stderr });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited ${code}: ${stderr}`));
    });
  });
}

// `lvtlab serve` (optionally under `ulimit -n`).
function startServer(binary, args, { descriptors } = {}) {
  return descriptors
    ? startServing('bash', ['-c', `ulimit -n ${descriptors} && exec "$0" serve --listen 127.0.0.1:0 "$@"`,
      binary, ...args])
    : startServing(binary, ['serve', '--listen', '127.0.0.1:0', ...args]);
}

// SIGTERM by PID, SIGKILL after 15 s: resolves with the exit code (-1 when killed).
function stopServer(child) {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(-1);  // killed, by a test say
  return new Promise((resolve) => {
    const killer = setTimeout(() => {
      process.kill(child.pid, 'SIGKILL');
      resolve(-1);
    }, 15_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    });
    process.kill(child.pid, 'SIGTERM');
  });
}

module.exports = { startServing, startServer, stopServer };
