// Journey 3: the services table updates live. The operator types a filter; systemd (the double) flips a
// unit to failed; its row changes and is marked in place, without a reload, and the filter stays applied.
import assert from "node:assert/strict";

import { HOST, journey } from "../harness/journey.mjs";
import { sql } from "../harness/postgres.mjs";
import { eventually } from "../harness/wait.mjs";

const UNITS = ["nginx.service", "prometheus-nginx-exporter.service", "cron.service", "ssh.service", "postgresql.service"];
const row = (page, unit) => page.locator(`[id="svc:${HOST}:${unit}"]`);
const shownUnits = (page) => page.locator("#services tbody tr td:nth-child(2)").allTextContents();

journey("03-live-services", "services table: a unit that fails is updated live while a typed filter stays applied",
  { units: UNITS }, async ({ page, goto, login, bus, directDatabaseUrl }) => {
    await eventually("the collector to report every unit of the double", async () =>
      (await sql(directDatabaseUrl, `SELECT count(*) FROM service_current WHERE hostname = '${HOST}'`))[0][0] === String(UNITS.length));
    await login("admin", undefined, "/services");
    assert.equal((await shownUnits(page)).length, UNITS.length);

    await page.locator("input[name=q]").pressSequentially("nginx", { delay: 40 });
    await eventually("the filter to apply", async () =>
      JSON.stringify(await shownUnits(page)) === JSON.stringify(["nginx.service", "prometheus-nginx-exporter.service"]));
    assert.equal(new URL(page.url()).searchParams.get("q"), "nginx", "the filter is in the address bar");
    assert.equal(await row(page, "nginx.service").getAttribute("class"), "state-running");
    await page.evaluate(() => { window.__sameDocument = true; });

    await bus.setState("nginx.service", "failed", "failed");
    await eventually("the nginx row to show failed", async () =>
      (await row(page, "nginx.service").getAttribute("class"))?.split(" ").includes("state-failed"));
    assert.equal((await row(page, "nginx.service").locator(".badge").textContent()).trim(), "failed");
    assert.equal((await row(page, "nginx.service").locator("td:nth-child(4)").textContent()).trim(), "failed");

    // A unit outside the filter fails too; a later change inside it proves the first was processed.
    await bus.setState("cron.service", "failed", "failed");
    await bus.setState("prometheus-nginx-exporter.service", "activating", "start");
    await eventually("the exporter row to show transitioning", async () =>
      (await row(page, "prometheus-nginx-exporter.service").locator(".badge").textContent()).trim() === "transitioning");
    assert.deepEqual(await shownUnits(page), ["nginx.service", "prometheus-nginx-exporter.service"],
      "the failed cron unit does not break into the filtered table");

    assert.equal(await page.evaluate(() => window.__sameDocument), true, "the page was not reloaded");
    assert.equal(await page.inputValue("input[name=q]"), "nginx");
    assert.equal(new URL(page.url()).searchParams.get("q"), "nginx");
  });
