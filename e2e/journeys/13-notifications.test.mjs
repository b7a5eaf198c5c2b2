// Journey 12: notifications. The admin adds a webhook channel on the Notifications page, presses Test and
// sees the receiver's answer; a unit fails and one message arrives, it recovers and the recovery arrives,
// and the delivery log shows both.
import assert from "node:assert/strict";
import http from "node:http";

import { HOST, journey } from "../harness/journey.mjs";
import { eventually } from "../harness/wait.mjs";

/** A webhook receiver on loopback that records each request's body. */
async function receiver() {
  const received = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => { body += chunk; });
    req.on("end", () => {
      received.push({ path: req.url, body: JSON.parse(body) });
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("received");
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${server.address().port}/hooks/ops-secret`, received, close: () => server.close() };
}

journey("13-notifications", "notifications: add a webhook, Test it, a failure and its recovery arrive once each",
  { units: ["nginx.service"] }, async ({ page, login, bus }) => {
    const hook = await receiver();
    try {
      await login("admin", undefined, "/admin/notifications");
      const form = page.locator("form#add-channel");
      await form.locator("input[name=name]").fill("ops");
      await form.locator("select[name=preset]").selectOption("slack");
      await form.locator("input[name=url]").fill(hook.url);
      await form.locator("input[name=grace_secs]").fill("0");
      await Promise.all([page.waitForNavigation(), form.locator("button[type=submit]").click()]);
      const channels = await page.locator("table#channels").textContent();
      assert.match(channels, /ops/);
      assert.match(channels, /url: set/);
      assert.doesNotMatch(await page.content(), /ops-secret/, "the webhook URL is never shown again");

      await Promise.all([page.waitForNavigation(), page.locator("table#channels button", { hasText: "Test" }).click()]);
      const result = await page.locator("#test-result").textContent();
      assert.match(result, /Test of ops: delivered/);
      assert.match(result, /HTTP 200/);
      assert.match(result, /received/);
      assert.equal(hook.received.length, 1);
      assert.match(hook.received[0].body.text, /test message/);

      await bus.setState("nginx.service", "failed", "failed");
      await eventually("the failure to arrive", async () => hook.received.length === 2);
      assert.match(hook.received[1].body.text, new RegExp(`CRITICAL ${HOST}: nginx\\.service is failed`));
      await bus.setState("nginx.service", "active", "running");
      await eventually("the recovery to arrive", async () => hook.received.length === 3);
      assert.match(hook.received[2].body.text, /RESOLVED/);
      assert.match(hook.received[2].body.text, /nginx\.service recovered/);

      await page.goto(`${new URL(page.url()).origin}/admin/notifications?status=delivered`);
      const log = await page.locator("table#deliveries").textContent();
      assert.match(log, /opened/);
      assert.match(log, /resolved/);
      assert.equal(await page.locator("table#deliveries tbody tr").count(), 3, "test, failure, recovery");
      assert.equal(hook.received.length, 3, "nothing was sent twice");
    } finally {
      hook.close();
    }
  });
