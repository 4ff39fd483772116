// The client's busy form, as the simulator copies it: one busy form per page, from a submit
// (whatever its transport) until the next frame or reply that carries a meta.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");

const shared = h.useServerAndBrowser();

const page_path = "/realtime/broadcasting";
const busy = () => !!document.querySelector("form[aria-busy]");
const idle = () => !document.querySelector("form[aria-busy]");

async function openProxied(context, options) {
  let sockets;
  const page = await h.openLive(context, shared.server.url + page_path,
    async (p) => { sockets = await h.proxySockets(p, options); });
  return { page, sockets };
}

test("a peer's update ends a busy form before the server has its action", { timeout: 60_000 }, async () => {
  const context = await shared.browser.newContext();
  let holding = false;  // Ann's sends, once on, wait on their way up
  const { page: ann, sockets } =
    await openProxied(context, { holdSent: (message) => holding && message.includes('"action":"send"') });
  const ben = await h.openLive(context, shared.server.url + page_path);
  await h.withScreenshots("busy-ended-by-a-peer", [ann, ben], async () => {
    await h.join(ann, "Ann");
    await h.join(ben, "Ben");
    await ann.waitForFunction(idle);
    holding = true;
    await h.send(ann, "mine");
    await h.waitFor(() => sockets[0].held.length === 1, 15_000, "Ann's send, held");
    assert.ok(await ann.evaluate(busy), "Ann's form is busy while her send is on its way");
    await h.send(ben, "theirs");
    assert.deepEqual(await h.waitForMessages(ann, 1), ["Ben: theirs"]);
    await ann.waitForFunction(idle, null, { timeout: 15_000 });  // Ben's update ended it
    for (const message of sockets[0].held.splice(0)) sockets[0].server.send(message);
    assert.deepEqual(await h.waitForMessages(ann, 2), ["Ben: theirs", "Ann: mine"]);
  });
  await context.close();
});

test("a submit over HTTP leaves the form busy until its reply", { timeout: 60_000 }, async () => {
  const context = await shared.browser.newContext();
  const { page, sockets } = await openProxied(context);
  const posts = await h.holdPosts(page);
  await h.withScreenshots("busy-over-http", [page], async () => {
    // The socket closes as the server would close it; the heartbeat (20 s) does not reopen it yet.
    await sockets[0].page.close({ code: 1001, reason: "going away" });
    await sockets[0].server.close();
    await page.fill("input[name=username]", "Gus");
    await page.click("button[name=join]");  // over HTTP, held
    await h.waitFor(() => posts.count === 1, 15_000, "the join's POST");
    await page.waitForTimeout(300);
    assert.ok(await page.evaluate(busy), "the form is busy while its POST is held");
    posts.release();
    await page.waitForFunction(idle, null, { timeout: 15_000 });
    assert.match(await page.innerText("main"), /Posting as Gus/);
    assert.equal(sockets.length, 1, "no socket was reopened meanwhile");
  });
  await context.close();
});
