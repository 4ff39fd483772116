// The report as a person opens it: a real campaign, a failing one, the planted bugs' power, a
// short load run, a short replicas benchmark and a short benchmark run, written by `lvtlab report` and opened from disk in Chromium with the
// network blocked. No console error; every chart has data points; the failure's timeline shows
// its failing step; the first screen shows the verdict, the invariant table and the coverage.
// A screenshot is kept in test-results/.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert");
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { launchBrowser, startServer } = require("./harness");

const repo = path.resolve(__dirname, "../..");
const binary = process.env.LVTLAB_BINARY || path.join(repo, "build/default/cli/lvtlab");
const benchmarks = path.join(path.dirname(binary), "..", "benchmarks", "lvt_benchmarks");
const resultsDir = path.join(repo, "test-results");

function run(program, args, allowedStatus = [0]) {
  const done = spawnSync(program, args, { encoding: "utf8", timeout: 300_000 });
  assert.ok(allowedStatus.includes(done.status), `${program} ${args.join(" ")}: ${done.status}\n${done.stderr}`);
  return done;
}

test("the report opens from disk with no network, draws every chart and the failing step", async () => {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "lvtlab-report-"));
  try {
    const failing = path.join(scratch, "failing.json");
    const planted = path.join(scratch, "planted.json");
    const failures = path.join(scratch, "failures");
    run(binary, ["check", "--seeds", "40", "--workers", "2", "--plant", "cross-group-leak", "--time-budget", "2",
      "--results", failing, "--failures-dir", failures], [1]);
    run(binary, ["check", "--plant", "all", "--seeds", "1000", "--workers", "2", "--time-budget", "1",
      "--results", planted, "--failures-dir", failures]);
    const inputs = [failing, planted];
    // A short load run against a real server, for the load charts.
    const load = path.join(scratch, "load.json");
    const server = await startServer(["--dispatch-policy", "coalesce", "--actions-per-second", "1000"]);
    try {
      run(binary, ["load", "--url", server.url + "/realtime/broadcasting", "--connections", "30",
        "--rates", "20,40", "--step-s", "1", "--drain-s", "10", "--results", load]);
    } finally {
      await server.stop();
    }
    inputs.push(load);
    // A short replicas benchmark (a real redis-server, two replicas), for its table and chart.
    const replicas = path.join(scratch, "replicas.json");
    run(process.execPath, [path.join(repo, "scripts/bench-replicas.js"), "--reps", "1", "--connections", "20",
      "--groups", "4", "--rates", "20", "--step-s", "1", "--saturation-rates", "100,200", "--binary", binary,
      "--out", replicas]);
    inputs.push(replicas);
    // A short scale benchmark, lvtlab beside the Node ws hub, for its table and chart.
    const scale = path.join(scratch, "scale.json");
    run(process.execPath, [path.join(repo, "scripts/bench-scale.js"), "--reps", "1", "--servers", "lvtlab,ws",
      "--connections", "20", "--rates", "20,40", "--compare-rate", "20", "--step-s", "1",
      "--idle-connections", "40", "--binary", binary, "--out", scale]);
    inputs.push(scale);
    if (fs.existsSync(benchmarks)) {
      const bench = path.join(scratch, "bench.json");
      run(benchmarks, ["--benchmark_filter=BM_PeerNewMessage/(10|1000)$|BM_FanOut/(1|100)$",
        "--benchmark_min_time=0.01", "--benchmark_repetitions=2", `--benchmark_out=${bench}`,
        "--benchmark_out_format=json"]);
      inputs.push(bench);
    }
    const page = path.join(scratch, "report.html");
    const written = run(binary, ["report", ...inputs, "--out", page]);
    assert.match(written.stdout, /^FAILED: \d+ of 40 seeds/m);

    const browser = await launchBrowser();
    try {
      const tab = await browser.newPage({ viewport: { width: 1440, height: 900 } });
      const errors = [];
      const outside = [];
      tab.on("console", (message) => { if (message.type() === "error") errors.push(message.text()); });
      tab.on("pageerror", (error) => errors.push(String(error)));
      await tab.route("**/*", (route) => {
        if (route.request().url().startsWith("file:")) return route.continue();
        outside.push(route.request().url());
        return route.abort();
      });
      await tab.goto("file://" + page);
      await tab.waitForSelector("#failing-step");
      fs.mkdirSync(resultsDir, { recursive: true });
      await tab.screenshot({ path: path.join(resultsDir, "report.png") });

      assert.deepEqual(errors, []);
      assert.deepEqual(outside, [], "the page asks the network for nothing");
      const charts = await tab.evaluate(() => window.lvtReport.charts.map((chart) =>
        chart.data.datasets.map((set) => set.data.filter((point) => point !== null).length)));
      // coverage, planted; the load's latency over time and CDF; the publishes one replica
      // sustained; the deliveries of lvtlab and a peer at each rate; peer update and fan-out
      const expected = 6 + (fs.existsSync(benchmarks) ? 2 : 0);
      assert.equal(charts.length, expected, JSON.stringify(charts));
      for (const sets of charts) assert.ok(sets.some((points) => points > 0), JSON.stringify(charts));

      assert.deepEqual(await tab.$$eval(".scale-figures tbody th", (cells) => cells.map((c) => c.textContent)),
        ["lvtlab serve", "Node ws hub"]);

      // The failing step is in the timeline, on its row, with what the model expected.
      const failure = JSON.parse(fs.readFileSync(failing, "utf8")).failures[0];
      const failingRow = await tab.$eval(`tr[data-event="${failure.event}"]`, (row) => row.className);
      assert.equal(failingRow, "failing");
      assert.match(await tab.textContent("#failing-step"), new RegExp(`^FAILED ${failure.invariant}`));
      assert.equal(await tab.$$eval("#planted-pick option", (options) => options.length),
        JSON.parse(fs.readFileSync(planted, "utf8")).bugs.length);

      // Without scrolling: the verdict, the invariant table and the coverage chart.
      for (const selector of ["#verdict", "#invariant-table", "#never-hit"]) {
        const box = await tab.$eval(selector, (node) => node.getBoundingClientRect().bottom);
        assert.ok(box <= 900, `${selector} ends at ${box}px, below the first screen`);
      }
      assert.match(await tab.textContent("#verdict"), /^FAILED: \d+ of 40 seeds/);
    } finally {
      await browser.close();
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});
