// Replicas over a real Redis: three `lvtlab serve --redis` processes, tabs of one session group
// spread over them, bursts of messages, a replica killed, a replica's link to Redis cut, and
// Redis restarted. Every tab applies its frames with the official client's tree renderer.
'use strict';
const assert = require('node:assert/strict');
const { test } = require('node:test');
const { execFile } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { startServer, stopServer } = require('../cli/server_process.js');
const { startRedis, stopRedis, startProxy } = require('./redis_process.js');
const { Tab, newGroupCookie, until } = require('./tabs.js');
const { reconnects, linksBack } = require('./replica_links.js');

const binary = process.env.LVTLAB_BINARY;
if (!binary) throw new Error('set LVTLAB_BINARY to the lvtlab binary');

const replicaArgs = (url, id, extra = []) => [
  '--redis', url, '--instance-id', id, '--log-window', '0', '--log-level', 'warn', ...extra,
];

// Every tab shows `count` messages, the same ones in the same order, with ids 1..count once.
async function allShowTheSameLog(tabs, count, ms = 10_000) {
  await until(
    () => tabs.every((tab) => tab.messages().length === count),
    ms,
    () => tabs.map((tab) => `${tab.name}: ${tab.messages().length}`).join(', ') + ` (want ${count})`,
  );
  const first = tabs[0].messages();
  for (const tab of tabs) assert.deepEqual(tab.messages(), first, `${tab.name} differs`);
  const ids = first.map((line) => Number(line.split(' ')[0]));
  assert.equal(new Set(ids).size, ids.length, 'an id shown twice');
  return first;
}

// Each tab sends `each` messages at once; resolves when every tab's own sends were answered.
async function burst(tabs, each, label) {
  const before = tabs.map((tab) => tab.answers.length);
  for (let i = 0; i < each; ++i) {
    for (const tab of tabs) tab.act('send', { text: `${label} ${tab.name} ${i}` });
  }
  await until(
    () => tabs.every((tab, t) => tab.answers.length >= before[t] + each),
    10_000,
    () => 'answers to a burst',
  );
  for (const tab of tabs) {
    for (const meta of tab.answers.slice(-each)) assert.equal(meta.success, true, JSON.stringify(meta));
  }
}

async function withReplicas(count, options, body) {
  const redis = await startRedis(options.redis);
  const proxies = [];
  const servers = [];
  try {
    for (let r = 0; r < count; ++r) {
      let url = redis.url;
      if (options.proxied && options.proxied(r)) {
        const proxy = await startProxy(redis.port);
        proxies[r] = proxy;
        url = proxy.url;
      }
      servers.push(await startServer(binary, replicaArgs(url, `replica-${r}`, options.args?.(r))));
    }
    await body({ redis, servers, proxies });
  } finally {
    for (const server of servers) await stopServer(server.child);
    for (const proxy of proxies) if (proxy) await proxy.close();
    await stopRedis(redis);
  }
}

async function openTabs(servers, cookie, perReplica) {
  const tabs = [];
  for (const [r, server] of servers.entries()) {
    for (let i = 0; i < perReplica; ++i) {
      const tab = new Tab(`r${r}t${i}`, server.port, cookie);
      await tab.open();
      tab.act('join', { username: tab.name });
      tabs.push(tab);
    }
  }
  return tabs;
}

