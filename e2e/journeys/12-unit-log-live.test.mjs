// Journey 12: a unit fails while its page is open; the failure's log lines appear in the page's log live,
// in priority colour, without a reload. Then the time from a line being written to the journal to it
// being on the page is measured over 30 lines (e2e/artifacts/log-latency.json, quoted in BENCHMARKS.md).
import assert from "node:assert/strict";
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";

import { artifactsDir } from "../harness/binaries.mjs";
import { Journal } from "../harness/journal.mjs";
import { HOST, journey } from "../harness/journey.mjs";
import { sql } from "../harness/postgres.mjs";
import { eventually } from "../harness/wait.mjs";

const UNIT = "nginx.service";
const journal = new Journal();
journal.write(UNIT, 6, 812, "nginx started");

journey("12-unit-log-live", "unit log: a unit fails and its page shows the failure's log lines live",
  { units: [UNIT], env: journal.env() },
  async ({ page, login, bus, directDatabaseUrl }) => {
    await eventually("the collector to report nginx", async () =>
      (await sql(directDatabaseUrl, `SELECT count(*) FROM service_current WHERE service_name = '${UNIT}'`))[0][0] === "1");
    await login("admin", undefined, `/services/${HOST}/${UNIT}`);
    const log = page.locator("#journal-lines");
    assert.match(await log.textContent(), /nginx started/);
    // Note when each line arrives, by its message, as the browser sees it.
    await page.evaluate(() => {
      window.__arrived = {};
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) {
          const msg = n.querySelector?.(".msg")?.textContent;
          if (msg) window.__arrived[msg] = Date.now();
        }
      }).observe(document.getElementById("journal-lines"), { childList: true });
      window.__sameDocument = true;
    });

    await bus.setState(UNIT, "failed", "failed");
    const failure = ["bind() to 0.0.0.0:80 failed (98: Address already in use)", "nginx.service: Main process exited, code=exited, status=1/FAILURE", "nginx.service: Failed with result 'exit-code'."];
    const written = failure.map((msg, i) => { const at = Date.now(); journal.write(UNIT, i === 0 ? 2 : 3, 812, msg); return at; });
    await eventually("the failure's lines on the page", async () =>
      page.evaluate((msgs) => msgs.every((m) => window.__arrived[m]), failure));
    const arrived = await page.evaluate((msgs) => msgs.map((m) => window.__arrived[m]), failure);
    console.log(`failure lines on the page after ${arrived.map((a, i) => a - written[i]).join(", ")} ms`);
    assert.equal(await page.locator("#journal-lines li.prio-3").count(), 2, "err lines are marked");
    assert.equal(await page.locator("#journal-lines li.prio-2").count(), 1, "the crit line is marked");
    assert.ok(await page.evaluate(() => window.__sameDocument), "no reload");

    // The figure: 30 lines, 100 ms apart, each timed from its write to its arrival on the page.
    const sent = [];
    for (let i = 0; i < 30; i++) {
      const msg = `latency probe ${i}`;
      sent.push([msg, Date.now()]);
      journal.write(UNIT, 6, 812, msg);
      await new Promise((r) => setTimeout(r, 100));
    }
    await eventually("every probe line on the page", async () =>
      page.evaluate((msgs) => msgs.every((m) => window.__arrived[m]), sent.map(([m]) => m)));
    const got = await page.evaluate(() => window.__arrived);
    const ms = sent.map(([m, at]) => got[m] - at).sort((a, b) => a - b);
    const pick = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
    const figures = { lines: ms.length, p50_ms: pick(0.5), p95_ms: pick(0.95), max_ms: ms[ms.length - 1], min_ms: ms[0] };
    console.log(`journal line -> page: ${JSON.stringify(figures)}`);
    mkdirSync(artifactsDir, { recursive: true });
    writeFileSync(path.join(artifactsDir, "log-latency.json"), JSON.stringify(figures, null, 2));
    assert.equal(await page.locator("#journal-lines li.log-line").count(), 1 + failure.length + 30, "each line once");
  });
