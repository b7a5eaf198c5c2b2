// Debian's Chromium driven by playwright-core, and pages that fail the journey on console errors, page
// errors and Content-Security-Policy violations.
import { chromium } from "playwright-core";

/** Flags this machine needs (no sandbox as root, no GPU, nothing phoning home). */
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync"];

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: FLAGS });
}

/**
 * Records what must not happen on a page. `during(pattern, fn)` allows console errors matching `pattern`
 * while `fn` runs: a refusal the journey provokes on purpose (Chromium logs a 401, 403, 429 or 503
 * response as "Failed to load resource"). Anything else fails the journey in `assertClean()`.
 */
export class Guard {
  constructor() {
    this.problems = [];
    this.allowed = [];
    this.tolerated = [];
  }

  async attach(context) {
    await context.exposeBinding("__smartmonCspViolation", ({ page }, v) => {
      this.problems.push(`CSP violation on ${page.url()}: ${v.directive} blocked ${v.blocked || "inline"} ` +
        `(${v.source}:${v.line}) ${v.sample}`);
    });
    await context.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__smartmonCspViolation({ directive: e.violatedDirective, blocked: e.blockedURI,
          source: e.sourceFile, line: e.lineNumber, sample: e.sample });
      });
    });
    context.on("page", (page) => this.watch(page));
  }

  watch(page) {
    page.on("console", (msg) => {
      if (msg.type() !== "error") return;
      const text = `${msg.text()} (${msg.location().url || page.url()})`;
      if (this.allowed.some((pattern) => pattern.test(text))) {
        this.tolerated.push(text);
      } else {
        this.problems.push(`console error: ${text}`);
      }
    });
    page.on("pageerror", (err) => this.problems.push(`page error on ${page.url()}: ${err.message}`));
  }

  async during(pattern, fn, page) {
    this.allowed.push(pattern);
    try {
      return await fn();
    } finally {
      // Console events arrive in order: one more round trip flushes those the action caused.
      if (page) await page.evaluate(() => 0).catch(() => {});
      this.allowed.splice(this.allowed.indexOf(pattern), 1);
    }
  }

  assertClean() {
    if (this.problems.length) {
      throw new Error(`the page reported ${this.problems.length} problem(s):\n  ${this.problems.join("\n  ")}`);
    }
  }
}
