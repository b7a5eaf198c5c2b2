// The guard every journey relies on, proven on a real page: an inline script (blocked by smartmon's
// Content-Security-Policy), a console error and an uncaught exception are each reported as problems.
import assert from "node:assert/strict";

import { journey } from "../harness/journey.mjs";
import { eventually } from "../harness/wait.mjs";

journey("00-guard", "guard: CSP violations, console errors and page errors on a page are caught", {},
  async ({ page, goto, guard }) => {
    await goto("/login");
    assert.deepEqual(guard.problems, [], "the login page itself is clean");

    await page.evaluate(() => {
      const script = document.createElement("script");
      script.textContent = "window.__injected = true;";
      document.body.append(script);
      console.error("something broke");
      setTimeout(() => { throw new Error("nobody caught this"); }, 0);
    });
    await eventually("the three problems to be reported", () => guard.problems.length >= 4);
    assert.equal(await page.evaluate(() => window.__injected), undefined, "the CSP blocked the inline script");
    const report = guard.problems.join("\n");
    assert.match(report, /CSP violation on .*\/login: script-src-elem blocked inline/);
    assert.match(report, /console error: Executing inline script violates .*Content Security Policy/);
    assert.match(report, /console error: something broke/);
    assert.match(report, /page error on .*: nobody caught this/);
    assert.throws(() => guard.assertClean(), /reported 4 problem/);

    guard.problems.length = 0;
    await goto("/login");
  });
