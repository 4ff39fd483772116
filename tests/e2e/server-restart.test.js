// What the client does when its socket closes, as the simulator models it: a socket the server
// closed is reopened at the next heartbeat tick; a reopen that fails (the server is down) leaves
// the page on HTTP until it reloads, and an HTTP reply is applied to the page.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");

const heartbeat = ["--heartbeat-ms", "1000"];

const page_path = "/realtime/broadcasting";

// A live page of its own browser context; `prepare(page)` routes it before it loads.
async function openPage(run, prepare) {
  return h.openLive(await run.browser.newContext(), run.server.url + page_path, prepare);
}

test("a socket the server closed is reopened at the next heartbeat tick", { timeout: 60_000 }, async () => {
  await h.withOwnServer(heartbeat, async (run) => {
    // The test closes the socket as the server would, with the server still up for the reopen.
    let routes;
    const page = await openPage(run, async (p) => { routes = await h.proxySockets(p); });
    await h.withScreenshots("heartbeat-reopens", [page], async () => {
      assert.equal(routes.length, 1);
      await routes[0].page.close({ code: 1001, reason: "going away" });
      await routes[0].server.close();
      await h.waitFor(() => routes.length === 2, 10_000, "a second socket");
      await h.join(page, "Dana");  // over the new socket: the page is live again
      await h.send(page, "after the close");
      assert.deepEqual(await h.waitForMessages(page, 1), ["Dana: after the close"]);
    });
  });
});

test("a reconnect that fails leaves the page on HTTP, whose replies it applies", { timeout: 60_000 }, async () => {
  await h.withOwnServer(heartbeat, async (run) => {
    const listen = run.server.url.replace("http://", "");
    const sockets = [];
    const page = await openPage(run, async (p) => { p.on("websocket", (ws) => sockets.push(ws)); });
    const posts = [];
    page.on("request", (request) => { if (request.method() === "POST") posts.push(request); });
    await h.withScreenshots("reconnect-fails", [page], async () => {
      assert.equal(await run.server.stop(), 0);
      // A tick finds the socket closed; the reopen fails, and no later tick tries again.
      await h.waitFor(() => sockets.length >= 2, 10_000, "a reopen");
      await page.waitForTimeout(2_500);
      const tried = sockets.length;
      assert.equal(tried, 2, "one reopen was tried, and no other");
      run.server = await h.startServer(heartbeat, listen);
      await page.waitForTimeout(3_000);  // three more ticks: none reconnects
      assert.equal(sockets.length, tried, "no socket once the server is back");
      await h.join(page, "Erin");  // over HTTP: the reply's page shows the name
      assert.equal(posts.length, 1, "the join went as an HTTP POST");
      assert.equal(sockets.length, tried);
    });
  });
});

// The simulator's finding, in the real client: a join posted over HTTP while the socket was closed
// is answered after the new socket's first tree; the client applies the reply, so the page says
// "Posting as Frank" over a connection that has no name, and the next send is ignored.
test("an HTTP reply landing after the new socket's tree shows a page the server does not know", { timeout: 90_000 }, async () => {
  // Ticks 5 s apart: the close, the fill and the click must all land between two of them.
  await h.withOwnServer(["--heartbeat-ms", "5000"], async (run) => {
    let sockets, posts;
    const page = await openPage(run, async (p) => {
      sockets = await h.proxySockets(p);
      posts = await h.holdPosts(p);
    });
    await h.withScreenshots("http-reply-after-socket-tree", [page], async () => {
      // Right after a heartbeat ping, so that the reopen is some 5 s away: close the socket.
      await h.waitFor(() => sockets[0].sent.some((m) => m.includes("__ping__")), 15_000, "a ping");
      await sockets[0].page.close({ code: 1001, reason: "going away" });
      await sockets[0].server.close();
      await page.fill("input[name=username]", "Frank");
      await page.click("button[name=join]");  // the socket is closed: over HTTP, held
      await h.waitFor(() => posts.count === 1, 4_000, "the join's POST");
      await h.waitFor(() => sockets.length === 2 && sockets[1].received.length > 0, 15_000,
        "the new socket's first tree");
      posts.release();
      await page.waitForSelector("text=Posting as Frank", { timeout: 15_000 });
      await page.fill("input[name=text]", "lost");
      await page.click("button[name=send]");  // over the new socket, whose state has no name
      await h.waitFor(() => sockets[1].sent.some((m) => m.includes("lost")), 10_000, "the send");
      await page.waitForTimeout(1_500);
      assert.deepEqual(await h.messages(page), [], "the send was ignored");
      assert.ok(await page.isVisible("text=Posting as Frank"), "the page still shows the name");
    });
  });
});

// While a reconnect's HEAD probe is out the client has no transport: an action then is lost.
test("an action while a reconnect's probe is out goes nowhere", { timeout: 60_000 }, async () => {
  await h.withOwnServer(heartbeat, async (run) => {
    let sockets;
    let releaseProbe;
    const probeHeld = new Promise((resolve) => { releaseProbe = resolve; });
    let probes = 0;
    let posts = 0;
    const page = await openPage(run, async (p) => {
      sockets = await h.proxySockets(p);
      await p.route(/\/realtime\/broadcasting/, async (route) => {
        const method = route.request().method();
        if (method === "POST") posts++;
        if (method === "HEAD" && ++probes > 1) await probeHeld;  // the first is the page's own
        await route.continue();
      });
    });
    await h.withScreenshots("no-transport", [page], async () => {
      await sockets[0].page.close({ code: 1001, reason: "going away" });
      await sockets[0].server.close();
      await h.waitFor(() => probes === 2, 10_000, "the reconnect's probe");  // the next tick
      await page.fill("input[name=username]", "Gina");
      await page.click("button[name=join]");
      await page.waitForTimeout(500);
      releaseProbe();
      await h.waitFor(() => sockets.length === 2 && sockets[1].received.length > 0, 10_000,
        "the new socket's first tree");
      await page.waitForTimeout(500);
      assert.equal(posts, 0, "not over HTTP");
      assert.ok(!sockets.some((s) => s.sent.some((m) => m.includes("Gina"))), "not on a socket");
      assert.ok(!(await page.isVisible("text=Posting as")), "the join was lost");
    });
  });
});