test('tabs of one group on three replicas show one log after every burst', async () => {
  await withReplicas(3, {}, async ({ servers }) => {
    // Another group's tab, first: once Redis confirms its group's subscription, the replica
    // catches that group up (a refresh that re-reads the log); before any message, so that
    // what it shows later can only have come by broadcast.
    const other = new Tab('other-group', servers[1].port, await newGroupCookie(servers[1].port));
    await other.open();
    for (const deadline = Date.now() + 5_000; ;) {
      const metrics = await (await fetch(`http://127.0.0.1:${servers[1].port}/metrics`)).text();
      if (/^lvt_replica_catch_ups_total [1-9]/m.test(metrics)) break;
      assert.ok(Date.now() < deadline, 'the other group was not caught up within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const cookie = await newGroupCookie(servers[0].port);
    const tabs = await openTabs(servers, cookie, 2);
    try {
      let sent = 0;
      for (let round = 0; round < 4; ++round) {
        await burst(tabs, 3, `round${round}`);
        sent += tabs.length * 3;
        const log = await allShowTheSameLog(tabs, sent);
        assert.deepEqual(log.map((line) => Number(line.split(' ')[0])),
          Array.from({ length: sent }, (_, i) => i + 1));
      }
      // Another group hears no broadcast (its tab shows only what its first tree held).
      assert.equal(other.messages().length, 0);
    } finally {
      for (const tab of [...tabs, other]) tab.close();
    }
  });
});

test('a replica killed with tabs on it: the others lose nothing, its tabs reopen elsewhere', async () => {
  await withReplicas(3, {}, async ({ servers }) => {
    const cookie = await newGroupCookie(servers[0].port);
    const tabs = await openTabs(servers, cookie, 2);
    try {
      await burst(tabs, 2, 'before');
      await allShowTheSameLog(tabs, tabs.length * 2);
      process.kill(servers[2].child.pid, 'SIGKILL');
      const orphans = tabs.filter((tab) => tab.port === servers[2].port);
      await until(() => orphans.every((tab) => tab.closed), 5_000, () => 'the orphans see the close');
      const survivors = tabs.filter((tab) => tab.port !== servers[2].port);
      await burst(survivors, 2, 'while-down');
      // Reopened on another replica, a tab's first tree holds everything stored so far.
      for (const [i, tab] of orphans.entries()) {
        tab.port = servers[i % 2].port;
        await tab.open();
        tab.act('join', { username: tab.name });
      }
      const total = tabs.length * 2 + survivors.length * 2;
      await allShowTheSameLog(tabs, total);
      await burst(tabs, 1, 'after');
      await allShowTheSameLog(tabs, total + tabs.length);
    } finally {
      for (const tab of tabs) tab.close();
    }
  });
});

for (const heal of ['on', 'off']) {
  test(`a replica's link to Redis cut for 2 s, heal ${heal}`, async () => {
    await withReplicas(2, { proxied: (r) => r === 1, args: () => ['--heal', heal] },
      async ({ servers, proxies }) => {
        const cookie = await newGroupCookie(servers[0].port);
        const [sender] = await openTabs([servers[0]], cookie, 1);
        const cut = await openTabs([servers[1]], cookie, 2);
        const tabs = [sender, ...cut];
        try {
          await burst([sender], 2, 'before');
          await allShowTheSameLog(tabs, 2);
          const reconnectsBefore = await reconnects(servers[1].port);
          proxies[1].cut();
          await new Promise((resolve) => setTimeout(resolve, 300));
          await burst([sender], 3, 'during');  // published while replica 1 hears nothing
          await new Promise((resolve) => setTimeout(resolve, 1_700));
          proxies[1].restore();
          await linksBack(servers[1].port, reconnectsBefore);
          if (heal === 'on') {
            // The heal: every tab on replica 1 re-reads the log once its links are back.
            await allShowTheSameLog(tabs, 5, 15_000);
          } else {
            // livetemplate: what went by while the link was down stays unseen, links back...
            await new Promise((resolve) => setTimeout(resolve, 1_000));
            for (const tab of cut) assert.equal(tab.messages().length, 2, `${tab.name} healed`);
            // ...until the next broadcast, whose refresh reads the whole log.
            await burst([sender], 1, 'next');
            await allShowTheSameLog(tabs, 6);
          }
        } finally {
          for (const tab of tabs) tab.close();
        }
      });
  });
}

test('Redis restarted with its data kept: the log and its ids carry on', async () => {
  const redis = await startRedis({ persist: true });
  const servers = [];
  const tabs = [];
  let restarted = redis;
  try {
    for (let r = 0; r < 2; ++r) {
      servers.push(await startServer(binary, replicaArgs(redis.url, `replica-${r}`)));
    }
    const cookie = await newGroupCookie(servers[0].port);
    tabs.push(...(await openTabs(servers, cookie, 1)));
    await burst(tabs, 2, 'before');
    await allShowTheSameLog(tabs, 4);
    const reconnectsBefore = await Promise.all(servers.map((server) => reconnects(server.port)));
    await stopRedis(redis);
    restarted = await startRedis({ persist: true, port: redis.port, dir: redis.dir });
    // Both replicas' links come back; then sends are stored again.
    for (const [r, server] of servers.entries()) await linksBack(server.port, reconnectsBefore[r]);
    await burst(tabs, 2, 'after');
    const log = await allShowTheSameLog(tabs, 8);
    assert.deepEqual(log.map((line) => Number(line.split(' ')[0])), [1, 2, 3, 4, 5, 6, 7, 8]);
    // A tab opened now reads all of it from the restarted store.
    const late = new Tab('late', servers[1].port, cookie);
    await late.open();
    tabs.push(late);
    assert.equal(late.messages().length, 8);
  } finally {
    for (const tab of tabs) tab.close();
    for (const server of servers) await stopServer(server.child);
    await stopRedis(restarted);
  }
});

test('lvtlab load over two replicas: every message reaches every peer, in order, once', async () => {
  await withReplicas(2, { args: () => ['--actions-per-second', '1000', '--actions-burst', '1000'] },
    async ({ servers }) => {
      const results = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'lvtlab-load-')), 'r.json');
      const args = ['load', '--connections', '40', '--groups', '4', '--senders-per-group', '2',
        '--rates', '100', '--step-s', '2', '--drain-s', '10', '--results', results];
      for (const server of servers) args.push('--url', `http://127.0.0.1:${server.port}/realtime/broadcasting`);
      const output = await new Promise((resolve, reject) => {
        execFile(binary, args, { timeout: 60_000 }, (error, stdout, stderr) =>
          (error ? reject(new Error(`${error.message}\n${stdout}\n${stderr}`)) : resolve(stdout)));
      });
      assert.match(output, /held: in order, once, no gap, no own broadcast, nothing lost/);
      const written = JSON.parse(fs.readFileSync(results, 'utf8'));
      assert.equal(written.urls.length, 2);
      assert.equal(written.sends.accepted, written.sends.made);
      // Each group's peers alternate between the replicas: broadcasts crossed.
      const metrics = await (await fetch(`http://127.0.0.1:${servers[1].port}/metrics`)).text();
      assert.ok(Number(metrics.match(/^lvt_bus_delivered_total (\d+)$/m)[1]) > 0, metrics);
    });
});

