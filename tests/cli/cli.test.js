// The lvtlab command refuses nonsense: every bad value is a usage error (exit 2) with a plain
// message, environment problems (an unwritable path, an address in use) too, and a failing
// campaign says which seed failed first and where its shrunk scenario is.
const { after, test } = require('node:test');
const assert = require('node:assert');
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const binary = process.env.LVTLAB_BINARY;
assert.ok(binary, 'LVTLAB_BINARY names the lvtlab to test');
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lvtlab-cli-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

// Runs lvtlab to its end, at most `timeoutMs`.
function lvtlab(args, timeoutMs = 60_000) {
  const run = spawnSync(binary, args, { encoding: 'utf8', timeout: timeoutMs, cwd: scratch });
  assert.equal(run.error, undefined, `lvtlab ${args.join(' ')} ran`);
  return run;
}

function assertUsageError(args, message) {
  const run = lvtlab(args);
  assert.equal(run.status, 2, `lvtlab ${args.join(' ')}: exit 2, got ${run.status}\n${run.stderr}`);
  assert.match(run.stderr, message, `lvtlab ${args.join(' ')}`);
  assert.doesNotMatch(run.stdout, /safety held/);
  return run;
}

// Starts `lvtlab serve`, waits for its first line, stops it with SIGTERM: its exit code and output.
function serveBriefly(args, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, ['serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const killer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lvtlab serve ${args.join(' ')} did not stop in time:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('\n')) child.kill('SIGTERM');
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => {
      clearTimeout(killer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('--version and --help exit 0; they name the version and the exit codes', () => {
  const version = lvtlab(['--version']);
  assert.equal(version.status, 0);
  assert.match(version.stdout, /^lvtlab \d+\.\d+\.\d+/);
  for (const args of [['--help'], ['check', '--help'], ['serve', '--help'], ['replay', '--help']]) {
    const help = lvtlab(args);
    assert.equal(help.status, 0, args.join(' '));
    assert.match(help.stdout, /Exit status:[\s\S]*2 +a usage or environment error/, args.join(' '));
  }
});

test('parse errors exit 2, whatever kind CLI11 makes of them', () => {
  assertUsageError([], /subcommand is required/);
  assertUsageError(['frobnicate'], /subcommand is required/);
  assertUsageError(['check', '--no-such-flag'], /no-such-flag/);
  assertUsageError(['check', '--seeds'], /--seeds/);
  assertUsageError(['check', '--seed', '3', '--seeds', '4'], /excludes/);
});

test('check refuses every number out of its range, with what it wants', () => {
  assertUsageError(['check', '--seeds', '-1'], /--seeds: wants a whole number from 1 to .*'-1'/);
  assertUsageError(['check', '--seeds', '0'], /--seeds: wants a whole number from 1/);
  assertUsageError(['check', '--seeds', '1e3'], /--seeds/);
  assertUsageError(['check', '--seed', '-5'], /--seed: wants a whole number from 0/);
  assertUsageError(['check', '--first-seed', '-1'], /--first-seed/);
  assertUsageError(['check', '--workers', '0'], /--workers: wants a whole number from 1 to 256/);
  assertUsageError(['check', '--workers', '-1'], /--workers/);
  assertUsageError(['check', '--steps', '0'], /--steps/);
  assertUsageError(['check', '--steps', '-3'], /--steps/);
  assertUsageError(['check', '--time-budget', '-1'], /--time-budget: wants a number from 0 to 3600/);
  assertUsageError(['check', '--time-budget', 'nan'], /--time-budget/);
  assertUsageError(['check', '--plant', 'no-such-bug'], /no planted bug named 'no-such-bug'/);
  assertUsageError(['check', '--first-seed', '18446744073709551615', '--seeds', '2'],
                   /runs past the largest seed/);
});

test('serve refuses every number out of its range, with what it wants', () => {
  assertUsageError(['serve', '--heartbeat-ms', '500'], /--heartbeat-ms: wants 0 .* from 1000/);
  assertUsageError(['serve', '--threads', '0'], /--threads/);
  assertUsageError(['serve', '--dispatch-queue', '0'], /--dispatch-queue/);
  assertUsageError(['serve', '--dispatch-queue', '-1'], /--dispatch-queue/);
  assertUsageError(['serve', '--frame-bytes-max', '10'], /--frame-bytes-max: wants a whole number from 256/);
  assertUsageError(['serve', '--log-messages-max', '0'], /--log-messages-max/);
  assertUsageError(['serve', '--log-window', '-1'], /--log-window/);
  // A window whose first frame could not fit in a client's outbound queue.
  assertUsageError(['serve', '--log-window', '400', '--outbound-bytes-max', '1000000',
                    '--listen', '127.0.0.1:0'],
                   /--log-window 400 makes first frames of up to \d+ bytes, over --outbound-bytes-max 1000000/);
  assertUsageError(['serve', '--outbound-frames-max', '-1'], /--outbound-frames-max/);
  assertUsageError(['serve', '--socket-send-buffer-bytes', '100000000'], /--socket-send-buffer-bytes/);
  assertUsageError(['serve', '--write-delay-ms', '1001'], /--write-delay-ms/);
  assertUsageError(['serve', '--outbound-bytes-max', '1'], /--outbound-bytes-max/);
  assertUsageError(['serve', '--actions-per-second', '0'], /--actions-per-second: wants a number/);
  assertUsageError(['serve', '--actions-per-second', 'nan'], /--actions-per-second/);
  assertUsageError(['serve', '--actions-burst', '0.5'], /--actions-burst/);
  assertUsageError(['serve', '--listen', 'nowhere'], /--listen: wants HOST:PORT/);
  assertUsageError(['serve', '--redis', 'http://127.0.0.1:6379'], /--redis: wants redis:\/\/HOST:PORT\[\/DB\] \(no redis:\/\/ scheme\)/);
  assertUsageError(['serve', '--redis', 'redis://127.0.0.1:6379/16'], /--redis: .*DB from 0 to 15/);
  assertUsageError(['serve', '--heal', 'maybe'], /--heal/);
  assertUsageError(['serve', '--listen', '127.0.0.1:0', '--redis', 'redis://localhost:6379'],
    /--redis: the host must be an IP address, got 'localhost'/);
  // Port 1 on loopback: nothing listens there.
  assertUsageError(['serve', '--listen', '127.0.0.1:0', '--redis', 'redis://127.0.0.1:1'],
    /Redis at 127\.0\.0\.1:1 cannot be reached: Connection refused/);
  assertUsageError(['serve', '--listen', '127.0.0.1:70000'], /--listen: wants HOST:PORT/);
  assertUsageError(['serve', '--listen', '127.0.0.1:-1'], /--listen/);
  assertUsageError(['serve', '--listen', 'no-such-host.invalid:0'], /cannot resolve 'no-such-host.invalid'/);
});

test('serve --listen localhost:0 listens on loopback and stops cleanly on SIGTERM', async () => {
  const run = await serveBriefly(['--listen', 'localhost:0', '--heartbeat-ms', '1000']);
  assert.match(run.stdout, /serving on http:\/\/127\.0\.0\.1:\d+\//);
  assert.equal(run.code, 0, run.stderr);
});

test('serve on a port in use says so plainly and exits 2', async () => {
  const holder = net.createServer();
  await new Promise((resolve) => holder.listen(0, '127.0.0.1', resolve));
  try {
    const port = holder.address().port;
    const run = await serveBriefly(['--listen', `127.0.0.1:${port}`]);
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, new RegExp(`lvtlab serve: 127\\.0\\.0\\.1:${port} is already in use`));
    assert.doesNotMatch(run.stderr, /\.hpp|boost/i);
  } finally {
    holder.close();
  }
});

test('check with an unwritable results path or failures directory exits 2 before running', () => {
  const results = path.join(scratch, 'results.json');
  assertUsageError(['check', '--seeds', '2', '--results', '/dev/null/x.json'],
                   /cannot write --results \/dev\/null\/x\.json: \/dev\/null is not a directory/);
  assertUsageError(['check', '--seeds', '2', '--results', results, '--failures-dir', '/dev/null/x'],
                   /cannot write --failures-dir \/dev\/null\/x/);
  assertUsageError(['check', '--seeds', '2', '--results', scratch], /is a directory/);
  assertUsageError(['replay', '/dev/null/x.json'], /x\.json/);
  const notJson = path.join(scratch, 'not-a-scenario.json');
  fs.writeFileSync(notJson, '{"steps": 3');
  assertUsageError(['replay', notJson], /is not a scenario/);
});

test('a holding run exits 0 and records no failing seed', () => {
  const results = path.join(scratch, 'held.json');
  const run = lvtlab(['check', '--seeds', '3', '--workers', '2', '--results', results,
                      '--failures-dir', path.join(scratch, 'held-failures')]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /safety held/);
  const json = JSON.parse(fs.readFileSync(results, 'utf8'));
  assert.equal(json.failed_seeds, 0);
  assert.deepEqual(json.failing_seeds, []);
  assert.strictEqual(json.invariants['log-prefix'].first_failing_seed, null);
});

test('a failing run names its first seed, the shrunk file, and counts each seed once', () => {
  const results = path.join(scratch, 'planted.json');
  const failures = path.join(scratch, 'planted-failures');
  const run = lvtlab(['check', '--seeds', '40', '--workers', '2', '--plant', 'cross-group-leak',
                      '--time-budget', '5', '--results', results, '--failures-dir', failures]);
  assert.equal(run.status, 1, run.stderr);
  const first = run.stdout.match(/FAILED: (\d+) of 40 seeds; the first is seed (\d+) \(([a-z-]+)\)/);
  assert.ok(first, run.stdout);
  const [, failedCount, seed, invariant] = first;
  const file = path.join(failures, `seed-${seed}.json`);
  assert.ok(run.stdout.includes(`lvtlab replay ${file}`), run.stdout);
  assert.ok(run.stdout.includes(`lvtlab check --seed ${seed} --plant cross-group-leak`), run.stdout);
  assert.doesNotMatch(run.stdout, /--seed S\b/);

  const json = JSON.parse(fs.readFileSync(results, 'utf8'));
  assert.equal(json.failed_seeds, Number(failedCount));
  const counted = Object.values(json.invariants).reduce((sum, t) => sum + t.failed_seeds, 0);
  assert.equal(counted, json.failed_seeds, 'each failing seed is counted under one invariant');
  assert.equal(json.failing_seeds.length, json.failed_seeds);
  assert.deepEqual(json.failing_seeds[0],
                   { seed: Number(seed), invariant, detail: json.failing_seeds[0].detail,
                     configuration: json.failing_seeds[0].configuration, failure_file: file });
  assert.match(json.failing_seeds[0].configuration,
               /^((cookie groups|one global group), (drop|coalesce)|replicas, heal (on|off), broker (persistent|in memory))$/);
  // The shrunk failure, with its timeline, for the report.
  assert.equal(json.failures[0].seed, Number(seed));
  assert.equal(json.failures[0].replay_command, `lvtlab replay ${file}`);
  assert.ok(json.failures[0].timeline.events.some((e) => e.index === json.failures[0].event));
  assert.equal(json.invariants[invariant].first_failing_seed, Number(seed));

  const scenario = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(scenario.failure.invariant, invariant);
  assert.equal(typeof scenario.failure.event, 'number');
  assert.ok(Array.isArray(scenario.consequences));
  assert.equal(scenario.plant, 'cross-group-leak');

  // replay prints the numbered steps, then the first failure, then its consequences.
  const replay = lvtlab(['replay', file]);
  assert.equal(replay.status, 1, replay.stderr);
  const stepLines = replay.stdout.match(/^ +\d+ +at +\d+\.\d{6} s +[a-z_]+ .* then \d+\.\d{3} ms$/gm);
  assert.equal(stepLines.length, scenario.steps.length, replay.stdout);
  assert.match(stepLines[0], /^ +1 +at +0\.000000 s/);
  assert.match(replay.stdout, new RegExp(`^FAILED ${invariant} after event \\d+`, 'm'));
  if (scenario.consequences.length > 0) {
    assert.match(replay.stdout, /^then, as consequences:\n  [a-z-]+ after event/m);
  }
});

test('a failure whose held text is not UTF-8 is still written and replayed, with exit 1', () => {
  // The engine's overlong UTF-8 (a planted bug) ends up in what the tab held.
  const failures = path.join(scratch, 'overlong-failures');
  const run = lvtlab(['check', '--seeds', '40', '--workers', '2', '--plant', 'utf8-overlong-ascii',
                      '--time-budget', '5', '--results', path.join(scratch, 'overlong.json'),
                      '--failures-dir', failures]);
  assert.equal(run.status, 1, run.stderr);
  const seed = run.stdout.match(/the first is seed (\d+)/)[1];
  const scenario = JSON.parse(fs.readFileSync(path.join(failures, `seed-${seed}.json`), 'utf8'));
  assert.equal(scenario.plant, 'utf8-overlong-ascii');
  assert.equal(lvtlab(['replay', path.join(failures, `seed-${seed}.json`)]).status, 1);
});

test('replay runs a scenario written by hand (no recorded failure) and exits 0 when it holds', () => {
  const file = path.join(__dirname, '..', '..', 'sim', 'scenarios', 'busy-over-http.json');
  const run = lvtlab(['replay', file]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /every invariant held/);
});

test('report writes a page and its summary from results files, and refuses what it cannot read', () => {
  const results = path.join(scratch, 'report-check.json');
  assert.equal(lvtlab(['check', '--seeds', '3', '--workers', '2', '--results', results,
                       '--failures-dir', path.join(scratch, 'report-failures')]).status, 0);
  const written = JSON.parse(fs.readFileSync(results, 'utf8'));
  assert.equal(written.schema_version, 1);
  assert.equal(written.kind, 'check');
  assert.equal(written.verdict, 'held');
  assert.match(written.command_line, /check --seeds 3/);
  assert.ok(written.machine.cores >= 1 && written.tool.name === 'lvtlab');
  assert.deepEqual(written.never_hit.filter((name) => !(name in written.coverage)), []);

  const page = path.join(scratch, 'report', 'index.html');
  const run = lvtlab(['report', results, '--out', page]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, new RegExp(`^report: ${page.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  assert.match(fs.readFileSync(page, 'utf8'), /Safety held: 13 invariants on 3 seeds/);
  assert.match(fs.readFileSync(path.join(scratch, 'report', 'index.md'), 'utf8'), /^# lvtlab report\n\nSafety held/);

  const notResults = path.join(scratch, 'not-results.json');
  fs.writeFileSync(notResults, '{"seeds": 3}');
  assertUsageError(['report', notResults], /not-results\.json: no schema_version/);
  assertUsageError(['report', path.join(scratch, 'missing.json')], /missing\.json/);
  assertUsageError(['report', '--baseline', results, results, results], /one file after it \(2 given\)/);
});
