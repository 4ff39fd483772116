// When a replica's links to Redis are back, read from its /metrics: each link that reconnects
// adds one to lvt_replica_reconnects_total once it is usable (the store link once connected,
// the script load queued first; the bus once its subscriptions hold). Tests wait for that
// rather than for a fixed time, which a loaded machine can outlast.
'use strict';

async function reconnects(port) {
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const found = metrics.match(/^lvt_replica_reconnects_total (\d+)$/m);
  if (!found) throw new Error(`no lvt_replica_reconnects_total on port ${port}`);
  return Number(found[1]);
}

// Resolves once the replica on `port` counts both links back since it counted `before`.
async function linksBack(port, before, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const now = await reconnects(port);
    if (now >= before + 2) return;
    if (Date.now() > deadline) {
      throw new Error(`the replica on port ${port} reconnected ${now - before} of 2 links in ${ms} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

module.exports = { reconnects, linksBack };
