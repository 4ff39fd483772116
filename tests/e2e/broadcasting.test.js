// The Broadcasting page through the real client in headless Chromium.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");

const shared = h.useServerAndBrowser();

const page_path = "/realtime/broadcasting";

test("two tabs of one browser keep their own names and both see every send", async () => {
  const context = await shared.browser.newContext();
  const alice = await h.openLive(context, shared.server.url + page_path);
  const bob = await h.openLive(context, shared.server.url + page_path);
  await h.withScreenshots("two-tabs", [alice, bob], async () => {
    await h.join(alice, "Alice");
    await h.join(bob, "Bob");
    await h.send(alice, "hi from Alice");
    assert.deepEqual(await h.waitForMessages(bob, 1), ["Alice: hi from Alice"]);
    assert.deepEqual(await h.waitForMessages(alice, 1), ["Alice: hi from Alice"]);
    await alice.waitForFunction(() => document.querySelector("input[name=text]").value === "");
    await h.send(bob, "hi from Bob");
    assert.deepEqual(await h.waitForMessages(alice, 2), ["Alice: hi from Alice", "Bob: hi from Bob"]);
    await bob.waitForFunction(() => document.querySelector("input[name=text]").value === "");
    assert.match(await alice.innerText("main"), /Posting as Alice/);
    assert.match(await bob.innerText("main"), /Posting as Bob/);
  });
  await context.close();
});

test("an empty send and an empty join change nothing", async () => {
  const context = await shared.browser.newContext();
  const tab = await h.openLive(context, shared.server.url + page_path);
  await h.withScreenshots("empty-input", [tab], async () => {
    const before = await tab.innerHTML("main");
    await tab.fill("input[name=username]", "   ");
    await tab.click("button[name=join]");
    await tab.waitForFunction(() => !document.querySelector("form[aria-busy]"));
    assert.equal(await tab.innerHTML("main"), before);
    await h.join(tab, "Carol");
    const count = (await h.messages(tab)).length;
    await h.send(tab, "  ");
    await tab.waitForFunction(() => !document.querySelector("form[aria-busy]"));
    await tab.waitForTimeout(300);
    assert.equal((await h.messages(tab)).length, count);
  });
  await context.close();
});

test("a tab opened later shows the whole log", async () => {
  const context = await shared.browser.newContext();
  const first = await h.openLive(context, shared.server.url + page_path);
  await h.withScreenshots("late-tab", [first], async () => {
    await h.join(first, "Dora");
    const start = (await h.messages(first)).length;
    for (const text of ["one", "two", "three"]) {
      await h.send(first, text);
      await first.waitForFunction((line) => [...document.querySelectorAll("#messages p")]
        .some((p) => p.textContent === line), `Dora: ${text}`, { timeout: 15_000 });
    }
    const all = await h.waitForMessages(first, start + 3);
    const late = await h.openLive(context, shared.server.url + page_path);
    assert.deepEqual(await h.messages(late), all);
  });
  await context.close();
});

test("HTML in a message shows as text and never runs", async () => {
  const context = await shared.browser.newContext();
  const writer = await h.openLive(context, shared.server.url + page_path);
  const reader = await h.openLive(context, shared.server.url + page_path);
  let dialogs = 0;
  for (const page of [writer, reader]) page.on("dialog", (d) => { dialogs++; d.dismiss(); });
  await h.withScreenshots("escaping", [writer, reader], async () => {
    await h.join(writer, "<b>Mallory</b>");
    const start = (await h.messages(reader)).length;
    const evil = `<script>alert(1)</script><img src=x onerror="alert(2)">{{.Secret}}`;
    await h.send(writer, evil);
    const shown = await h.waitForMessages(reader, start + 1);
    assert.equal(shown.at(-1), `<b>Mallory</b>: ${evil}`);
    assert.equal(await reader.$$eval("#messages img, #messages script, #messages b", (e) => e.length), 0);
    await reader.waitForTimeout(300);
    assert.equal(dialogs, 0);
  });
  await context.close();
});

test("without JavaScript, joining and sending still work through plain forms", async () => {
  const context = await shared.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await h.withScreenshots("no-js", [page], async () => {
    await page.goto(shared.server.url + page_path);
    await page.fill("input[name=username]", "Nojs");
    await Promise.all([page.waitForURL(/username=Nojs/), page.click("button[name=join]")]);
    assert.match(await page.innerText("main"), /Posting as Nojs/);
    await page.fill("input[name=text]", "sent without JavaScript");
    await Promise.all([page.waitForNavigation(), page.click("button[name=send]")]);
    assert.equal((await h.messages(page)).at(-1), "Nojs: sent without JavaScript");
  });
  await context.close();
});

test("a refused long message shows its error beside the field and keeps the typed text", async () => {
  const context = await shared.browser.newContext();
  const tab = await h.openLive(context, shared.server.url + page_path);
  await h.withScreenshots("refused-message", [tab], async () => {
    // The page says what its group is: why another browser does not see new messages.
    assert.match(await tab.innerText("main p.scope"), /other tabs of this browser/);
    assert.match(await tab.innerText("main p.scope"), /--group-mode global/);
    await h.join(tab, "Erin");
    const count = (await h.messages(tab)).length;
    const long = "x".repeat(5_000);
    await h.send(tab, long);
    const error = tab.locator("form:has(input[name=text]) p.error[role=alert]");
    await error.waitFor({ timeout: 15_000 });
    assert.equal(await error.textContent(), "Message must be at most 2000 characters");
    await tab.waitForFunction(() => !document.querySelector("form[aria-busy]"));
    assert.equal(await tab.inputValue("input[name=text]"), long, "the typed text is kept");
    assert.equal((await h.messages(tab)).length, count, "nothing was sent");
    // The next success clears it.
    await h.send(tab, "short enough");
    await h.waitForMessages(tab, count + 1);
    await error.waitFor({ state: "detached", timeout: 15_000 });
  });
  await context.close();
});
