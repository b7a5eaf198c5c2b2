// Screenshots of the console for the docs: node screenshots.mjs BASE_URL OUT_DIR [user password]
// Takes overview, services and host detail in light and dark themes at 1366×768, plus a phone view.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const [base = "http://127.0.0.1:5003", out = "../docs/screenshots", user, password] = process.argv.slice(2);
const pages = (process.env.PAGES || "overview=/,services=/services,host-detail=/hosts/host001?range=24h").split(",");
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"],
});
try {
  for (const scheme of ["light", "dark"]) {
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, colorScheme: scheme });
    const page = await context.newPage();
    if (user) {
      await page.goto(`${base}/login`);
      await page.fill("input[name=username]", user);
      await page.fill("input[name=password]", password);
      await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
    }
    for (const entry of pages) {
      const [name, path] = [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)];
      await page.goto(base + path, { waitUntil: "networkidle" });
      await page.screenshot({ path: `${out}/${name}-${scheme}.png`, fullPage: false });
      console.log(`${out}/${name}-${scheme}.png`);
    }
    await context.close();
  }
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true });
  const page = await phone.newPage();
  if (user) {
    await page.goto(`${base}/login`);
    await page.fill("input[name=username]", user);
    await page.fill("input[name=password]", password);
    await Promise.all([page.waitForNavigation(), page.click("button[type=submit]")]);
  }
  const [name, path] = [pages[0].slice(0, pages[0].indexOf("=")), pages[0].slice(pages[0].indexOf("=") + 1)];
  await page.goto(base + path, { waitUntil: "networkidle" });
  await page.screenshot({ path: `${out}/${name}-phone.png` });
  console.log(`${out}/${name}-phone.png`);
} finally {
  await browser.close();
}
