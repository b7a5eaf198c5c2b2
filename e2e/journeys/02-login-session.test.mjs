// Journey 2: signing in and out. A wrong password says so; the right one goes where the operator was
// going; logging out ends the session; an idle session (SMARTMON_SESSION_IDLE_MINUTES=1, the shortest)
// sends the operator to the login page and, after logging in, on to the page they asked for.
import assert from "node:assert/strict";

import { ADMIN_PASSWORD, journey } from "../harness/journey.mjs";

const IDLE_MS = 60_000;

journey("02-login-session", "login: wrong then right password, logout, and an expired session resumes where it was going",
  { env: { SMARTMON_SESSION_IDLE_MINUTES: "1" }, timeout: 150_000 }, async ({ page, goto, submitLogin, guard }) => {
    await goto("/services?q=cron");
    const login = new URL(page.url());
    assert.equal(login.pathname, "/login");
    assert.equal(login.searchParams.get("next"), "/services?q=cron");

    await guard.during(/status of 401/, () => submitLogin("admin", "not the password"), page);
    assert.equal(new URL(page.url()).pathname, "/login");
    assert.equal((await page.locator("[role=alert]").textContent()).trim(), "Wrong username or password.");
    assert.equal(await page.inputValue("input[name=username]"), "admin", "the username stays filled in");

    await submitLogin("admin", ADMIN_PASSWORD);
    assert.equal(new URL(page.url()).pathname + new URL(page.url()).search, "/services?q=cron");
    assert.equal(await page.inputValue("input[name=q]"), "cron");
    assert.match(await page.locator(".account").textContent(), /admin · admin/);

    await Promise.all([page.waitForNavigation(), page.click("text=Log out")]);
    assert.equal(new URL(page.url()).pathname, "/login");
    await goto("/hosts");
    assert.equal(new URL(page.url()).pathname, "/login", "after logout the console asks for a login again");

    await submitLogin("admin", ADMIN_PASSWORD);
    assert.equal(new URL(page.url()).pathname, "/hosts");

    // The operator leaves the page open and walks away for longer than the idle limit.
    await page.waitForTimeout(IDLE_MS + 2_000);
    await Promise.all([page.waitForNavigation(), page.click("nav a[href='/services']")]);
    const back = new URL(page.url());
    assert.equal(back.pathname, "/login", "an idle session no longer opens pages");
    assert.equal(back.searchParams.get("next"), "/services");

    await submitLogin("admin", ADMIN_PASSWORD);
    assert.equal(new URL(page.url()).pathname, "/services", "after logging in again the operator is where they were going");
    assert.equal(await page.locator("main h1").textContent(), "Services");
  });
