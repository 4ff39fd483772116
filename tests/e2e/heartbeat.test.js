// With a 1 s heartbeat an idle tab pings, gets its pongs and stays on one socket for 30 s.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");

test("an idle tab stays connected for 30 s with a 1 s heartbeat", { timeout: 120_000 }, async () => {
  await h.withOwnServer(["--heartbeat-ms", "1000"], async ({ server, browser }) => {
    const sockets = [];
    let pings = 0;
    let pongs = 0;
    let closes = 0;
    const page = await h.openLive(await browser.newContext(), server.url + "/realtime/broadcasting",
      async (p) => {
        p.on("websocket", (ws) => {
          sockets.push(ws);
          ws.on("framesent", (f) => { if (String(f.payload).includes("__ping__")) pings++; });
          ws.on("framereceived", (f) => { if (String(f.payload) === '{"pong":true}') pongs++; });
          ws.on("close", () => { closes++; });
        });
      });
    await h.withScreenshots("heartbeat", [page], async () => {
      assert.equal(await page.getAttribute("[data-lvt-id]", "data-lvt-heartbeat-ms"), "1000");
      await page.waitForTimeout(30_000);
      assert.equal(sockets.length, 1, "no reconnect");
      assert.equal(closes, 0, "the socket never closed");
      assert.ok(pings >= 25, `pinged every second (${pings} pings)`);
      assert.ok(pongs >= pings - 1, `answered (${pongs} pongs for ${pings} pings)`);
    });
  });
});
