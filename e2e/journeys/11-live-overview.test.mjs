// Journey 11: the overview is pushed, not re-fetched. With the overview open, systemd (the double) fails a
// unit; the "Services failed" tile and the failed-units list update in place from the server's `part`
// frame on the page's one event stream, and the page makes no other request to get there.
import assert from "node:assert/strict";

import { HOST, journey } from "../harness/journey.mjs";
import { sql } from "../harness/postgres.mjs";
import { eventually } from "../harness/wait.mjs";

const UNITS = ["nginx.service", "cron.service", "ssh.service"];
const failedTile = (page) => page.locator('#overview a[href="/services?state=failed"] .tile-value');

journey("11-live-overview", "overview: a unit that fails updates the tiles from a pushed fragment, with no extra request",
  { units: UNITS }, async ({ page, login, bus, directDatabaseUrl }) => {
    await eventually("the collector to report every unit of the double", async () =>
      (await sql(directDatabaseUrl, `SELECT count(*) FROM service_current WHERE hostname = '${HOST}'`))[0][0] === String(UNITS.length));
    await login("admin", undefined, "/");
    await eventually("the overview to count no failed unit", async () =>
      (await failedTile(page).textContent())?.trim() === "0");
    await page.evaluate(() => { window.__sameDocument = true; });

    const requests = [];
    page.on("request", (request) => {
      const url = new URL(request.url());
      if (url.pathname !== "/events") requests.push(`${request.method()} ${url.pathname}${url.search}`);
    });

    await bus.setState("nginx.service", "failed", "failed");
    await eventually("the failed tile to count the unit", async () =>
      (await failedTile(page).textContent())?.trim() === "1");
    await eventually("the failed unit to be listed", async () =>
      (await page.locator(`#overview [id="svc:${HOST}:nginx.service"]`).count()) === 1);
    // Longer than the page's old 1.5 s refresh throttle: a re-fetch would have shown up by now.
    await page.waitForTimeout(2000);

    assert.deepEqual(requests, [], "the page asked the server for nothing but its event stream");
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
  });
