// `lvtlab serve` as a child process for the CLI tests: started on an ephemeral loopback port
// (optionally under `ulimit -n`), bounded in time, stopped by its PID.
const { spawn } = require('node:child_process');

// Resolves with its port, the child and a getter of its stderr so far.
function startServer(binary, args, { descriptors } = {}) {
  return new Promise((resolve, reject) => {
    const child = descriptors
      ? spawn(
          'bash',
          ['-c', `ulimit -n ${descriptors} && exec "$0" serve --listen 127.0.0.1:0 "$@"`, binary, ...args],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        )
      : spawn(binary, ['serve', '--listen', '127.0.0.1:0', ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      process.kill(child.pid, 'SIGKILL');
      reject(new Error(`the server did not start within 10 s: ${stderr}`));
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
      reject(new Error(`the server exited ${code}: ${stderr}`));
    });
  });
}

// SIGTERM by PID, SIGKILL after 5 s: resolves with the exit code (-1 when killed).
function stopServer(child) {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  if (child.signalCode !== null) return Promise.resolve(-1);  // killed, by a test say
  return new Promise((resolve) => {
    const killer = setTimeout(() => {
      process.kill(child.pid, 'SIGKILL');
      resolve(-1);
    }, 5_000);
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve(code);
    });
    process.kill(child.pid, 'SIGTERM');
  });
}

module.exports = { startServer, stopServer };
