#!/usr/bin/env node
// lvtlab against the servers users would pick instead, in one run, over real sockets on loopback:
// `lvtlab serve`, a Node `ws` hub, a socket.io server with rooms and a Go gorilla/websocket hub
// (benchmarks/peers/), each started fresh for each repetition, in an order that turns round from
// one repetition to the next, and loaded by the same `lvtlab load` (which also checks every
// receiver's messages: in order, once, no gap, none lost). Per server: idle memory per connection
// and upgrades/s (--idle-connections held), then one group of --connections with one sender at
// climbing rates until a rate is not sustained (a loss, a failed check, or under 90% of the
// deliveries offered): the highest deliveries/s sustained, and at --compare-rate the delivery
// p99 and the server's and the load generator's CPU per delivery. Prints medians with min to max
// and ratios against lvtlab; writes everything as JSON. --write-delays 20,100 adds lvtlab served
// with each --write-delay-ms, measured as one more server (latency traded for fewer writes).
//   node scripts/bench-scale.js [--reps 3] [--servers lvtlab,ws,socketio,go] [--connections 1000]
//        [--rates 25,50,100,200,300,400,600,800] [--compare-rate 100] [--step-s 3]
//        [--idle-connections 5000] [--write-delays ''] [--out build/bench-scale.json]
'use strict';
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseOptions } = require('./options.js');
const { startServing, stopServer } = require('../tests/cli/server_process.js');

const root = path.join(__dirname, '..');
const options = parseOptions(__filename, {
  reps: 3, servers: 'lvtlab,ws,socketio,go', connections: 1000,
  rates: '25,50,100,200,300,400,600,800', 'compare-rate': 100, 'step-s': 3,
  'idle-connections': 5000, out: 'build/bench-scale.json', binary: 'build/default/cli/lvtlab',
  'write-delays': '',
}, 14);
const rates = String(options.rates).split(',').map(Number);
const compareRate = Number(options['compare-rate']);
if (!rates.includes(compareRate)) {
  console.error(`bench-scale: --compare-rate ${compareRate} is not one of --rates ${options.rates}`);
  process.exit(2);
}

// How each server is started, and where lvtlab load finds it.
const goHub = path.join(root, 'build/peers/go-hub');
const lvtlabServe = ['serve', '--listen', '127.0.0.1:0', '--log-level', 'warn',
  '--dispatch-policy', 'coalesce', '--actions-per-second', '100000', '--actions-burst', '100000'];
const servers = {
  lvtlab: {
    label: 'lvtlab serve',
    start: () => startServing(options.binary, lvtlabServe),
    path: '/realtime/broadcasting', protocol: 'plain',
  },
  ws: {
    label: 'Node ws hub',
    start: () => startServing(process.execPath, [path.join(root, 'benchmarks/peers/ws-hub.js')]),
    path: '/realtime/broadcasting', protocol: 'plain',
  },
  socketio: {
    label: 'socket.io rooms',
    start: () => startServing(process.execPath, [path.join(root, 'benchmarks/peers/socketio-hub.js')]),
    path: '/socket.io', protocol: 'socketio',
  },
  go: {
    label: 'Go gorilla hub',
    start: () => startServing(goHub, []),
    path: '/realtime/broadcasting', protocol: 'plain',
  },
};
const chosen = String(options.servers).split(',');
for (const delay of String(options['write-delays']).split(',').filter((d) => d !== '')) {
  if (!/^[0-9]+$/.test(delay) || Number(delay) < 1 || Number(delay) > 1000) {
    console.error(`bench-scale: --write-delays takes milliseconds from 1 to 1000, not '${delay}'`);
    process.exit(2);
  }
  servers[`lvtlab-delay-${delay}`] = {
    label: `lvtlab ${delay} ms delay`,
    start: () => startServing(options.binary, [...lvtlabServe, '--write-delay-ms', delay]),
    path: '/realtime/broadcasting', protocol: 'plain',
  };
  chosen.push(`lvtlab-delay-${delay}`);
}
const isLvtlab = (name) => name === 'lvtlab' || name.startsWith('lvtlab-delay-');
for (const name of chosen) {
  if (!(name in servers)) {
    console.error(`bench-scale: unknown server '${name}' (lvtlab, ws, socketio, go)`);
    process.exit(2);
  }
}

