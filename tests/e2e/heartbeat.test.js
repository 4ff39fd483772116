// With a 1 s heartbeat an idle tab pings, gets its pongs and stays on one socket for 30 s.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");

test("an idle tab stays connected for 30 s with a 1 s heartbeat", { timeout: 60_000 }, async () => {
  const server = await h.startServer(["--heartbeat-ms", "1000"]);
  const browser = await h.launchBrowser();
  try {
    const page = await (await browser.newContext()).newPage();
    const sockets = [];
    let pings = 0;
    let pongs = 0;
    let closes = 0;
    page.on("websocket", (ws) => {
      sockets.push(ws);
      ws.on("framesent", (f) => { if (String(f.payload).includes("__ping__")) pings++; });
      ws.on("framereceived", (f) => { if (String(f.payload) === '{"pong":true}') pongs++; });
      ws.on("close", () => { closes++; });
    });
    await page.goto(server.url + "/realtime/broadcasting");
    await page.waitForSelector("[data-lvt-id]:not([data-lvt-loading])");
    await h.withScreenshots("heartbeat", [page], async () => {
      assert.equal(await page.getAttribute("[data-lvt-id]", "data-lvt-heartbeat-ms"), "1000");
      await page.waitForTimeout(30_000);
      assert.equal(sockets.length, 1, "no reconnect");
      assert.equal(closes, 0, "the socket never closed");
      assert.ok(pings >= 25, `pinged every second (${pings} pings)`);
      assert.ok(pongs >= pings - 1, `answered (${pongs} pongs for ${pings} pings)`);
    });
  } finally {
    await browser.close();
    assert.equal(await server.stop(), 0);
  }
});
