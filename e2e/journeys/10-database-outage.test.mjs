// Journey 10: the database goes away (a proxy between smartmon and Postgres is cut, as the Rust tests do
// with tests/support/proxy.rs). Open pages show the outage banner, pages opened during the outage explain
// it instead of failing, and when the database is back everything recovers without a reload.
import assert from "node:assert/strict";

import { HOST, journey } from "../harness/journey.mjs";
import { sql } from "../harness/postgres.mjs";
import { eventually } from "../harness/wait.mjs";

const banner = (page) => page.locator("#db-status [data-database=down]");

journey("10-database-outage", "database outage: the banner replaces errors, and pages recover without a reload",
  { units: ["nginx.service", "cron.service"], proxy: true }, async ({ page, login, proxy, guard, directDatabaseUrl }) => {
    await eventually("the collector to report its units", async () =>
      (await sql(directDatabaseUrl, `SELECT count(*) FROM service_current WHERE hostname = '${HOST}'`))[0][0] === "2");
    await login("admin", undefined, "/services");
    assert.equal(await banner(page).count(), 0);
    await page.evaluate(() => { window.__sameDocument = true; });

    proxy.cut();
    await eventually("the open page to show the outage banner", () => banner(page).isVisible(), 10_000);
    assert.match(await banner(page).textContent(), /Database unreachable/);
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "the banner arrived without a reload");

    const during = await guard.during(/status of 503/, () =>
      Promise.all([page.waitForNavigation(), page.click("nav a[href='/hosts']")]).then(([response]) => response), page);
    assert.equal(during.status(), 503);
    assert.ok(await banner(page).isVisible(), "a page opened during the outage shows the banner");
    assert.equal(await page.locator("main h1").textContent(), "The database is unreachable");
    assert.doesNotMatch(await page.locator("main").textContent(), /Something went wrong/);
    await page.evaluate(() => { window.__sameDocument = true; });

    proxy.restore();
    await eventually("the banner to go", async () => (await banner(page).count()) === 0, 15_000);
    await eventually("the hosts page to replace the outage page", async () =>
      (await page.locator("main h1").textContent()) === "Hosts", 10_000);
    assert.ok(await page.locator(`[id="host:${HOST}"]`).isVisible(), "the host is listed again");
    assert.equal(await page.evaluate(() => window.__sameDocument), true, "it recovered without a reload");
    assert.equal(new URL(page.url()).pathname, "/hosts");
  });
