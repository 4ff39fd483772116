// Shared by the end-to-end tests: a real `lvtlab serve` on a free loopback port, stopped by its
// PID, and Debian's Chromium driven by playwright-core with a fresh profile per launch.
"use strict";
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { chromium } = require("playwright-core");

const repo = path.resolve(__dirname, "../..");
const binary = process.env.LVTLAB_BINARY || path.join(repo, "build/default/cli/lvtlab");
const resultsDir = path.join(repo, "test-results");

// `listen` may name a port, to start a server again where a stopped one was.
async function startServer(flags = [], listen = "127.0.0.1:0") {
  const child = spawn(binary, ["serve", "--listen", listen, "--log-level", "warn", ...flags], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => { stderr += chunk; });
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("server did not start within 10 s: " + stderr)), 10_000);
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const found = out.match(/serving on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (found) { clearTimeout(timer); resolve(found[1]); }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}: ${stderr}`)); });
  });
  return {
    url,
    // SIGTERM, then the exit status: 0 means every socket was closed cleanly.
    // The timer is cleared on exit: a pending one would hold the test file's process open.
    stop() {
      if (child.exitCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((resolve) => {
        const killer = setTimeout(() => { child.kill("SIGKILL"); resolve(-1); }, 15_000);
        child.on("exit", (code) => { clearTimeout(killer); resolve(code); });
        process.kill(child.pid, "SIGTERM");
      });
    },
  };
}

async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
}

// Runs `body(pages)` and, when it throws, saves a screenshot of every page first.
async function withScreenshots(name, pages, body) {
  try {
    await body();
  } catch (error) {
    fs.mkdirSync(resultsDir, { recursive: true });
    for (const [i, page] of pages.entries()) {
      const file = path.join(resultsDir, `${name.replace(/\W+/g, "-")}-${i}.png`);
      await page.screenshot({ path: file, fullPage: true }).catch(() => {});
      console.error(`screenshot: ${file}`);
    }
    throw error;
  }
}

// A page is live once the client has applied the first tree. `prepare(page)` runs before it
// loads, to route its requests or sockets.
async function openLive(context, url, prepare = async () => {}) {
  const page = await context.newPage();
  await prepare(page);
  await page.goto(url);
  await page.waitForSelector("[data-lvt-id]:not([data-lvt-loading])", { timeout: 10_000 });
  return page;
}

async function join(page, name) {
  await page.fill("input[name=username]", name);
  await page.click("button[name=join]");
  await page.waitForSelector("text=Posting as", { timeout: 15_000 });
}

async function send(page, text) {
  await page.fill("input[name=text]", text);
  await page.click("button[name=send]");
}

function messages(page) {
  return page.$$eval("#messages p", (items) => items.map((p) => p.textContent));
}

async function waitForMessages(page, count) {
  await page.waitForFunction((n) => document.querySelectorAll("#messages p").length === n, count,
    { timeout: 15_000 });
  return messages(page);
}

// Polls `predicate`, a test's own state (not the page's), until it holds.
async function waitFor(predicate, timeout_ms, what) {
  const deadline = Date.now() + timeout_ms;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// Routes the page's sockets through a proxy that records what goes each way, so that a test can
// see the frames and close a socket as the server would; returns the sockets, in opening order.
// A frame from the page that `holdSent` picks waits in the socket's `held` until the test sends
// it on (a slow uplink: nothing is reordered).
async function proxySockets(page, { holdSent = () => false } = {}) {
  const sockets = [];  // each: the route's two ends, and what went each way
  await page.routeWebSocket(/\/realtime\/broadcasting/, (ws) => {
    const socket = { page: ws, server: ws.connectToServer(), sent: [], received: [], held: [] };
    ws.onMessage((message) => {
      socket.sent.push(String(message));
      if (holdSent(String(message))) socket.held.push(message);
      else socket.server.send(message);
    });
    socket.server.onMessage((message) => { socket.received.push(String(message)); ws.send(message); });
    sockets.push(socket);
  });
  return sockets;
}

// Holds every POST the page makes until `release()`; `count` says how many were made.
async function holdPosts(page) {
  let release;
  const released = new Promise((resolve) => { release = resolve; });
  const posts = { count: 0, release };
  await page.route(/\/realtime\/broadcasting/, async (route) => {
    if (route.request().method() === "POST") {
      posts.count++;
      await released;
    }
    await route.continue();
  });
  return posts;
}

// Starts a server with `flags` and a browser for one test, runs `body(run)` with `run.server` and
// `run.browser`, then stops both; the server (whichever `run.server` is by then) must exit 0.
async function withOwnServer(flags, body) {
  const assert = require("node:assert/strict");
  const run = { server: await startServer(flags), browser: null };
  try {
    run.browser = await launchBrowser();
    await body(run);
  } finally {
    await run.browser?.close();
    assert.equal(await run.server.stop(), 0, "SIGTERM exits 0");
  }
}

// Registers hooks that start one server and one browser for the file's tests and stop them
// after; returns an object whose `server` and `browser` are set once the hooks have run.
function useServerAndBrowser(flags = []) {
  const { before, after } = require("node:test");
  const assert = require("node:assert/strict");
  const shared = { server: null, browser: null };
  before(async () => {
    shared.server = await startServer(flags);
    shared.browser = await launchBrowser();
  });
  after(async () => {
    await shared.browser?.close();
    assert.equal(await shared.server?.stop(), 0, "SIGTERM exits 0");
  });
  return shared;
}

module.exports = {
  useServerAndBrowser, startServer, launchBrowser, withScreenshots, openLive, join, send, messages, waitForMessages,
  waitFor, proxySockets, holdPosts, withOwnServer };
