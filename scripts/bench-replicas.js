#!/usr/bin/env node
// Cross-replica delivery against in-process delivery, in one run: one `lvtlab serve` and two
// `lvtlab serve --redis` replicas of one redis-server (all on loopback, stopped by PID), loaded
// in turn by the same `lvtlab load` workload, repetitions alternating which goes first. Prints
// medians with their spread (min to max); then how many publishes a second one replica sustains
// (one sender per group, offered rates climbing), and writes it all as JSON.
//   node scripts/bench-replicas.js [--reps 3] [--connections 200] [--groups 20]
//        [--senders-per-group 2] [--rates 200,400] [--step-s 4] [--out build/bench-replicas.json]
//        [--saturation-rates 1000,2000,4000,8000]
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { parseOptions } = require('./options.js');
const { startServer, stopServer } = require('../tests/cli/server_process.js');
const { startRedis, stopRedis } = require('../tests/replicas/redis_process.js');

const options = parseOptions(__filename, {
  reps: 3, connections: 200, groups: 20, 'senders-per-group': 2, rates: '200,400', 'step-s': 4,
  out: 'build/bench-replicas.json', binary: 'build/default/cli/lvtlab',
  'saturation-rates': '1000,2000,4000,8000',
}, 8);

const serveFlags = ['--actions-per-second', '10000', '--actions-burst', '10000',
  '--dispatch-policy', 'coalesce', '--log-level', 'warn'];

async function metric(port, name) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const found = text.match(new RegExp(`^${name} (\\d+)$`, 'm'));
  return found ? Number(found[1]) : 0;
}

function load(ports, results, shape = options) {
  const args = ['load', '--connections', String(shape.connections), '--groups',
    String(shape.groups), '--senders-per-group', String(shape['senders-per-group']),
    '--rates', String(shape.rates), '--step-s', String(options['step-s']), '--drain-s', '10',
    '--results', results];
  for (const port of ports) args.push('--url', `http://127.0.0.1:${port}/realtime/broadcasting`);
  execFileSync(options.binary, args, { stdio: 'ignore', timeout: 600_000 });
  return JSON.parse(fs.readFileSync(results, 'utf8'));
}

function spread(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return { median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted[sorted.length - 1] };
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lvtlab-bench-replicas-'));
  const redis = await startRedis();
  const servers = [];
  try {
    const single = await startServer(options.binary, serveFlags);
    servers.push(single);
    const replicas = [];
    for (let r = 0; r < 2; ++r) {
      replicas.push(await startServer(options.binary,
        [...serveFlags, '--redis', redis.url, '--instance-id', `bench-${r}`]));
    }
    servers.push(...replicas);
    const setups = {
      'one process': { ports: [single.port], runs: [] },
      'two replicas': { ports: replicas.map((s) => s.port), runs: [] },
    };
    for (let rep = 0; rep < Number(options.reps); ++rep) {
      const order = rep % 2 === 0 ? Object.keys(setups) : Object.keys(setups).reverse();
      for (const name of order) {
        const setup = setups[name];
        const commandsBefore = await Promise.all(setup.ports.map((p) => metric(p, 'lvt_store_commands_total')));
        const results = load(setup.ports, path.join(dir, `${name.replace(' ', '-')}-${rep}.json`));
        const commandsAfter = await Promise.all(setup.ports.map((p) => metric(p, 'lvt_store_commands_total')));
        const commands = commandsAfter.reduce((a, b) => a + b, 0) - commandsBefore.reduce((a, b) => a + b, 0);
        setup.runs.push({
          verdict: results.verdict,
          delivery_p50_ms: results.delivery_latency_ms.p50,
          delivery_p99_ms: results.delivery_latency_ms.p99,
          answer_p99_ms: results.answer_latency_ms.p99,
          deliveries_per_s: results.deliveries_per_s,
          sends: results.sends.accepted,
          store_commands_per_send: results.sends.accepted > 0 ? commands / results.sends.accepted : 0,
        });
        process.stderr.write(`${name}, repetition ${rep + 1}: ${results.verdict}, delivery p99 ` +
          `${results.delivery_latency_ms.p99.toFixed(2)} ms\n`);
      }
    }
    // Publishes a second one replica sustains: 100 groups of two tabs, one sending, at climbing
    // offered rates; what the replica published over the time it was sent to.
    const saturation = [];
    for (const rate of String(options['saturation-rates']).split(',').map(Number)) {
      const port = replicas[0].port;
      const before = await metric(port, 'lvt_bus_published_total');
      const results = load([port], path.join(dir, `saturation-${rate}.json`),
        { connections: 200, groups: 100, 'senders-per-group': 1, rates: String(rate) });
      const published = await metric(port, 'lvt_bus_published_total') - before;
      saturation.push({
        offered_per_s: rate, verdict: results.verdict,
        published_per_s: published / results.sending_s,
        delivery_p99_ms: results.delivery_latency_ms.p99, answer_p99_ms: results.answer_latency_ms.p99,
      });
      process.stderr.write(`one replica offered ${rate}/s: ${(published / results.sending_s).toFixed(0)} ` +
        `published/s, delivery p99 ${results.delivery_latency_ms.p99.toFixed(2)} ms\n`);
    }
    const summary = {};
    for (const [name, setup] of Object.entries(setups)) {
      summary[name] = {};
      for (const key of Object.keys(setup.runs[0]).filter((k) => k !== 'verdict')) {
        summary[name][key] = spread(setup.runs.map((run) => run[key]));
      }
      summary[name].verdicts = setup.runs.map((run) => run.verdict);
    }
    const out = {
      kind: 'replica-bench', schema_version: 1, started_at: new Date().toISOString(),
      machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, kernel: os.release() },
      workload: { ...options, binary: undefined }, summary, runs: setups, saturation,
      published_per_s_max: Math.max(...saturation.map((run) => run.published_per_s)),
    };
    fs.mkdirSync(path.dirname(options.out), { recursive: true });
    fs.writeFileSync(options.out, JSON.stringify(out, null, 2) + '\n');
    console.log('setup          delivery p50 ms        delivery p99 ms        answer p99 ms          store cmds/send');
    for (const [name, s] of Object.entries(summary)) {
      const cell = (v) => `${v.median.toFixed(2)} (${v.min.toFixed(2)}-${v.max.toFixed(2)})`.padEnd(23);
      console.log(name.padEnd(15) + cell(s.delivery_p50_ms) + cell(s.delivery_p99_ms) +
        cell(s.answer_p99_ms) + cell(s.store_commands_per_send));
    }
    for (const run of saturation) {
      console.log(`one replica offered ${run.offered_per_s}/s: ${run.published_per_s.toFixed(0)} published/s, ` +
        `delivery p99 ${run.delivery_p99_ms.toFixed(2)} ms, answer p99 ${run.answer_p99_ms.toFixed(2)} ms (${run.verdict})`);
    }
    console.log(`results: ${options.out}`);
  } finally {
    for (const server of servers) await stopServer(server.child);
    await stopRedis(redis);
  }
}

main().catch((error) => {
  console.error(`bench-replicas: ${error.message}`);
  process.exit(1);
});
