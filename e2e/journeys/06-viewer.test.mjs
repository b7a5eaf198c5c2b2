// Journey 6: a viewer. The admin adds a viewer on the Users page; the viewer sees services but no restart
// control and no admin pages, and requests crafted by hand to change state are refused.
import assert from "node:assert/strict";

import { HOST, journey } from "../harness/journey.mjs";
import { sql } from "../harness/postgres.mjs";
import { eventually } from "../harness/wait.mjs";

const VIEWER = { name: "vera", password: "viewer password 42" };

/** A POST made from the viewer's page, as a script author would craft it (with the page's CSRF token). */
function craftedPost(page, path, form, { withToken = true } = {}) {
  return page.evaluate(async ({ path, form, withToken }) => {
    const headers = { "Content-Type": "application/x-www-form-urlencoded" };
    if (withToken) headers["X-CSRF-Token"] = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"];
    const response = await fetch(path, { method: "POST", headers, body: new URLSearchParams(form) });
    return { status: response.status, text: await response.text() };
  }, { path, form, withToken });
}

journey("06-viewer", "viewer: no restart control on the service page, and crafted state-changing POSTs are refused",
  { units: ["nginx.service"] }, async ({ page, goto, login, bus, guard, directDatabaseUrl }) => {
    await login("admin", undefined, "/users");
    await page.fill("form[action='/users'] input[name=username]", VIEWER.name);
    await page.fill("form[action='/users'] input[name=password]", VIEWER.password);
    await page.selectOption("form[action='/users'] select[name=role]", "viewer");
    await Promise.all([page.waitForNavigation(), page.click("form[action='/users'] button[type=submit]")]);
    assert.match(await page.locator("table.users").textContent(), /vera/);
    await Promise.all([page.waitForNavigation(), page.click("text=Log out")]);

    await eventually("the collector to report nginx", async () =>
      (await sql(directDatabaseUrl, `SELECT count(*) FROM service_current WHERE service_name = 'nginx.service'`))[0][0] === "1");
    await login(VIEWER.name, VIEWER.password, `/services/${HOST}/nginx.service`);
    assert.equal(new URL(page.url()).pathname, `/services/${HOST}/nginx.service`);
    assert.match(await page.locator("main h1").textContent(), /nginx\.service/);
    assert.match(await page.locator(".account").textContent(), /vera · viewer/);
    assert.equal(await page.getByRole("button", { name: /restart/i }).count(), 0, "no Restart button");
    assert.equal(await page.getByRole("link", { name: /restart/i }).count(), 0, "no Restart link");
    assert.equal(await page.locator("form[action*='restart' i]").count(), 0, "no restart form");
    const menu = await page.locator("header nav").textContent();
    assert.doesNotMatch(menu, /Audit|Users/, "a viewer's menu has no operator or admin pages");

    await guard.during(/status of 40[34]/, async () => {
      const createAdmin = await craftedPost(page, "/users", { username: "mallory", password: "mallory password 1", role: "admin" });
      assert.equal(createAdmin.status, 403);
      assert.match(createAdmin.text, /This needs the admin role; you are signed in as vera \(viewer\)/);

      const promoteSelf = await craftedPost(page, `/users/${VIEWER.name}/role`, { role: "admin" });
      assert.equal(promoteSelf.status, 403);

      const restart = await craftedPost(page, `/services/${HOST}/nginx.service/restart`, {});
      assert.ok(restart.status >= 400 && restart.status < 500, `a viewer's restart POST is refused (got ${restart.status})`);

      const noToken = await craftedPost(page, "/logout", {}, { withToken: false });
      assert.equal(noToken.status, 403);
      assert.match(noToken.text, /security token is missing/);
    }, page);

    const users = await sql(directDatabaseUrl, "SELECT username, role FROM users ORDER BY username");
    assert.deepEqual(users, [["admin", "admin"], ["vera", "viewer"]], "no account was created or promoted");
    assert.deepEqual(await bus.restarts(), [], "systemd received no RestartUnit call");
    const refusals = await sql(directDatabaseUrl,
      "SELECT count(*) FROM audit_log WHERE username = 'vera' AND action = 'access_denied'");
    assert.ok(Number(refusals[0][0]) >= 2, "the refusals are in the audit log");

    const audit = await guard.during(/status of 403/, () => goto("/audit"), page);
    assert.equal(audit.status(), 403);
    assert.equal(await page.locator("main h1").textContent(), "Not allowed");
    await goto(`/services/${HOST}/nginx.service`);
  });
