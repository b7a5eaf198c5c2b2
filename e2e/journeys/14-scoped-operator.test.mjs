// Journey 14: a scoped operator. An admin adds a viewer and, on the Grants page, lets her read logs of and
// restart nginx.service on web01 and nothing else. She sees a Restart button on nginx's page and none on
// cron's, reads nginx's failure in its log live, restarts it for real (DRY_RUN=false) and sees it running.
import assert from "node:assert/strict";

import { approvedFile } from "../harness/approved.mjs";
import { Journal } from "../harness/journal.mjs";
import { HOST, journey } from "../harness/journey.mjs";
import { sql } from "../harness/postgres.mjs";
import { eventually } from "../harness/wait.mjs";

const UNIT = "nginx.service";
const OTHER = "cron.service";
const SCOPED = { name: "wendy", password: "scoped operator 42" };
const journal = new Journal();
journal.write(UNIT, 6, 812, "nginx started");

journey("14-scoped-operator", "scoped operator: a viewer with a grant restarts her unit, reads its log live, and has no button elsewhere",
  {
    units: [`${UNIT}=failed/failed`, `${OTHER}=failed/failed`],
    env: {
      ...journal.env(),
      DRY_RUN: "false",
      SMARTMON_LOGS_NEED_GRANT: "true",
      SMARTMON_APPROVED_JSON: approvedFile({ allow: [{ host: HOST, service: UNIT }, { host: HOST, service: OTHER }] }),
    },
  },
  async ({ page, goto, login, bus, guard, directDatabaseUrl }) => {
    await eventually("the collector to report both units as failed", async () =>
      (await sql(directDatabaseUrl, "SELECT count(*) FROM service_current WHERE normalized_status = 'failed'"))[0][0] === "2");
    await bus.setRestartOutcome("done", "active", "running");

    // The admin adds the viewer, then her grant, from the Users page's link.
    await login("admin", undefined, "/users");
    await page.fill("form[action='/users'] input[name=username]", SCOPED.name);
    await page.fill("form[action='/users'] input[name=password]", SCOPED.password);
    await page.selectOption("form[action='/users'] select[name=role]", "viewer");
    await Promise.all([page.waitForNavigation(), page.click("form[action='/users'] button[type=submit]")]);
    await Promise.all([page.waitForNavigation(), page.getByRole("link", { name: "Grants" }).click()]);
    await page.selectOption("select[name=subject_kind]", "user");
    await page.fill("input[name=subject]", SCOPED.name);
    await page.fill("input[name=host_pattern]", HOST);
    await page.fill("input[name=unit_pattern]", "nginx*");
    await page.check("input[name=logs]");
    await page.check("input[name=restart]");
    await Promise.all([page.waitForNavigation(), page.click("form[action='/admin/grants'] button[type=submit]")]);
    assert.match(await page.locator("table.grants").textContent(), /wendy[\s\S]*nginx\*[\s\S]*logs, restart/);
    await Promise.all([page.waitForNavigation(), page.click("text=Log out")]);

    // No button, and no log, where her grant does not reach.
    await login(SCOPED.name, SCOPED.password, `/services/${HOST}/${OTHER}`);
    assert.match(await page.locator(".account").textContent(), /wendy · viewer/);
    assert.equal(await page.getByRole("link", { name: /Restart|Start/ }).count(), 0, "no action on cron");
    assert.match(await page.locator("#restart-panel").textContent(), /no grant to restart cron\.service on web01/);
    assert.match(await page.locator("main").textContent(), /no grant to read the logs of cron\.service/);

    // Her unit: the Restart button, and its log, live.
    await goto(`/services/${HOST}/${UNIT}`);
    assert.equal(await page.getByRole("link", { name: `Restart ${UNIT}…` }).count(), 1, "a Restart button on nginx");
    const log = page.locator("#journal-lines");
    assert.match(await log.textContent(), /nginx started/);
    await page.evaluate(() => { window.__sameDocument = true; });
    const failure = "bind() to 0.0.0.0:80 failed (98: Address already in use)";
    journal.write(UNIT, 2, 812, failure);
    await eventually("the failure's line in the log, live", async () => (await log.textContent()).includes(failure));
    assert.equal(await page.locator("#journal-lines li.prio-2").count(), 1, "marked critical");
    assert.ok(await page.evaluate(() => window.__sameDocument), "no reload");

    // She restarts it, for real, and sees it running.
    await page.getByRole("link", { name: `Restart ${UNIT}…` }).click();
    await page.locator("#restart-panel").getByRole("heading", { name: `Restart ${UNIT} on ${HOST}?` }).waitFor();
    await page.getByRole("button", { name: "Confirm restart" }).click();
    const toast = page.locator("#restart-panel [data-restart-state]");
    await toast.waitFor();
    assert.equal(await toast.getAttribute("data-restart-state"), "done");
    assert.deepEqual((await bus.restarts()).map((r) => r.unit), [UNIT], "exactly one RestartUnit call, for nginx");
    await goto(`/services?q=nginx`);
    const row = page.locator(`[id="svc:${HOST}:${UNIT}"]`);
    await eventually("the services table to show nginx running", async () =>
      (await row.getAttribute("class"))?.split(" ").includes("state-running"));

    // A restart of cron crafted by hand is refused with the reason, and audited.
    const refused = await guard.during(/status of 403/, () => page.evaluate(async (path) => {
      const token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"];
      const response = await fetch(path, { method: "POST", headers: { "X-CSRF-Token": token } });
      return { status: response.status, text: await response.text() };
    }, `/services/${HOST}/${OTHER}/restart`), page);
    assert.equal(refused.status, 403);
    assert.match(refused.text, /no grant to restart cron\.service on web01/);
    assert.deepEqual((await bus.restarts()).map((r) => r.unit), [UNIT], "cron was not restarted");
    const denied = await sql(directDatabaseUrl,
      "SELECT count(*) FROM audit_log WHERE username = 'wendy' AND action = 'access_denied'");
    assert.ok(Number(denied[0][0]) >= 1, "the refusal is in the audit log");
  });
