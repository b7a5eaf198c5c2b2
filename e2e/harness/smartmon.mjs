// `smartmon serve` as a child process on a free port, with an explicit environment (nothing inherited
// but PATH), its log kept for the failure report and its one-time setup token read from its output.
import { smartmonBin } from "./binaries.mjs";
import { start, stop, waitForLine } from "./processes.mjs";

/** What every journey's server starts from; a journey adds or overrides variables. */
export function baseEnv(databaseUrl) {
  return {
    PATH: process.env.PATH,
    DATABASE_URL: databaseUrl,
    SMARTMON_INIT_PG: "1",
    SMARTMON_DB_TIMEOUT_SECS: "2",
    GUI_BIND: "127.0.0.1",
    GUI_PORT: "0",
    GUI_WORKERS: "2",
    LOG_LEVEL: "INFO",
    LOG_FORMAT: "json",
    SMARTMON_COLLECT: "false",
  };
}

export class Smartmon {
  static async serve(env) {
    const proc = await start(smartmonBin(), ["serve"], { env });
    const [, url] = await waitForLine(proc, /listening on (http:\/\/[0-9.]+:\d+)/, "smartmon to listen");
    return new Smartmon(proc, url, env);
  }

  constructor(proc, url, env) {
    this.proc = proc;
    this.url = url;
    this.env = env;
  }

  /** The one-time setup token printed at start when there are no users yet. */
  async setupToken() {
    const [, token] = await waitForLine(this.proc, /^ {4}(\S{20,})$/, "the setup token", 5000);
    return token;
  }

  log() {
    return this.proc.log.join("\n");
  }

  /**
   * SIGTERM, and SIGKILL after 2 s: a server that had a console open waits out its 10 s shutdown timeout
   * for the event stream, which a journey's teardown need not sit through.
   */
  stop() {
    return stop(this.proc, 2000);
  }
}
