// The Reconnection page: Counter and Notes are persisted per browser, across reloads.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");

const shared = h.useServerAndBrowser();

const counter = (page) => page.textContent("main strong");

test("Counter and Notes survive a reload, per browser", async () => {
  const mine = await h.openLive(await shared.browser.newContext(), shared.server.url + "/realtime/reconnection");
  const other = await h.openLive(await shared.browser.newContext(), shared.server.url + "/realtime/reconnection");
  await h.withScreenshots("reconnection", [mine, other], async () => {
    for (let i = 1; i <= 3; i++) {
      await mine.click("button[name=increment]");
      await mine.waitForFunction((n) => document.querySelector("main strong").textContent === String(n), i);
    }
    await mine.fill("textarea[name=notes]", "  line one\nline <two> ");
    await mine.click("button[name=saveNotes]");
    await mine.waitForFunction(() => !document.querySelector("form[aria-busy]"));
    await mine.reload();
    await mine.waitForSelector("[data-lvt-id]:not([data-lvt-loading])");
    assert.equal(await counter(mine), "3");
    assert.equal(await mine.inputValue("textarea[name=notes]"), "  line one\nline <two> ");
    await other.reload();
    await other.waitForSelector("[data-lvt-id]:not([data-lvt-loading])");
    assert.equal(await counter(other), "0");
    assert.equal(await other.inputValue("textarea[name=notes]"), "");
  });
});
