// Journey 4: a restart in DRY_RUN (the default). The confirmation names host and unit and says DRY RUN;
// the result says "dry run"; the audit page shows the request; systemd (the double) received no call.
import assert from "node:assert/strict";

import { approvedFile } from "../harness/approved.mjs";
import { HOST, journey } from "../harness/journey.mjs";
import { sql } from "../harness/postgres.mjs";
import { eventually } from "../harness/wait.mjs";

const UNIT = "nginx.service";

journey("04-restart-dry-run", "restart in dry run: confirmation, a dry-run result, the audit row, and no call to systemd",
  { units: [UNIT], env: { SMARTMON_APPROVED_JSON: approvedFile([UNIT]) } },
  async ({ page, goto, login, bus, directDatabaseUrl }) => {
    await eventually("the collector to report nginx", async () =>
      (await sql(directDatabaseUrl, `SELECT count(*) FROM service_current WHERE service_name = '${UNIT}'`))[0][0] === "1");
    await login("admin", undefined, `/services/${HOST}/${UNIT}`);
    assert.match(await page.locator("#restart-panel").textContent(), /DRY RUN/, "the panel says DRY RUN is on");

    await page.getByRole("link", { name: `Restart ${UNIT}…` }).click();
    const confirmation = page.locator("#restart-panel");
    await confirmation.getByRole("heading", { name: `Restart ${UNIT} on ${HOST}?` }).waitFor();
    assert.match(await confirmation.textContent(), /DRY RUN: nothing will be restarted/);

    await page.getByRole("button", { name: "Confirm restart (dry run)" }).click();
    const toast = page.locator("#restart-panel [data-restart-state]");
    await toast.waitFor();
    assert.equal(await toast.getAttribute("data-restart-state"), "dry_run");
    assert.match(await toast.textContent(), /dry run/i);
    await eventually("the history to list the dry run", async () =>
      /dry run/.test(await page.locator("#restart-history").textContent()));

    await goto(`/audit?action=restart_dry_run`);
    const audit = await page.locator("#audit tbody").textContent();
    assert.match(audit, /restart_dry_run/);
    assert.match(audit, new RegExp(UNIT.replace(".", "\\.")));
    assert.match(audit, /admin/);
    assert.deepEqual(await bus.restarts(), [], "systemd received no RestartUnit call");
  });
