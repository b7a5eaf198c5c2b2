// The systemd double (testbed/ `fake-systemd`) as a child process, driven over its loopback control API.
import { fakeSystemdBin } from "./binaries.mjs";
import { start, stop, waitForLine } from "./processes.mjs";

export class FakeSystemd {
  /** Starts a private dbus-daemon serving `units` ("nginx.service" or "cron.service=failed/failed"). */
  static async start(units) {
    const proc = await start(fakeSystemdBin(), ["--exit-with-stdin", ...units], {
      env: { PATH: process.env.PATH },
      stdin: "pipe",
    });
    const [, address] = await waitForLine(proc, /^DBUS_SYSTEM_BUS_ADDRESS=(.+)$/, "the fake bus address");
    const [, control] = await waitForLine(proc, /^CONTROL_URL=(.+)$/, "the fake's control address");
    return new FakeSystemd(proc, address, control);
  }

  constructor(proc, address, control) {
    this.proc = proc;
    /** Give as DBUS_SYSTEM_BUS_ADDRESS. */
    this.address = address;
    this.control = control;
  }

  async request(method, path, query = {}) {
    const url = new URL(path, this.control);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
    const response = await fetch(url, { method });
    const body = await response.json();
    if (!response.ok) throw new Error(`fake-systemd ${method} ${path}: ${body.error}`);
    return body;
  }

  /** Changes a unit's ActiveState/SubState; systemd's PropertiesChanged signal follows. */
  setState(unit, active, sub) {
    return this.request("POST", `/units/${encodeURIComponent(unit)}/state`, { active, sub });
  }

  unit(unit) {
    return this.request("GET", `/units/${encodeURIComponent(unit)}`);
  }

  /** Every RestartUnit call so far: [{ unit, mode }]. */
  restarts() {
    return this.request("GET", "/restarts");
  }

  /** How the next restart jobs end: JobRemoved's result and the unit's states afterwards. */
  setRestartOutcome(result, active, sub) {
    return this.request("POST", "/restart-outcome", { result, active, sub });
  }

  stop() {
    return stop(this.proc);
  }
}