function load(server, port, pid, args, results) {
  const argv = ['load', '--url', `http://127.0.0.1:${port}${server.path}`, '--protocol', server.protocol,
    '--server-pid', String(pid), '--results', results, ...args];
  const run = spawnSync(options.binary, argv, { encoding: 'utf8', timeout: 600_000 });
  if (run.status === 2) throw new Error(`lvtlab load could not run: ${run.stderr.trim()}`);
  return JSON.parse(fs.readFileSync(results, 'utf8'));
}

// The server's write system calls while `during()` runs, counted by `perf stat` on its
// tracepoints (Debian's linux-perf); null where perf is missing or not allowed.
const writeCalls = ['write', 'writev', 'sendmsg', 'sendto'].map((call) => `syscalls:sys_enter_${call}`);
async function countWrites(pid, file, during) {
  // A missing perf is reported by the child's 'error' event, not thrown.
  const perf = spawn('perf', ['stat', '-x', ',', '-o', file, '-e', writeCalls.join(','), '-p', String(pid)],
    { stdio: 'ignore' });
  const exited = new Promise((resolve) => { perf.on('exit', resolve); perf.on('error', () => resolve(null)); });
  await new Promise((resolve) => setTimeout(resolve, 300));  // attached
  const result = during();
  perf.kill('SIGINT');
  await exited;
  let writes = null;
  if (fs.existsSync(file)) {
    const counts = fs.readFileSync(file, 'utf8').split('\n')
      .map((line) => line.split(',')).filter((cells) => writeCalls.includes(cells[2]))
      .map((cells) => Number(cells[0]));
    if (counts.length === writeCalls.length && counts.every(Number.isFinite)) writes = counts.reduce((a, b) => a + b, 0);
  }
  return { result, writes };
}

// One repetition of one server: fresh process, idle connections, then climbing rates.
async function measure(name, dir, rep) {
  const server = servers[name];
  const started = await server.start();
  const pid = started.child.pid;
  try {
    const idle = load(server, started.port, pid, ['--connections', String(options['idle-connections']),
      '--groups', '1', '--rates', '0.1', '--step-s', '1', '--drain-s', '1'],
    path.join(dir, `${name}-${rep}-idle.json`));
    const steps = [];
    const rateRun = (rate, label) => () => load(server, started.port, pid, ['--connections',
      String(options.connections), '--groups', '1', '--senders-per-group', '1', '--rates', String(rate),
      '--step-s', String(options['step-s']), '--drain-s', '2'], path.join(dir, `${name}-${rep}-${label}.json`));
    for (const rate of rates) {
      const r = rateRun(rate, String(rate))();
      const step = {
        rate, verdict: r.verdict, lost: r.lost, disconnects: r.disconnects,
        deliveries_offered_per_s: r.deliveries_offered_per_s, deliveries_per_s: r.deliveries_per_s,
        delivery_p50_ms: r.delivery_latency_ms.p50, delivery_p99_ms: r.delivery_latency_ms.p99,
        server_cpu_us_per_delivery: r.server?.cpu_us_per_delivery ?? null,
        load_cpu_us_per_delivery: r.load_generator.cpu_us_per_delivery,
        server_switches_per_delivery: r.deliveries > 0 && r.server
          ? (r.server.voluntary_switches + r.server.involuntary_switches) / r.deliveries : null,
      };
      step.sustained = r.verdict === 'held' && r.lost === 0 &&
        r.deliveries_per_s >= 0.9 * r.deliveries_offered_per_s;
      steps.push(step);
      process.stderr.write(`${server.label}, repetition ${rep + 1}, ${rate} msg/s: ` +
        `${r.deliveries_per_s.toFixed(0)} deliveries/s, p99 ${step.delivery_p99_ms.toFixed(2)} ms, ` +
        `${step.sustained ? 'sustained' : `not sustained (${r.verdict}, ${r.lost} lost)`}\n`);
      if (!step.sustained && rate >= compareRate) break;
    }
    // The write calls at the compared rate, in a run of their own: counting costs the server a
    // little CPU, which the figures above must not carry. Answers are writes too: counted
    // against deliveries only.
    const counted = await countWrites(pid, path.join(dir, `${name}-${rep}-perf.txt`),
      rateRun(compareRate, 'perf'));
    const sustained = steps.filter((step) => step.sustained);
    const at = steps.find((step) => step.rate === compareRate);
    return {
      rss_kb_per_idle_connection: idle.server.rss_bytes_per_connection / 1024,
      upgrades_per_s: idle.upgrades_per_s,
      deliveries_per_s_sustained_max: sustained.length ? Math.max(...sustained.map((s) => s.deliveries_per_s)) : 0,
      delivery_p99_ms_at_compare: at ? at.delivery_p99_ms : null,
      server_cpu_us_per_delivery_at_compare: at ? at.server_cpu_us_per_delivery : null,
      load_cpu_us_per_delivery_at_compare: at ? at.load_cpu_us_per_delivery : null,
      server_writes_per_delivery_at_compare: counted.writes !== null && counted.result.deliveries > 0
        ? counted.writes / counted.result.deliveries : null,
      compare_rate_sustained: at ? at.sustained : false,
      steps,
    };
  } finally {
    await stopServer(started.child);
  }
}

