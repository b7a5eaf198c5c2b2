// Journey 9: host detail charts, in the dark theme. A host that has reported for a week (history seeded
// as the collector writes it, plus live samples from the running collector) shows five non-empty SVG
// charts for every range, and every piece of text and every line on the page is legible in the dark.
import assert from "node:assert/strict";

import { contrast, illegible, parseColour, renderedText, luminance } from "../harness/contrast.mjs";
import { HOST, journey } from "../harness/journey.mjs";
import { sql } from "../harness/postgres.mjs";
import { eventually } from "../harness/wait.mjs";

const RANGES = [["15m", "15 min"], ["1h", "1 hour"], ["6h", "6 hours"], ["24h", "24 hours"], ["7d", "7 days"]];
const CHARTS = ["CPU", "Memory", "Load (1 min)", "Disk /", "Network"];

/** A week of one-minute samples before the collector started, as `smartmon agent` would have written. */
const WEEK_OF_METRICS = `
  INSERT INTO system_metrics (hostname, ts_epoch, cpu_percent, memory_percent, swap_percent, load_1, load_5, load_15,
    disk_percent, inode_percent, net_rx_bps, net_tx_bps, uptime_secs, process_count, temperature_c)
  SELECT '${HOST}', extract(epoch FROM now()) - g * 60, 30 + 20 * sin(g / 30.0), 55 + 10 * sin(g / 200.0), 4,
    0.8 + 0.5 * sin(g / 45.0), 0.7, 0.6, 60 - g / 1000.0, 12, 60000 + 40000 * sin(g / 20.0),
    20000 + 10000 * cos(g / 25.0), 2592000 - g * 60, 180, 45
  FROM generate_series(1, 10080) AS g`;

journey("09-host-charts", "host detail: charts render for every range and the dark theme is legible",
  { units: ["nginx.service", "ssh.service"], env: { METRICS_INTERVAL: "2" }, colorScheme: "dark" },
  async ({ page, goto, login, directDatabaseUrl }) => {
    await eventually("the collector to register the host", async () =>
      (await sql(directDatabaseUrl, `SELECT count(*) FROM hosts WHERE hostname = '${HOST}'`))[0][0] === "1");
    await sql(directDatabaseUrl, WEEK_OF_METRICS);
    await login("admin", undefined, `/hosts/${HOST}`);
    assert.equal(await page.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches), true);

    for (const [range, label] of RANGES) {
      await Promise.all([page.waitForNavigation(), page.click(`nav.ranges a:text-is("${label}")`)]);
      assert.equal(new URL(page.url()).searchParams.get("range"), range);
      assert.equal(await page.locator("nav.ranges a[aria-current=page]").textContent(), label);
      const charts = await page.locator("#host-charts figure.chart").evaluateAll((figures) => figures.map((f) => {
        const svg = f.querySelector("svg");
        const box = svg.getBoundingClientRect();
        return {
          title: f.querySelector("figcaption").firstChild.textContent.trim(),
          width: box.width,
          height: box.height,
          lines: [...svg.querySelectorAll("polyline")].map((line) => ({
            points: line.getAttribute("points").trim().split(/\s+/).length,
            length: line.getTotalLength(),
          })),
          empty: svg.textContent.includes("no samples"),
        };
      }));
      assert.deepEqual(charts.map((c) => c.title), CHARTS, `five charts for ${range}`);
      for (const chart of charts) {
        assert.ok(chart.width > 200 && chart.height > 80, `${chart.title} (${range}) is drawn at a readable size`);
        assert.equal(chart.empty, false, `${chart.title} (${range}) has samples`);
        assert.ok(chart.lines.length >= 1, `${chart.title} (${range}) draws a line`);
        for (const line of chart.lines) {
          assert.ok(line.points >= 2 && line.length > 10, `${chart.title} (${range}) line is a visible path`);
        }
      }
    }

    const body = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.ok(luminance(parseColour(body)) < 0.05, `the dark theme is dark (body ${body})`);
    const unreadable = illegible(await renderedText(page));
    assert.deepEqual(unreadable.map((t) => `${t.selector} "${t.text}" ${t.ratio.toFixed(2)}:1`), [],
      "all text meets WCAG AA contrast in the dark theme");
    const strokes = await page.locator("#host-charts figure.chart").first().evaluate((figure) => ({
      background: getComputedStyle(figure).backgroundColor,
      lines: [...figure.ownerDocument.querySelectorAll("#host-charts polyline")].map((l) => getComputedStyle(l).stroke),
    }));
    for (const stroke of new Set(strokes.lines)) {
      const ratio = contrast(parseColour(stroke), parseColour(strokes.background));
      assert.ok(ratio >= 3, `chart line ${stroke} stands out from the chart (${ratio.toFixed(2)}:1, needs 3:1)`);
    }
    await goto(`/hosts/${HOST}?range=24h`);
  });
