// The bounded log through the real client in headless Chromium: a page shows the newest
// messages, slides as new ones come, pages back with "Older messages" (the client's prepend and
// remove ops), and the server keeps only the newest --log-messages-max.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");

const shared = h.useServerAndBrowser(["--log-window", "3", "--log-messages-max", "8"]);

const page_path = "/realtime/broadcasting";
const older = "button[name=older]";

function sent(from, to) {
  const out = [];
  for (let i = from; i <= to; i++) out.push(`Ann: m${i}`);
  return out;
}

// Background tabs' timers are throttled: the page polled comes to the front first.
async function sendAll(page, from, to) {
  await page.bringToFront();
  for (let i = from; i <= to; i++) {
    await h.send(page, `m${i}`);
    await page.waitForFunction((text) => [...document.querySelectorAll("#messages p")]
      .some((p) => p.textContent.endsWith(text)), `: m${i}`, { timeout: 15_000, polling: 100 });
    await page.waitForFunction(() => document.querySelector("input[name=text]").value === "", null, { polling: 100 });
  }
}

async function waitForShown(page, expected) {
  await page.bringToFront();
  await page.waitForFunction((want) => {
    const shown = [...document.querySelectorAll("#messages p")].map((p) => p.textContent);
    return JSON.stringify(shown) === JSON.stringify(want);
  }, expected, { timeout: 15_000, polling: 100 });
}

test("a page shows a window of the log, slides, pages back, and the server keeps the newest", async () => {
  const context = await shared.browser.newContext();
  const ann = await h.openLive(context, shared.server.url + page_path);
  const peer = await h.openLive(context, shared.server.url + page_path);
  await h.withScreenshots("bounded-log", [ann, peer], async () => {
    assert.equal(await ann.$(older), null);  // nothing older than nothing
    await h.join(ann, "Ann");
    await sendAll(ann, 1, 5);
    await waitForShown(ann, sent(3, 5));
    await waitForShown(peer, sent(3, 5));  // the peer's window slid with each broadcast
    assert.notEqual(await peer.$(older), null);

    await ann.click(older);  // a window more: the two older ones are prepended
    await waitForShown(ann, sent(1, 5));
    await ann.waitForSelector(older, { state: "detached" });

    await sendAll(ann, 6, 10);  // 10 sent, the server keeps 8: m3..m10
    await waitForShown(ann, sent(5, 10));  // Ann's window is 6 now, sliding
    await waitForShown(peer, sent(8, 10));
    await ann.click(older);  // wider than what is kept: all of it, and no button
    await waitForShown(ann, sent(3, 10));
    await ann.waitForSelector(older, { state: "detached" });

    const late = await h.openLive(context, shared.server.url + page_path);
    await waitForShown(late, sent(8, 10));  // a first frame of one window, whatever the log holds
    assert.notEqual(await late.$(older), null);
    await late.close();
  });
  await context.close();
});
