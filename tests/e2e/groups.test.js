// Session groups: two browsers are two groups in cookie mode, one in global mode.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");

const page_path = "/realtime/broadcasting";

async function twoBrowsers(flags, body) {
  await h.withOwnServer(flags, async ({ server, browser }) => {
    const first = await h.openLive(await browser.newContext(), server.url + page_path);
    const second = await h.openLive(await browser.newContext(), server.url + page_path);
    await h.withScreenshots(`groups-${flags.join("-")}`, [first, second], async () => {
      await h.join(first, "Ann");
      await h.join(second, "Ben");
      await body(first, second);
    });
  });
}

test("cookie mode: another browser gets no broadcast", async () => {
  await twoBrowsers([], async (first, second) => {
    await h.send(first, "private to my browser");
    await h.waitForMessages(first, 1);
    await second.waitForTimeout(1_000);
    assert.deepEqual(await h.messages(second), []);
  });
});

test("global mode: every browser gets the broadcast", async () => {
  await twoBrowsers(["--group-mode", "global"], async (first, second) => {
    await h.send(first, "to everyone");
    assert.deepEqual(await h.waitForMessages(second, 1), ["Ann: to everyone"]);
  });
});
