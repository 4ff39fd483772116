// The client's busy form, as the simulator copies it: one busy form per page, from a submit
// (whatever its transport) until the next frame or reply that carries a meta.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");

const shared = h.useServerAndBrowser();

const page_path = "/realtime/broadcasting";
const busy = () => !!document.querySelector("form[aria-busy]");

async function waitFor(condition, timeout_ms, what) {
  const deadline = Date.now() + timeout_ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out waiting for " + what);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

test("a peer's update ends a busy form before the server has its action", { timeout: 30_000 }, async () => {
  const context = await shared.browser.newContext();
  const ann = await context.newPage();
  // Ann's sends wait on the way up (a slow uplink); nothing is reordered.
  const held = [];
  let holding = false;
  await ann.routeWebSocket(/\/realtime\/broadcasting/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => {
      if (holding && String(message).includes('"action":"send"')) held.push([server, message]);
      else server.send(message);
    });
    server.onMessage((message) => ws.send(message));
  });
  await ann.goto(shared.server.url + page_path);
  await ann.waitForSelector("[data-lvt-id]:not([data-lvt-loading])", { timeout: 10_000 });
  const ben = await h.openLive(context, shared.server.url + page_path);
  await h.withScreenshots("busy-ended-by-a-peer", [ann, ben], async () => {
    await h.join(ann, "Ann");
    await h.join(ben, "Ben");
    await ann.waitForFunction(() => !document.querySelector("form[aria-busy]"));
    holding = true;
    await h.send(ann, "mine");
    await waitFor(() => held.length === 1, 5_000, "Ann's send, held");
    assert.ok(await ann.evaluate(busy), "Ann's form is busy while her send is on its way");
    await h.send(ben, "theirs");
    assert.deepEqual(await h.waitForMessages(ann, 1), ["Ben: theirs"]);
    await ann.waitForFunction(() => !document.querySelector("form[aria-busy]"), null, { timeout: 5_000 });
    assert.equal(held.length, 1, "Ann's send has not reached the server");
    for (const [server, message] of held) server.send(message);
    assert.deepEqual(await h.waitForMessages(ann, 2), ["Ben: theirs", "Ann: mine"]);
  });
  await context.close();
});

test("a submit over HTTP leaves the form busy until its reply", { timeout: 30_000 }, async () => {
  const context = await shared.browser.newContext();
  const page = await context.newPage();
  const sockets = [];
  await page.routeWebSocket(/\/realtime\/broadcasting/, (ws) => {
    sockets.push({ page: ws, server: ws.connectToServer() });
    ws.onMessage((message) => sockets.at(-1).server.send(message));
    sockets.at(-1).server.onMessage((message) => ws.send(message));
  });
  let releasePost;
  const postHeld = new Promise((resolve) => { releasePost = resolve; });
  let posts = 0;
  await page.route(/\/realtime\/broadcasting/, async (route) => {
    if (route.request().method() === "POST") {
      posts++;
      await postHeld;
    }
    await route.continue();
  });
  await page.goto(shared.server.url + page_path);
  await page.waitForSelector("[data-lvt-id]:not([data-lvt-loading])", { timeout: 10_000 });
  await h.withScreenshots("busy-over-http", [page], async () => {
    // The socket closes as the server would close it; the heartbeat (20 s) has not reopened it.
    await sockets[0].page.close({ code: 1001, reason: "going away" });
    await sockets[0].server.close();
    await page.fill("input[name=username]", "Gus");
    await page.click("button[name=join]");  // over HTTP, held
    await waitFor(() => posts === 1, 5_000, "the join's POST");
    await page.waitForTimeout(300);
    assert.ok(await page.evaluate(busy), "the form is busy while its POST is held");
    releasePost();
    await page.waitForFunction(() => !document.querySelector("form[aria-busy]"), null, { timeout: 5_000 });
    assert.match(await page.innerText("main"), /Posting as Gus/);
    assert.equal(sockets.length, 1, "no socket was reopened meanwhile");
  });
  await context.close();
});