function spread(values) {
  const known = values.filter((v) => v !== null && Number.isFinite(v));
  if (known.length === 0) return null;
  const sorted = [...known].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
}

const figures = [
  ['rss_kb_per_idle_connection', 'idle KB/conn', 1],
  ['upgrades_per_s', 'upgrades/s', 0],
  ['deliveries_per_s_sustained_max', 'max deliveries/s', 0],
  ['delivery_p99_ms_at_compare', `p99 ms @${compareRate}/s`, 2],
  ['server_cpu_us_per_delivery_at_compare', `server µs/deliv @${compareRate}/s`, 2],
  ['load_cpu_us_per_delivery_at_compare', `load µs/deliv @${compareRate}/s`, 2],
  ['server_writes_per_delivery_at_compare', `writes/deliv @${compareRate}/s`, 3],
];

async function main() {
  if (chosen.includes('go') && !fs.existsSync(goHub)) {
    execFileSync(path.join(root, 'benchmarks/peers/build-go-hub'), [goHub], { stdio: 'inherit' });
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvtlab-bench-scale-'));
  const runs = Object.fromEntries(chosen.map((name) => [name, []]));
  for (let rep = 0; rep < Number(options.reps); ++rep) {
    const order = chosen.map((_, i) => chosen[(i + rep) % chosen.length]);
    for (const name of order) runs[name].push(await measure(name, dir, rep));
  }
  const summary = {};
  for (const name of chosen) {
    summary[name] = { label: servers[name].label };
    for (const [key] of figures) summary[name][key] = spread(runs[name].map((run) => run[key]));
  }
  const out = {
    kind: 'scale-bench', schema_version: 1, started_at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, kernel: os.release() },
    workload: { ...options, binary: undefined }, summary, runs,
  };
  fs.mkdirSync(path.dirname(options.out), { recursive: true });
  fs.writeFileSync(options.out, JSON.stringify(out, null, 2) + '\n');

  const width = 26;
  const labelWidth = 22;
  console.log('server'.padEnd(labelWidth) + figures.map(([, title]) => title.padEnd(width)).join(''));
  for (const name of chosen) {
    const cells = figures.map(([key, , digits]) => {
      const v = summary[name][key];
      return (v ? `${v.median.toFixed(digits)} (${v.min.toFixed(digits)}-${v.max.toFixed(digits)})` : 'n/a')
        .padEnd(width);
    });
    console.log(servers[name].label.padEnd(labelWidth) + cells.join(''));
  }
  for (const own of chosen.filter(isLvtlab)) {
    const peers = chosen.filter((n) => !isLvtlab(n));
    if (peers.length === 0) continue;
    console.log(`\n${servers[own].label} against each peer (medians; above 1 is better for lvtlab):`);
    const mine = summary[own];
    for (const name of peers) {
      const theirs = summary[name];
      const ratio = (key, higherIsBetter) => {
        if (!mine[key] || !theirs[key] || mine[key].median === 0 || theirs[key].median === 0) return 'n/a';
        const r = higherIsBetter ? mine[key].median / theirs[key].median : theirs[key].median / mine[key].median;
        return `${r.toFixed(2)}x`;
      };
      console.log(`  vs ${servers[name].label}: max deliveries/s ${ratio('deliveries_per_s_sustained_max', true)}, ` +
        `server CPU per delivery ${ratio('server_cpu_us_per_delivery_at_compare', false)}, ` +
        `p99 ${ratio('delivery_p99_ms_at_compare', false)}, idle memory ${ratio('rss_kb_per_idle_connection', false)}, ` +
        `upgrades/s ${ratio('upgrades_per_s', true)}, ` +
        `writes per delivery ${ratio('server_writes_per_delivery_at_compare', false)}`);
    }
  }
  console.log(`results: ${options.out}`);
}

main().catch((error) => {
  console.error(`bench-scale: ${error.message}`);
  process.exit(1);
});
