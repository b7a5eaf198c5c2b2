// Journey 8: too many login attempts from one address. With SMARTMON_LOGIN_RATE_PER_MINUTE=3, three wrong
// passwords say "wrong"; the fourth attempt, even with the right password, gets the rate-limit page.
import assert from "node:assert/strict";

import { ADMIN_PASSWORD, journey } from "../harness/journey.mjs";
import { sql } from "../harness/postgres.mjs";

journey("08-login-rate-limit", "login rate limit: too many attempts show the rate-limit message",
  { env: { SMARTMON_LOGIN_RATE_PER_MINUTE: "3" } }, async ({ page, goto, submitLogin, guard, directDatabaseUrl }) => {
    await goto("/login");
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await guard.during(/status of 401/, () => submitLogin("admin", `guess number ${attempt}`), page);
      assert.equal((await page.locator("[role=alert]").textContent()).trim(), "Wrong username or password.",
        `attempt ${attempt} is an ordinary failure`);
    }

    await guard.during(/status of 429/, () => submitLogin("admin", ADMIN_PASSWORD), page);
    assert.equal(new URL(page.url()).pathname, "/login");
    assert.equal(await page.locator("main h1").textContent(), "Too many requests");
    assert.match(await page.locator("main").textContent(),
      /Too many login attempts from your address\. Try again in \d+ seconds\./);
    assert.equal(await page.locator(".account").count(), 0, "nobody is signed in");

    const audited = await sql(directDatabaseUrl,
      "SELECT action, target FROM audit_log WHERE action IN ('login_failed', 'rate_limited') ORDER BY id");
    assert.deepEqual(audited.map(([action]) => action), ["login_failed", "login_failed", "login_failed", "rate_limited"]);
    assert.equal(audited[3][1], "POST /login");
  });
