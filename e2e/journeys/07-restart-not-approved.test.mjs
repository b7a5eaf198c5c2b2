// Journey 7: a unit outside the allow-list. Its page says why it cannot be restarted, and a restart
// requested by hand is refused with the reason; systemd (the double) receives nothing.
import assert from "node:assert/strict";

import { approvedFile } from "../harness/approved.mjs";
import { HOST, journey } from "../harness/journey.mjs";
import { sql } from "../harness/postgres.mjs";
import { eventually } from "../harness/wait.mjs";

const UNIT = "cron.service";

journey("07-restart-not-approved", "a unit outside the allow-list cannot be restarted, and the page says why",
  { units: [UNIT, "nginx.service"], env: { DRY_RUN: "false", SMARTMON_APPROVED_JSON: approvedFile(["nginx.service"]) } },
  async ({ page, login, bus, guard, directDatabaseUrl }) => {
    await eventually("the collector to report cron", async () =>
      (await sql(directDatabaseUrl, `SELECT count(*) FROM service_current WHERE service_name = '${UNIT}'`))[0][0] === "1");
    await login("admin", undefined, `/services/${HOST}/${UNIT}`);
    const why = page.locator("#restart-panel [data-restart=unavailable]");
    await why.waitFor();
    assert.match(await why.textContent(), /approved/i, "the page says the unit is not approved");
    assert.equal(await page.getByRole("link", { name: /Restart cron/ }).count(), 0, "no Restart control");

    const refused = await guard.during(/status of 403/, () => page.evaluate(async (path) => {
      const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"];
      const response = await fetch(path, { method: "POST", headers: { "X-CSRF-Token": token } });
      return { status: response.status, text: await response.text() };
    }, `/services/${HOST}/${UNIT}/restart`), page);
    assert.equal(refused.status, 403);
    assert.match(refused.text, /approved/i, "the refusal names the gate");
    assert.deepEqual(await bus.restarts(), [], "systemd received no RestartUnit call");
    const audit = await sql(directDatabaseUrl, `SELECT count(*) FROM audit_log WHERE action = 'restart_refused' AND target = '${UNIT}'`);
    assert.equal(audit[0][0], "1", "the refusal is audited");
  });
