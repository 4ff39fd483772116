// What the client does when its socket closes, as the simulator models it: a socket the server
// closed is reopened at the next heartbeat tick; a reopen that fails (the server is down) leaves
// the page on HTTP until it reloads, and an HTTP reply is applied to the page.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");

const heartbeat = ["--heartbeat-ms", "1000"];

// A page on a server with a 1 s heartbeat, counting the sockets it opens.
async function openCounted(browser, server) {
  const page = await (await browser.newContext()).newPage();
  const sockets = [];
  page.on("websocket", (ws) => sockets.push(ws));
  await page.goto(server.url + "/realtime/broadcasting");
  await page.waitForSelector("[data-lvt-id]:not([data-lvt-loading])", { timeout: 10_000 });
  return { page, sockets };
}

async function waitFor(predicate, timeout_ms, what) {
  const deadline = Date.now() + timeout_ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("a socket the server closed is reopened at the next heartbeat tick", { timeout: 60_000 }, async () => {
  const server = await h.startServer(heartbeat);
  const browser = await h.launchBrowser();
  try {
    const page = await (await browser.newContext()).newPage();
    // Every socket goes through a proxy, so that the test can close one as the server would,
    // with the server still up for the reopen.
    const routes = [];
    await page.routeWebSocket(/\/realtime\/broadcasting/, (ws) => {
      routes.push({ page: ws, server: ws.connectToServer() });
    });
    await page.goto(server.url + "/realtime/broadcasting");
    await page.waitForSelector("[data-lvt-id]:not([data-lvt-loading])", { timeout: 10_000 });
    await h.withScreenshots("heartbeat-reopens", [page], async () => {
      assert.equal(routes.length, 1);
      await routes[0].page.close({ code: 1001, reason: "going away" });
      await routes[0].server.close();
      await waitFor(() => routes.length === 2, 5_000, "a second socket");
      await h.join(page, "Dana");  // over the new socket: the page is live again
      await h.send(page, "after the close");
      assert.deepEqual(await h.waitForMessages(page, 1), ["Dana: after the close"]);
    });
  } finally {
    await browser.close();
    assert.equal(await server.stop(), 0);
  }
});

test("a reconnect that fails leaves the page on HTTP, whose replies it applies", { timeout: 60_000 }, async () => {
  let server = await h.startServer(heartbeat);
  const listen = server.url.replace("http://", "");
  const browser = await h.launchBrowser();
  try {
    const { page, sockets } = await openCounted(browser, server);
    const posts = [];
    page.on("request", (request) => { if (request.method() === "POST") posts.push(request); });
    await h.withScreenshots("reconnect-fails", [page], async () => {
      assert.equal(await server.stop(), 0);
      await page.waitForTimeout(2_500);  // a tick finds the socket closed; the reopen fails
      const tried = sockets.length;
      assert.equal(tried, 2, "one reopen was tried, and no other");
      server = await h.startServer(heartbeat, listen);
      await page.waitForTimeout(3_000);  // three more ticks: none reconnects
      assert.equal(sockets.length, tried, "no socket once the server is back");
      await h.join(page, "Erin");  // over HTTP: the reply's page shows the name
      assert.equal(posts.length, 1, "the join went as an HTTP POST");
      assert.equal(sockets.length, tried);
    });
  } finally {
    await browser.close();
    assert.equal(await server.stop(), 0);
  }
});
