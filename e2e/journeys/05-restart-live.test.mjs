// Journey 5: a real restart (DRY_RUN=false) of a failed unit. systemd (the double) runs the job; the unit
// is running again on screen and the restart history records success.
import assert from "node:assert/strict";

import { approvedFile } from "../harness/approved.mjs";
import { HOST, journey } from "../harness/journey.mjs";
import { sql } from "../harness/postgres.mjs";
import { eventually } from "../harness/wait.mjs";

const UNIT = "nginx.service";
const row = (page) => page.locator(`[id="svc:${HOST}:${UNIT}"]`);

journey("05-restart-live", "restart for real: the failed unit returns to running on screen and the history shows success",
  { units: [`${UNIT}=failed/failed`], env: { DRY_RUN: "false", SMARTMON_APPROVED_JSON: approvedFile({ allow: [{ host: HOST, service: UNIT }] }) } },
  async ({ page, goto, login, bus, directDatabaseUrl }) => {
    await eventually("the collector to report nginx as failed", async () =>
      (await sql(directDatabaseUrl, `SELECT normalized_status FROM service_current WHERE service_name = '${UNIT}'`))[0]?.[0] === "failed");
    await bus.setRestartOutcome("done", "active", "running");
    await login("admin", undefined, `/services/${HOST}/${UNIT}`);
    assert.doesNotMatch(await page.locator("header").textContent(), /DRY RUN/, "live mode: no dry-run pill");

    await page.getByRole("link", { name: `Restart ${UNIT}…` }).click();
    const confirmation = page.locator("#restart-panel");
    await confirmation.getByRole("heading", { name: `Restart ${UNIT} on ${HOST}?` }).waitFor();
    assert.match(await confirmation.textContent(), new RegExp(`systemd will restart ${UNIT.replace(".", "\\.")} on ${HOST} now`));
    await page.getByRole("button", { name: "Confirm restart" }).click();

    const toast = page.locator("#restart-panel [data-restart-state]");
    await toast.waitFor();
    assert.equal(await toast.getAttribute("data-restart-state"), "done");
    await eventually("the history to record the success", async () =>
      /done/.test(await page.locator("#restart-history tbody").textContent()));
    assert.deepEqual((await bus.restarts()).map((r) => r.unit), [UNIT], "exactly one RestartUnit call");

    await goto(`/services?q=nginx`);
    await eventually("the services table to show nginx running", async () =>
      (await row(page).getAttribute("class"))?.split(" ").includes("state-running"));
    assert.equal((await row(page).locator(".badge").textContent()).trim(), "running");
  });