test('Redis restarted with nothing kept: the log is gone, and its ids are not handed out again', async () => {
  const redis = await startRedis({ persist: false });
  let restarted = redis;
  let server = null;
  const tabs = [];
  try {
    server = await startServer(binary, replicaArgs(redis.url, 'replica-0'));
    const cookie = await newGroupCookie(server.port);
    tabs.push(...(await openTabs([server], cookie, 2)));
    await burst(tabs, 2, 'before');
    await allShowTheSameLog(tabs, 4);
    const reconnectsBefore = await reconnects(server.port);
    await stopRedis(redis);
    restarted = await startRedis({ persist: false, port: redis.port, dir: redis.dir });
    await linksBack(server.port, reconnectsBefore);
    await burst([tabs[0]], 1, 'after');
    // The replica's cache still holds 1..4 and the new message takes 5, not 1 again: the
    // store script never hands out an id at or below what the appending replica has seen.
    const log = await allShowTheSameLog(tabs, 5);
    assert.deepEqual(log.map((line) => Number(line.split(' ')[0])), [1, 2, 3, 4, 5]);
    // A tab opened now on that replica shows its cache; the store itself kept only id 5.
    const late = new Tab('late', server.port, cookie);
    await late.open();
    tabs.push(late);
    assert.equal(late.messages().length, 5);
  } finally {
    for (const tab of tabs) tab.close();
    if (server) await stopServer(server.child);
    await stopRedis(restarted);
  }
});

test('a group\'s persisted fields live in Redis with a TTL: a reload on another replica shows them', async () => {
  await withReplicas(2, {}, async ({ redis, servers }) => {
    const [a, b] = servers.map((server) => `http://127.0.0.1:${server.port}/realtime/reconnection`);
    const first = await fetch(a);
    const cookie = first.headers.get('set-cookie').split(';')[0];
    await first.text();
    for (let i = 0; i < 2; ++i) {  // the page's form without JavaScript, posted on replica A
      const posted = await fetch(a, {
        method: 'POST', redirect: 'manual', body: 'increment=',
        headers: { cookie, origin: new URL(a).origin, 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(posted.status, 303);
      await posted.text();
    }
    const key = `livetemplate:session:${cookie.split('=').slice(1).join('=')}`;
    const redisCli = (...args) => new Promise((resolve, reject) => execFile(
      'redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), ...args],
      (error, stdout) => (error ? reject(error) : resolve(stdout.trim()))));
    // The writes go out behind the answers, no one waiting for them.
    let stored = '';
    for (const deadline = Date.now() + 5_000; !stored.includes('"Counter":2') && Date.now() < deadline;) {
      stored = await redisCli('GET', key);
      if (!stored.includes('"Counter":2')) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.match(stored, /"Counter":2/, `${key} in Redis`);
    const ttl = Number(await redisCli('TTL', key));
    assert.ok(ttl > 3600 && ttl <= 24 * 3600, `TTL ${ttl}`);
    const shown = await (await fetch(b, { headers: { cookie } })).text();
    assert.match(shown, /Counter: <strong>2<\/strong>/);
  });
});
