// Journey 1: first run. No users exist; the operator copies the setup token the server printed, creates
// the first admin at /setup and lands on the overview, signed in. Setup is closed from then on.
import assert from "node:assert/strict";

import { journey } from "../harness/journey.mjs";

journey("01-first-run", "first run: the printed setup token creates the admin, who lands on the overview",
  { firstRun: true }, async ({ page, goto, server, guard }) => {
    const token = await server.setupToken();

    await goto("/setup");
    assert.equal(await page.locator("h1").textContent(), "Create the first admin");
    await page.fill("input[name=token]", "not-the-token");
    await page.fill("input[name=username]", "alice");
    await page.fill("input[name=password]", "a long enough password");
    await page.fill("input[name=confirm]", "a long enough password");
    await guard.during(/status of 403/, () => Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]), page);
    assert.match(await page.locator("[role=alert]").textContent(), /not the setup token printed/);

    await page.fill("input[name=token]", token);
    await page.fill("input[name=password]", "a long enough password");
    await page.fill("input[name=confirm]", "a long enough password");
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);

    assert.equal(new URL(page.url()).pathname, "/");
    assert.equal(await page.locator("main h1").first().textContent(), "Overview");
    assert.match(await page.locator(".account").textContent(), /alice · admin/);
    assert.ok(await page.locator("nav a[href='/users']").isVisible(), "an admin sees the Users page in the menu");

    const again = await guard.during(/status of 404/, () => goto("/setup"), page);
    assert.equal(again.status(), 404);
    assert.match(await page.locator("main").textContent(), /Setup is finished/);
    await goto("/");
  });
