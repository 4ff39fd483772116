// Replicas in a real browser: tabs of one browser on two `lvtlab serve --redis` processes chat
// through the official client; a third browser on a third replica sees both in global mode;
// and a send while Redis is away fails visibly, with the typed text kept.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");
const { startRedis, stopRedis } = require("../replicas/redis_process.js");
const { reconnects, linksBack } = require("../replicas/replica_links.js");

const page_path = "/realtime/broadcasting";

async function withReplicas(count, flags, body) {
  const redis = await startRedis();
  const servers = [];
  let browser = null;
  const run = { redis };
  try {
    for (let r = 0; r < count; ++r) {
      servers.push(await h.startServer(["--redis", redis.url, "--instance-id", `e2e-${r}`, ...flags]));
    }
    browser = await h.launchBrowser();
    await body({ servers, browser, run });
  } finally {
    await browser?.close();
    for (const server of servers) assert.equal(await server.stop(), 0, "SIGTERM exits 0");
    await stopRedis(run.redis);
  }
}

test("two tabs of one browser on two replicas chat; a third browser on a third sees both", async () => {
  await withReplicas(3, ["--group-mode", "global"], async ({ servers, browser }) => {
    // One browser: its cookie is the group on every replica (cookies do not look at ports).
    const context = await browser.newContext();
    const left = await h.openLive(context, servers[0].url + page_path);
    const right = await h.openLive(context, servers[1].url + page_path);
    const third = await h.openLive(await browser.newContext(), servers[2].url + page_path);
    await h.withScreenshots("replicas-chat", [left, right, third], async () => {
      await h.join(left, "Ann");
      await h.join(right, "Ben");
      await h.send(left, "from replica one");
      assert.deepEqual(await h.waitForMessages(right, 1), ["Ann: from replica one"]);
      await h.send(right, "and from replica two");
      const both = ["Ann: from replica one", "Ben: and from replica two"];
      assert.deepEqual(await h.waitForMessages(left, 2), both);
      assert.deepEqual(await h.waitForMessages(third, 2), both);
      // Each tab keeps its own name on its own replica.
      assert.match(await left.textContent("main"), /Posting as Ann/);
      assert.match(await right.textContent("main"), /Posting as Ben/);
    });
  });
});

test("a send while Redis is away fails beside its field and keeps the typed text", async () => {
  await withReplicas(1, [], async ({ servers, browser, run }) => {
    const page = await h.openLive(await browser.newContext(), servers[0].url + page_path);
    await h.withScreenshots("replicas-store-away", [page], async () => {
      await h.join(page, "Ann");
      await h.send(page, "stored");
      await h.waitForMessages(page, 1);
      const reconnectsBefore = await reconnects(new URL(servers[0].url).port);
      await stopRedis(run.redis);
      await h.send(page, "not while Redis is away");
      await page.waitForSelector("text=cannot be reached", { timeout: 10_000 });
      assert.equal(await page.inputValue("input[name=text]"), "not while Redis is away");
      assert.deepEqual(await h.messages(page), ["Ann: stored"]);
      // Redis back (with no data: it kept none), the same text goes through.
      run.redis = await startRedis({ port: run.redis.port, dir: run.redis.dir });
      await linksBack(new URL(servers[0].url).port, reconnectsBefore);
      await page.click("button[name=send]");
      await page.waitForFunction(
        () => [...document.querySelectorAll("#messages p")].some((p) =>
          p.textContent === "Ann: not while Redis is away"), null, { timeout: 10_000 });
    });
  });
});
