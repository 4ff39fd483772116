// lvtlab report: draws the tables, charts and timelines of the results inlined in this page
// (the JSON in #lvt-data). Charts are Chart.js's (inlined before this script); the timelines
// and tables are plain HTML. Nothing is fetched: the page works from disk with no network.
(function () {
  'use strict';
  const data = JSON.parse(document.getElementById('lvt-data').textContent);
  const main = document.getElementById('report');
  const charts = [];
  window.lvtReport = { charts: charts, data: data };  // for the report's own test

  Chart.defaults.animation = false;
  Chart.defaults.font.size = 11;
  Chart.defaults.maintainAspectRatio = false;
  const colors = ['#0969da', '#bf3989', '#1a7f37', '#b26a00', '#8250df', '#57606a'];

  // --- small helpers ---------------------------------------------------------------------------
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') node.className = value; else node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const fmt = (n) => (typeof n === 'number' ? n.toLocaleString('en-US', { maximumFractionDigits: 2 }) : String(n));
  const files = (kind) => data.files.filter((f) => f.kind === kind);
  // A log axis labelled at 1, 10, 100, ... only.
  const logTick = (value) => (Math.log10(value) % 1 === 0 && value >= 1 ? fmt(value) : null);
  function chart(box, config) {
    const canvas = el('canvas');
    box.append(canvas);
    const made = new Chart(canvas, config);
    charts.push(made);
    return made;
  }
  function section(title, note) {
    const s = el('section', {}, el('h2', {}, title), note ? el('p', { class: 'note' }, note) : null);
    main.append(s);
    return s;
  }

  // --- where the results came from -------------------------------------------------------------
  function provenance() {
    const first = data.files.find((f) => f.data.tool) || data.files[0];
    if (!first) return;
    const d = first.data;
    const parts = [];
    if (d.tool) parts.push(d.tool.name + ' ' + d.tool.version + (d.tool.git_commit ? ' at git ' + d.tool.git_commit : ''));
    if (d.started_at) parts.push('run ' + d.started_at.replace('T', ' ').replace('Z', ' UTC'));
    if (d.machine) parts.push(d.machine.cores + ' cores' + (d.machine.memory_bytes ? ', ' + Math.round(d.machine.memory_bytes / 2 ** 30) + ' GiB' : '') + (d.machine.cpu ? ', ' + d.machine.cpu : ''));
    parts.push('report written ' + data.generated_at.replace('T', ' ').replace('Z', ' UTC'));
    document.getElementById('provenance').textContent = parts.join(' · ');
  }

  // --- the first screen: invariants per configuration, and coverage ----------------------------
  function invariantTable(run) {
    const configurations = run.configurations || [];
    const head = el('tr', {}, el('th', {}, 'invariant'), el('th', { class: 'num' }, 'checked'),
      configurations.map((c) => el('th', { class: 'configuration', title: c.seeds + ' seeds' }, c.name, el('br'), el('span', { class: 'note' }, fmt(c.seeds) + ' seeds'))),
      el('th', { class: 'num' }, 'first failing seed'));
    const rows = Object.entries(run.invariants).map(([name, t]) => {
      const cells = configurations.map((c) => {
        const failed = (c.failed_by_invariant || {})[name] || 0;
        return failed > 0 ? el('td', { class: 'failed' }, 'failed ' + fmt(failed)) : el('td', { class: 'held' }, 'held');
      });
      if (configurations.length === 0) {
        cells.push(t.failed_seeds > 0 ? el('td', { class: 'failed' }, 'failed ' + fmt(t.failed_seeds)) : el('td', { class: 'held' }, 'held'));
      }
      return el('tr', {}, el('td', {}, name, t.consequence_seeds > 0 ? el('span', { class: 'consequence', title: 'seeds where it failed only after another invariant had' }, '+' + t.consequence_seeds + ' seeds as consequence') : null),
        el('td', { class: 'num' }, fmt(t.checked)), cells,
        el('td', { class: 'num' }, t.first_failing_seed === null ? '–' : String(t.first_failing_seed)));
    });
    const findings = configurations.map((c) => el('td', { class: 'findings' }, (c.findings || []).map((f) => el('div', { title: f.sentence }, fmt(f.seeds) + ' seeds: ' + f.kind))));
    rows.push(el('tr', {}, el('td', {}, 'findings'), el('td'), findings, el('td')));
    return el('table', { id: 'invariant-table' }, el('thead', {}, head), el('tbody', {}, rows));
  }

  function coverageChart(box, run) {
    const names = Object.keys(run.coverage);
    const values = names.map((n) => run.coverage[n]);
    chart(box, {
      type: 'bar',
      data: { labels: names, datasets: [{ label: 'times hit', data: values.map((v) => Math.max(v, 0.5)),
        backgroundColor: values.map((v) => (v > 0 ? colors[0] : '#c62828')) }] },
      options: { plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => fmt(values[c.dataIndex]) + ' times' } } },
        scales: { y: { type: 'logarithmic', title: { display: true, text: 'times hit (log)' }, ticks: { callback: logTick } },
          x: { ticks: { autoSkip: false, maxRotation: 90, minRotation: 90, font: { size: 9 } } } } },
    });
  }

  function firstScreen() {
    const checks = files('check');
    for (const file of checks) {
      const run = file.data;
      const s = section('Invariants and coverage' + (checks.length > 1 ? ': ' + file.path : ''),
        'A seed is counted under the first invariant it broke; each configuration is a group mode and a dispatch policy, or, with replicas, whether they heal and whether the broker keeps its data. ' +
        fmt(run.seeds) + ' seeds, ' + fmt(run.wall_s) + ' s (' + fmt(Math.round(run.timings ? run.timings.tab_events_per_s : 0)) + ' tab-events/s).');
      const box = el('div', { class: 'chart-box' });
      const never = run.never_hit || [];
      s.append(el('div', { class: 'first-screen' }, invariantTable(run),
        el('div', {}, box, el('p', { class: 'never-hit', id: 'never-hit' }, 'Never hit: ',
          never.length === 0 ? 'nothing, every item of the coverage list was hit.' : el('span', { class: 'bad' }, never.join(', '))))));
      coverageChart(box, run);
    }
  }

  // --- a failure: its card and its timeline ----------------------------------------------------
  const faultOps = ['restart', 'stall', 'close', 'zombie', 'slow', 'hide', 'reload', 'reconnect', 'idle'];
  function laneName(lane) {
    if (lane < 0) return 'server';
    if (lane >= 1 << 24) return 'orphan ' + (lane - (1 << 24));
    return 'tab ' + lane;
  }

  function timeline(failure) {
    const events = (failure.timeline && failure.timeline.events) || [];
    const lanes = [...new Set(events.filter((e) => e.lane >= 0).map((e) => e.lane))].sort((a, b) => a - b);
    const columns = lanes.concat([-1]);  // the tabs, then the server
    const consequences = failure.consequences || [];
    const head = el('tr', {}, el('th', {}, '#'), el('th', {}, 'time'), columns.map((l) => el('th', {}, laneName(l))));
    const rows = [];
    for (const e of events) {
      const isStep = e.kind === 'step';
      const internal = e.kind === 'dispatch' || e.kind === 'reap';  // the server's own, for a connection
      const fault = isStep && faultOps.some((op) => e.text.includes('"op":"' + op + '"'));
      const failing = e.index === failure.event;
      const cells = columns.map((lane) => {
        const here = isStep ? (e.lane < 0 ? lane === -1 : lane === e.lane)
          : e.at_server ? lane === -1 || (e.lane < 0 && lane === -1) : lane === e.lane;
        const from = !isStep && !internal && e.lane >= 0 && (e.at_server ? lane === e.lane : lane === -1);
        if (here) {
          if (internal) return el('td', {}, el('span', { class: 'kind' }, e.kind), ' for ' + laneName(e.lane));
          return el('td', { title: e.text }, isStep ? el('span', { class: 'step' }, e.text)
            : [e.at_server && e.lane >= 0 ? el('span', { class: 'arrow' }, '→ ') : null, el('span', { class: 'kind' }, e.kind), e.text ? ' ' + e.text : '']);
        }
        if (from) return el('td', { class: 'arrow' }, e.at_server ? e.kind + ' →' : '← ' + e.kind);
        return el('td');
      });
      rows.push(el('tr', { class: failing ? 'failing' : fault ? 'fault' : null, 'data-event': e.index },
        el('td', { class: 'num' }, e.index), el('td', { class: 'num' }, (e.time_us / 1000).toFixed(3) + ' ms'), cells));
      if (failing) {
        rows.push(el('tr', { class: 'failure-row', id: 'failing-step' }, el('td', { colspan: columns.length + 2 },
          'FAILED ' + failure.invariant + (failure.tab !== undefined ? ' (tab ' + failure.tab + ')' : '') + ': ' + failure.detail +
          (failure.expected !== undefined ? ' — the model expected: ' + failure.expected + '; held: ' + failure.held : ''))));
      }
      for (const c of consequences) {
        if (c.event === e.index && !(c.detail === failure.detail && c.invariant === failure.invariant)) {
          rows.push(el('tr', { class: 'consequence-row' }, el('td', { colspan: columns.length + 2 }, 'then ' + c.invariant + ': ' + c.detail)));
        }
      }
    }
    const cols = el('colgroup', {}, el('col', { class: 'index' }), el('col', { class: 'time' }), columns.map(() => el('col')));
    const wrap = el('div', { class: 'timeline' }, el('table', {}, cols, el('thead', {}, head), el('tbody', {}, rows)));
    if (failure.timeline && failure.timeline.cut) wrap.append(el('p', { class: 'note' }, 'The timeline stops at its first ' + events.length + ' events.'));
    return wrap;
  }

  function failureCard(failure, title) {
    const card = el('div', { class: 'failure-card' },
      el('h3', {}, title),
      el('p', {}, failure.invariant + ': ' + failure.detail),
      el('dl', { class: 'expected-held' },
        failure.expected !== undefined ? [el('dt', {}, 'the model expected'), el('dd', {}, failure.expected)] : null,
        failure.held !== undefined ? [el('dt', {}, 'what was held'), el('dd', {}, failure.held)] : null,
        [el('dt', {}, 'replay it'), el('dd', {}, el('code', { class: 'command' }, failure.replay_command || failure.rerun_command || ''))],
        failure.shrunk_steps !== undefined ? [el('dt', {}, 'shrunk'), el('dd', {}, fmt(failure.original_steps) + ' steps to ' + fmt(failure.shrunk_steps) + ' (' + failure.configuration + ')')] : null));
    card.append(timeline(failure));
    return card;
  }

  function failures() {
    for (const file of files('check')) {
      const list = file.data.failures || [];
      if (list.length === 0) continue;
      const s = section('Failures', 'Each failing seed shrunk to a minimal scenario: one lane per tab and one for the server; arrows show frames and requests, faults are shaded, the failing check is red.');
      list.forEach((f, i) => s.append(failureCard(f, 'Seed ' + f.seed + (i === 0 ? ' (the first failing seed)' : ''))));
    }
  }

  // --- planted bugs ------------------------------------------------------------------------------
  function planted() {
    for (const file of files('planted')) {
      const bugs = file.data.bugs;
      const s = section('Planted-bug power', 'Each planted bug (a deliberately wrong engine behaviour) switched on in turn: the seeds it took to be caught (of ' + fmt(file.data.seeds_max) + ') and the steps its failure shrank to.');
      const box = el('div', { class: 'chart-box' });
      s.append(box);
      chart(box, {
        type: 'bar',
        data: { labels: bugs.map((b) => b.name), datasets: [
          { label: 'seeds to catch', data: bugs.map((b) => (b.caught ? b.seeds_to_catch : null)), backgroundColor: colors[0] },
          { label: 'shrunk steps', data: bugs.map((b) => (b.caught ? b.shrunk_steps : null)), backgroundColor: colors[1] }] },
        options: { scales: { y: { type: 'logarithmic', title: { display: true, text: 'count (log)' }, ticks: { callback: logTick } },
          x: { ticks: { autoSkip: false, maxRotation: 90, minRotation: 60, font: { size: 9 } } } } },
      });
      const missed = bugs.filter((b) => !b.caught);
      s.append(el('p', { class: 'note' }, missed.length === 0 ? 'Every planted bug was caught.' : 'Missed: ' + missed.map((b) => b.name).join(', ')));
      const caught = bugs.filter((b) => b.caught && b.timeline);
      if (caught.length === 0) continue;
      const pick = el('select', { id: 'planted-pick' }, caught.map((b, i) => el('option', { value: i }, b.name + ' — ' + b.summary)));
      const holder = el('div');
      const show = () => { holder.replaceChildren(failureCard(caught[pick.value], 'Planted bug ' + caught[pick.value].name + ', caught by seed ' + caught[pick.value].seed)); };
      pick.addEventListener('change', show);
      s.append(el('h3', {}, 'A planted bug\'s shrunk trace: ', pick), holder);
      show();
    }
  }

  // --- mutation score ------------------------------------------------------------------------------
  function mutation() {
    for (const file of files('mutation')) {
      const d = file.data;
      const c = d.counts || {};
      const s = section('Mutation score', 'Mutants of the engine (scripts/mutation-sweep): ' + fmt(c.mutants || 0) + ' made, ' + fmt(d.scored || 0) +
        ' scored (equivalent and stillborn left out); check alone kills ' + (d.kill_rate_check === null ? '–' : Math.round(d.kill_rate_check * 1000) / 10 + '%') +
        ', with the tests ' + (d.kill_rate_total === null ? '–' : Math.round(d.kill_rate_total * 1000) / 10 + '%') + '. Command: ' + (d.command_line || ''));
      const box = el('div', { class: 'chart-box short' });
      s.append(box);
      const parts = [['killed by check', c.killed_by_check], ['killed by a time limit', c.killed_by_timeout], ['killed by the tests', c.killed_by_tests], ['survived', c.survived], ['equivalent', c.equivalent], ['stillborn', c.stillborn]];
      chart(box, { type: 'bar', data: { labels: parts.map((p) => p[0]), datasets: [{ label: 'mutants', data: parts.map((p) => p[1] || 0), backgroundColor: [colors[2], colors[2], colors[0], '#c62828', colors[5], colors[5]] }] },
        options: { indexAxis: 'y', plugins: { legend: { display: false } } } });
      const survivors = (d.mutants || []).filter((m) => m.outcome === 'survived' || m.outcome === 'killed_by_tests');
      if (survivors.length > 0) {
        s.append(el('h3', {}, 'Missed by check'), el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'mutant'), el('th', {}, 'where'), el('th', {}, 'outcome'), el('th', {}, 'diff'))),
          el('tbody', {}, survivors.map((m) => el('tr', {}, el('td', {}, m.id), el('td', {}, m.file + ':' + m.line), el('td', {}, m.outcome), el('td', {}, el('pre', {}, '- ' + m.original.trim() + '\n+ ' + (m.mutated.trim() || '(line dropped)'))))))));
      }
    }
  }

  // --- findings ---------------------------------------------------------------------------------------
  function findings() {
    for (const file of files('check')) {
      const items = [];
      for (const c of file.data.configurations || []) {
        for (const f of c.findings || []) items.push(el('li', {}, el('b', {}, c.name + ': '), fmt(f.seeds) + ' of ' + fmt(c.seeds) + ' seeds (' + f.kind + '). ' + f.sentence));
      }
      if (items.length > 0) section('Findings of each configuration', 'What a configuration does by design, predicted by the model and counted apart from the failures.').append(el('ul', {}, items));
    }
  }

  // --- performance ------------------------------------------------------------------------------------
  function benchmarkSeries(runs, prefix) {
    const byArg = new Map();
    for (const b of runs) {
      if ((b.run_type || 'iteration') !== 'iteration') continue;
      const name = b.run_name || b.name;
      if (!name.startsWith(prefix + '/')) continue;
      const arg = Number(name.slice(prefix.length + 1).split('/')[0]);
      const unit = { s: 1e9, ms: 1e6, us: 1e3, ns: 1 }[b.time_unit || 'ns'];
      if (!byArg.has(arg)) byArg.set(arg, []);
      byArg.get(arg).push({ ns: b.real_time * unit, entry: b });
    }
    return [...byArg.entries()].sort((a, b) => a[0] - b[0]);
  }
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

  function spreadChart(box, series, xTitle, yTitle, scale, extra) {
    const points = series.flatMap(([x, reps]) => reps.map((r) => ({ x: x, y: r.ns / scale })));
    const means = series.map(([x, reps]) => ({ x: x, y: mean(reps.map((r) => r.ns)) / scale }));
    const datasets = [{ type: 'line', label: 'mean', data: means, borderColor: colors[0], backgroundColor: colors[0] },
      { type: 'scatter', label: 'each repetition', data: points, backgroundColor: 'rgba(9,105,218,0.35)', pointRadius: 3 }];
    if (extra) datasets.push(extra);
    const scales = { x: { type: 'logarithmic', title: { display: true, text: xTitle } },
      y: { title: { display: true, text: yTitle }, beginAtZero: true } };
    if (extra) scales.y2 = { position: 'right', title: { display: true, text: extra.label }, beginAtZero: true, grid: { drawOnChartArea: false } };
    chart(box, { data: { datasets: datasets }, options: { scales: scales } });
  }

  function performance() {
    const benches = files('benchmark');
    const checks = files('check');
    if (benches.length === 0 && checks.length === 0) return;
    const s = section('Performance', 'Engine benchmarks (Google Benchmark; every repetition drawn, and its mean) and the simulator\'s speed. ' +
      benches.map((b) => b.data.context ? 'Benchmarks on ' + b.data.context.num_cpus + ' CPUs at ' + b.data.context.mhz_per_cpu + ' MHz, ' + b.data.context.date + '.' : '').join(' '));
    for (const file of benches) {
      const runs = file.data.benchmarks;
      const pair = el('div', { class: 'pair' });
      s.append(pair);
      const peer = benchmarkSeries(runs, 'BM_PeerNewMessage');
      if (peer.length > 0) {
        const box = el('div', { class: 'chart-box' });
        pair.append(el('div', {}, el('h3', {}, 'A peer\'s update against the log\'s length'), box));
        const bytes = peer.map(([x, reps]) => ({ x: x, y: reps[0].entry.frame_bytes }));
        spreadChart(box, peer, 'messages in the log', 'µs per peer update', 1e3,
          { type: 'line', label: 'frame bytes', data: bytes, yAxisID: 'y2', borderColor: colors[1], backgroundColor: colors[1], borderDash: [4, 3] });
      }
      const fan = benchmarkSeries(runs, 'BM_FanOut');
      if (fan.length > 0) {
        const box = el('div', { class: 'chart-box' });
        pair.append(el('div', {}, el('h3', {}, 'One send\'s fan-out against the group\'s peers'), box));
        spreadChart(box, fan, 'peers in the group', 'µs per send (all peers)', 1e3);
      }
    }
    for (const file of checks) {
      const t = file.data.timings || {};
      s.append(el('p', {}, 'Simulator: ' + fmt(Math.round(t.tab_events_per_s || 0)) + ' tab-events/s, ' + fmt(Math.round(t.seeds_per_s || 0)) +
        ' seeds/s, ' + fmt(Math.round(t.virtual_speedup || 0)) + '× virtual time, on ' + fmt(file.data.campaign ? file.data.campaign.workers : 0) + ' workers.'));
    }
  }

  // --- a load run ------------------------------------------------------------------------------------
  function loadRuns() {
    for (const file of files('load')) {
      const d = file.data;
      const v = Object.entries(d.violations || {});
      const s = section('Load: ' + fmt(d.connections) + ' connections in ' + fmt(d.groups) + (d.groups === 1 ? ' group' : ' groups'),
        (d.verdict === 'held' ? 'Held as a black box: each sender\'s messages in order, once, with no gap; no sender got its own broadcast' + (d.lost === 0 ? '; nothing lost.' : '.')
          : 'FAILED: ' + v.map(([k, n]) => n + ' ' + k).join(', ') + '.') + ' Rates ' + d.rates.join(', ') + ' msg/s, ' + d.step_s + ' s each. ' + (d.command_line || ''));
      const server = d.server || {};
      s.append(el('table', { class: 'load-figures' }, el('tbody', {},
        [['deliveries/s', fmt(Math.round(d.deliveries_per_s)) + ' (offered ' + fmt(Math.round(d.deliveries_offered_per_s)) + ')'],
          ['delivery latency (ms)', ['p50', 'p90', 'p99', 'p999', 'max'].map((k) => k + ' ' + fmt(d.delivery_latency_ms[k])).join(' · ')],
          ['last peer of a message (ms)', 'p50 ' + fmt(d.last_peer_latency_ms.p50) + ' · p99 ' + fmt(d.last_peer_latency_ms.p99)],
          ['sender\'s answer (ms)', 'p50 ' + fmt(d.answer_latency_ms.p50) + ' · p99 ' + fmt(d.answer_latency_ms.p99)],
          ['server CPU per delivery', server.cpu_us_per_delivery === undefined ? '–' : fmt(server.cpu_us_per_delivery) + ' µs'],
          ['server memory per connection', server.rss_bytes_per_connection === undefined ? '–' : fmt(Math.round(server.rss_bytes_per_connection / 102.4) / 10) + ' KB'],
          ['load generator CPU per delivery', fmt(d.load_generator.cpu_us_per_delivery) + ' µs'],
          ['upgrades/s', fmt(Math.round(d.upgrades_per_s))],
          ['lost, disconnects', fmt(d.lost) + ', ' + fmt(d.disconnects)]].map(([k, val]) => el('tr', {}, el('th', {}, k), el('td', {}, val))))));
      const pair = el('div', { class: 'pair' });
      s.append(pair);
      const overTime = el('div', { class: 'chart-box' });
      const cdf = el('div', { class: 'chart-box' });
      pair.append(el('div', {}, el('h3', {}, 'Latency and deliveries over time'), overTime), el('div', {}, el('h3', {}, 'Latency distribution'), cdf));
      const ps = d.per_second || [];
      chart(overTime, { data: { labels: ps.map((p) => p.second + ' s'), datasets: [
        { type: 'line', label: 'p50 ms', data: ps.map((p) => p.p50_ms), borderColor: colors[0], backgroundColor: colors[0] },
        { type: 'line', label: 'p99 ms', data: ps.map((p) => p.p99_ms), borderColor: colors[1], backgroundColor: colors[1] },
        { type: 'bar', label: 'deliveries', data: ps.map((p) => p.deliveries), yAxisID: 'y2', backgroundColor: 'rgba(26,127,55,0.25)' }] },
        options: { scales: { y: { title: { display: true, text: 'ms' }, beginAtZero: true }, y2: { position: 'right', title: { display: true, text: 'deliveries per second' }, beginAtZero: true, grid: { drawOnChartArea: false } } } } });
      const points = (d.delivery_latency_cdf || []).map(([share, ms]) => ({ x: Math.max(ms, 0.001), y: share * 100 }));
      chart(cdf, { type: 'line', data: { datasets: [{ label: 'share of deliveries at or under', data: points, borderColor: colors[2], backgroundColor: colors[2] }] },
        options: { scales: { x: { type: 'logarithmic', title: { display: true, text: 'latency ms (log)' } }, y: { title: { display: true, text: '% of deliveries' }, min: 0, max: 100 } } } });
    }
  }

  // --- replicas over one Redis (scripts/bench-replicas.js) -------------------------------------------
  function replicaRuns() {
    for (const file of files('replicas')) {
      const d = file.data;
      const w = d.workload || {};
      const s = section('Replicas over one Redis', 'One lvtlab load workload (' + fmt(Number(w.connections)) + ' connections, ' + fmt(Number(w.groups)) +
        ' groups, rates ' + w.rates + ' msg/s) against one process and against two replicas, ' + fmt(Number(w.reps)) + ' repetitions alternating: medians, with min to max.');
      const keys = [['delivery_p50_ms', 'delivery p50 ms'], ['delivery_p99_ms', 'delivery p99 ms'], ['answer_p99_ms', 'sender\'s answer p99 ms'], ['store_commands_per_send', 'store commands per send']];
      const cell = (v) => v ? fmt(Math.round(v.median * 100) / 100) + ' (' + fmt(Math.round(v.min * 100) / 100) + ' to ' + fmt(Math.round(v.max * 100) / 100) + ')' : '–';
      s.append(el('table', { class: 'replica-figures' }, el('thead', {}, el('tr', {}, el('th', {}, 'setup'), keys.map(([, label]) => el('th', {}, label)))),
        el('tbody', {}, Object.entries(d.summary).map(([name, summary]) => el('tr', {}, el('th', {}, name), keys.map(([key]) => el('td', { class: 'num' }, cell(summary[key]))))))));
      const box = el('div', { class: 'chart-box' });
      s.append(el('h3', {}, 'Publishes one replica sustains'), box);
      const sat = d.saturation || [];
      chart(box, { data: { labels: sat.map((r) => fmt(r.offered_per_s) + '/s offered'), datasets: [
        { type: 'bar', label: 'published per s', data: sat.map((r) => r.published_per_s), backgroundColor: 'rgba(26,127,55,0.35)' },
        { type: 'line', label: 'delivery p99 ms', data: sat.map((r) => r.delivery_p99_ms), yAxisID: 'y2', borderColor: colors[1], backgroundColor: colors[1] }] },
        options: { scales: { y: { title: { display: true, text: 'published per second' }, beginAtZero: true }, y2: { type: 'logarithmic', position: 'right', title: { display: true, text: 'p99 ms (log)' }, grid: { drawOnChartArea: false } } } } });
    }
  }

  // lvtlab and the peer servers of scripts/bench-scale.js: the figures table, and what each
  // delivered at each offered rate (the median over repetitions), where each one levels off.
  function scaleRuns() {
    for (const file of files('scale')) {
      const d = file.data;
      const w = d.workload || {};
      const rate = w['compare-rate'];
      const s = section('Against the servers users would pick instead', 'The same lvtlab load against each server, ' + fmt(Number(w.reps)) +
        ' repetitions in a turning order, on one machine: medians, with min to max. Idle: ' + fmt(Number(w['idle-connections'])) +
        ' connections; under load: one group of ' + fmt(Number(w.connections)) + ' with one sender; "at ' + rate + '/s" figures at ' + rate + ' messages a second.');
      const keys = [['rss_kb_per_idle_connection', 'idle KB per connection', 1], ['upgrades_per_s', 'upgrades/s', 0],
        ['deliveries_per_s_sustained_max', 'max deliveries/s, all checks held', 0], ['delivery_p99_ms_at_compare', 'p99 ms at ' + rate + '/s', 1],
        ['server_cpu_us_per_delivery_at_compare', 'server µs per delivery at ' + rate + '/s', 1],
        ['load_cpu_us_per_delivery_at_compare', 'load generator µs per delivery', 1], ['server_writes_per_delivery_at_compare', 'writes per delivery', 2]];
      const round = (v, digits) => fmt(Number(v.toFixed(digits)));
      const cell = (v, digits) => v ? round(v.median, digits) + ' (' + round(v.min, digits) + ' to ' + round(v.max, digits) + ')' : '–';
      s.append(el('table', { class: 'scale-figures' }, el('thead', {}, el('tr', {}, el('th', {}, 'server'), keys.map(([, label]) => el('th', {}, label)))),
        el('tbody', {}, Object.entries(d.summary).map(([name, summary]) => el('tr', {}, el('th', {}, summary.label || name),
          keys.map(([key, , digits]) => el('td', { class: 'num' }, cell(summary[key], digits))))))));
      const rates = [...new Set(Object.values(d.runs).flatMap((runs) => runs.flatMap((run) => run.steps.map((step) => step.rate))))].sort((a, b) => a - b);
      const median = (values) => values.length ? [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] : null;
      const box = el('div', { class: 'chart-box' });
      s.append(el('h3', {}, 'Deliveries a second at each offered rate'), box);
      chart(box, { type: 'line', data: { labels: rates.map((r) => r + ' msg/s'), datasets: Object.entries(d.runs).map(([name, runs], i) => ({
        label: (d.summary[name] && d.summary[name].label) || name, borderColor: colors[i % colors.length], backgroundColor: colors[i % colors.length],
        data: rates.map((r) => median(runs.flatMap((run) => run.steps.filter((step) => step.rate === r).map((step) => step.deliveries_per_s)))) })) },
        options: { scales: { y: { beginAtZero: true, title: { display: true, text: 'deliveries per second' } } } } });
    }
  }

  // --- before and after -------------------------------------------------------------------------------
  function comparison() {
    const c = data.comparison;
    if (!c) return;
    const moved = c.figures.filter((f) => f.moved);
    const s = section('Against the baseline', c.old_path + ' → ' + c.new_path + ': ' + (moved.length + c.verdicts.length) + ' moved beyond noise.');
    if (c.verdicts.length > 0) {
      s.append(el('h3', {}, 'Verdicts that changed'), el('ul', { id: 'verdict-changes' }, c.verdicts.map((v) => el('li', {}, v.what + ': ' + v.old + ' → ', el('b', {}, v.new)))));
    }
    s.append(el('table', { id: 'figure-changes' }, el('thead', {}, el('tr', {}, ['figure', 'before', 'after', 'change', 'noise', ''].map((h) => el('th', {}, h)))),
      el('tbody', {}, c.figures.map((f) => el('tr', { class: f.moved ? 'moved' : null }, el('td', {}, f.figure), el('td', { class: 'num' }, fmt(f.old) + ' ' + f.unit), el('td', { class: 'num' }, fmt(f.new) + ' ' + f.unit),
        el('td', { class: 'num' }, f.change === null ? '–' : (f.change >= 0 ? '+' : '') + (f.change * 100).toFixed(1) + '%'), el('td', {}, f.noise),
        el('td', { class: f.moved ? 'moved ' + (f.better ? 'better' : 'worse') : null }, f.moved ? (f.better ? 'better' : 'worse') : 'within noise'))))));
  }

  function sources() {
    const s = section('Results read');
    s.append(el('ul', {}, data.files.map((f) => el('li', {}, el('code', {}, f.path), ' (' + f.kind + ')', f.data.command_line ? [': ', el('code', {}, f.data.command_line)] : null,
      f.data.duration_s !== undefined ? ', ' + fmt(Math.round(f.data.duration_s * 10) / 10) + ' s' : null))));
  }

  provenance();
  firstScreen();
  comparison();
  failures();
  planted();
  mutation();
  findings();
  loadRuns();
  replicaRuns();
  scaleRuns();
  performance();
  sources();
})();
