// The Tasks page through the real client in headless Chromium: two tabs of one browser share a
// live list; another browser (another session group) has its own.
"use strict";
const { test } = require("node:test");
const assert = require("node:assert/strict");
const h = require("./harness");

const shared = h.useServerAndBrowser();

const page_path = "/realtime/tasks";

// What the tab shows: each task's mark and title, in order.
function tasks(page) {
  return page.$$eval("#tasks li", (items) =>
    items.map((li) => `${li.querySelector(".mark").textContent} ${li.querySelector(".title").textContent}`));
}

async function waitForTasks(page, expected) {
  try {
    await page.waitForFunction((want) => {
      const shown = [...document.querySelectorAll("#tasks li")].map(
        (li) => `${li.querySelector(".mark").textContent} ${li.querySelector(".title").textContent}`);
      return JSON.stringify(shown) === JSON.stringify(want);
    }, expected, { timeout: 15_000 });
  } catch (error) {
    assert.deepEqual(await tasks(page), expected);  // says what the tab shows instead
    throw error;
  }
}

// Waits until the tab's forms are no longer busy (its own answer came).
async function settled(page) {
  await page.waitForFunction(() => !document.querySelector("form[aria-busy]"), null, { timeout: 15_000 });
}

async function add(page, title, button = "add") {
  await page.fill("#new-title", title);
  await page.click(`button[name=${button}]`);
  await settled(page);
}

// The id of the task titled `title`, as the page keys it.
async function idOf(page, title) {
  const id = await page.$$eval("#tasks li", (items, t) =>
    items.find((li) => li.querySelector(".title").textContent === t)?.dataset.key, title);
  assert.ok(id, `no task titled ${title}`);
  return id;
}

async function press(page, title, action) {
  const id = await idOf(page, title);
  await page.click(`#tasks li[data-key="${id}"] button[name=${action}]`);
  await settled(page);
}

test("two tabs of one browser share one live task list", async () => {
  const context = await shared.browser.newContext();
  const one = await h.openLive(context, shared.server.url + page_path);
  const two = await h.openLive(context, shared.server.url + page_path);
  const errors = [];  // the client says so when it cannot apply a frame
  for (const page of [one, two]) {
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") errors.push(m.text()); });
  }
  await h.withScreenshots("tasks-two-tabs", [one, two], async () => {
    assert.match(await two.innerText("main"), /No tasks yet\./);
    await add(one, "milk");
    await add(one, "  eggs  ");
    await add(one, "bread");
    await waitForTasks(two, ["[ ] milk", "[ ] eggs", "[ ] bread"]);
    assert.equal(await one.inputValue("#new-title"), "", "the add form resets on success");

    await add(two, "coffee", "addTop");
    await waitForTasks(one, ["[ ] coffee", "[ ] milk", "[ ] eggs", "[ ] bread"]);

    await press(one, "eggs", "toggle");
    await waitForTasks(two, ["[ ] coffee", "[ ] milk", "[x] eggs", "[ ] bread"]);
    assert.match(await two.innerText("p.summary"), /1 of 4 done/);

    const id = await idOf(two, "milk");
    await two.fill(`#tasks li[data-key="${id}"] input[name=title]`, "oat milk");
    await two.click(`#tasks li[data-key="${id}"] button[name=edit]`);
    await waitForTasks(one, ["[ ] coffee", "[ ] oat milk", "[x] eggs", "[ ] bread"]);

    await press(one, "bread", "moveUp");
    await waitForTasks(two, ["[ ] coffee", "[ ] oat milk", "[ ] bread", "[x] eggs"]);
    await press(two, "coffee", "moveDown");
    await waitForTasks(one, ["[ ] oat milk", "[ ] coffee", "[ ] bread", "[x] eggs"]);

    await press(two, "coffee", "delete");
    await waitForTasks(one, ["[ ] oat milk", "[ ] bread", "[x] eggs"]);

    await press(one, "bread", "toggle");
    await one.click("button[name=clearDone]");
    await settled(one);
    await waitForTasks(two, ["[ ] oat milk"]);
    await waitForTasks(one, ["[ ] oat milk"]);

    // A tab opened now shows the list as it is.
    const three = await h.openLive(context, shared.server.url + page_path);
    assert.deepEqual(await tasks(three), ["[ ] oat milk"]);
    assert.deepEqual(errors, []);
  });
  await context.close();
});

test("another browser has its own list and sees none of this one's", async () => {
  const first = await shared.browser.newContext();
  const second = await shared.browser.newContext();
  const a = await h.openLive(first, shared.server.url + page_path);
  const b = await h.openLive(second, shared.server.url + page_path);
  await h.withScreenshots("tasks-groups", [a, b], async () => {
    await add(a, "only in the first browser");
    await add(b, "only in the second browser");
    await waitForTasks(a, ["[ ] only in the first browser"]);
    await waitForTasks(b, ["[ ] only in the second browser"]);
    await a.waitForTimeout(300);  // a leak would have arrived by now
    assert.deepEqual(await tasks(a), ["[ ] only in the first browser"]);
    const late = await h.openLive(second, shared.server.url + page_path);
    assert.deepEqual(await tasks(late), ["[ ] only in the second browser"]);
  });
  await first.close();
  await second.close();
});

test("titles show as typed, and a bad one is refused with its reason on the sender only", async () => {
  const context = await shared.browser.newContext();
  const writer = await h.openLive(context, shared.server.url + page_path);
  const reader = await h.openLive(context, shared.server.url + page_path);
  let dialogs = 0;
  for (const page of [writer, reader]) page.on("dialog", (d) => { dialogs++; d.dismiss(); });
  await h.withScreenshots("tasks-titles", [writer, reader], async () => {
    const evil = `<img src=x onerror="alert(1)"> & {{.Secret}} 😀`;
    await add(writer, evil);
    const emoji = "🎉".repeat(200);  // 200 code points, 400 UTF-16 units: still a valid title
    await add(writer, emoji);
    await waitForTasks(reader, [`[ ] ${evil}`, `[ ] ${emoji}`]);
    assert.equal(await reader.$$eval("#tasks img", (e) => e.length), 0);

    await writer.fill("#new-title", "x".repeat(201));
    await writer.click("button[name=add]");
    await writer.waitForSelector("p.error", { timeout: 15_000 });
    assert.equal(await writer.innerText("p.error"), "A title must be at most 200 characters");
    assert.equal(await writer.inputValue("#new-title"), "x".repeat(201), "a refused form keeps its text");
    await reader.waitForTimeout(300);
    assert.equal(await reader.$("p.error"), null);
    assert.equal((await tasks(reader)).length, 2);

    await add(writer, "fine");
    await writer.waitForSelector("p.error", { state: "detached", timeout: 15_000 });
    assert.equal(dialogs, 0);
  });
  await context.close();
});

test("without JavaScript, the plain forms add and toggle tasks", async () => {
  const context = await shared.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await h.withScreenshots("tasks-no-js", [page], async () => {
    await page.goto(shared.server.url + page_path);
    await page.fill("#new-title", "typed without JavaScript");
    await Promise.all([page.waitForNavigation(), page.click("button[name=add]")]);
    assert.deepEqual(await tasks(page), ["[ ] typed without JavaScript"]);
    await Promise.all([page.waitForNavigation(), page.click("#tasks li button[name=toggle]")]);
    assert.deepEqual(await tasks(page), ["[x] typed without JavaScript"]);
  });
  await context.close();
});
