// One journey = one node test with its own stack: a fresh Postgres database (optionally behind a proxy
// the journey can cut), the systemd double when the journey needs units, `smartmon serve` on a free port,
// and a browser context whose console and CSP are guarded. The final state is saved as a screenshot.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

import { artifactsDir } from "./binaries.mjs";
import { Guard, launch } from "./browser.mjs";
import { FakeSystemd } from "./fake-systemd.mjs";
import { createDatabase } from "./postgres.mjs";
import { startProxy } from "./proxy.mjs";
import { Smartmon, baseEnv } from "./smartmon.mjs";

export const ADMIN_PASSWORD = "correct horse battery staple";
export const HOST = "web01";

/**
 * Declares a journey. Options: `env` (extra server variables), `units` (serve these through the systemd
 * double and collect them as host web01), `firstRun` (no SMARTMON_ADMIN_PASSWORD: setup token instead),
 * `proxy` (reach the database through a cuttable proxy), `colorScheme`, `timeout` (ms).
 */
export function journey(slug, title, options, body) {
  test(title, { timeout: options.timeout ?? 90_000 }, async () => {
    const cleanup = [];
    let ctx;
    let failed = true;
    try {
      ctx = await setUp(options, cleanup);
      await body(ctx);
      ctx.guard.assertClean();
      failed = false;
    } finally {
      mkdirSync(artifactsDir, { recursive: true });
      if (ctx?.page) {
        await ctx.page.screenshot({ path: path.join(artifactsDir, `${slug}.png`), fullPage: true }).catch(() => {});
      }
      if (failed && ctx?.server) writeFileSync(path.join(artifactsDir, `${slug}-smartmon.log`), ctx.server.log());
      for (const step of cleanup.reverse()) await step().catch(() => {});
    }
  });
}

async function setUp(options, cleanup) {
  const db = await createDatabase();
  cleanup.push(() => db.drop());
  let url = db.url;
  let proxy;
  if (options.proxy) {
    proxy = await startProxy(db.address());
    cleanup.push(() => proxy.close());
    const through = new URL(db.url);
    through.host = `${proxy.host}:${proxy.port}`;
    url = through.toString();
  }
  const env = { ...baseEnv(url) };
  if (!options.firstRun) env.SMARTMON_ADMIN_PASSWORD = ADMIN_PASSWORD;
  let bus;
  if (options.units) {
    bus = await FakeSystemd.start(options.units);
    cleanup.push(() => bus.stop());
    Object.assign(env, {
      SMARTMON_COLLECT: "true",
      DBUS_SYSTEM_BUS_ADDRESS: bus.address,
      HOSTNAME_OVERRIDE: HOST,
      SMART_INTERVAL: "86400",
    });
  }
  Object.assign(env, options.env ?? {});
  const server = await Smartmon.serve(env);
  cleanup.push(() => server.stop());
  const browser = await launch();
  cleanup.push(() => browser.close());
  const context = await browser.newContext({
    viewport: { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? "light",
    reducedMotion: "reduce",
  });
  const guard = new Guard();
  await guard.attach(context);
  const page = await context.newPage();
  /** Fills and submits the login form on the current page. */
  const submitLogin = async (username, password) => {
    await page.fill("input[name=username]", username);
    await page.fill("input[name=password]", password);
    await Promise.all([page.waitForNavigation(), page.click("form[action='/login'] button[type=submit]")]);
  };
  return {
    db, proxy,
    /** The journey's database itself, not through the proxy (for seeding and checking rows). */
    directDatabaseUrl: db.url,
    bus, server, browser, context, guard, page,
    base: server.url,
    /** Opens `path` on the server. */
    goto: (p) => page.goto(server.url + p),
    submitLogin,
    /** Logs in through /login and lands on `next`. */
    async login(username = "admin", password = ADMIN_PASSWORD, next = "/") {
      await page.goto(`${server.url}/login?next=${encodeURIComponent(next)}`);
      await submitLogin(username, password);
    },
  };
}
