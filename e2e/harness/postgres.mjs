// A fresh Postgres database per journey on the server of TEST_DATABASE_URL (an admin URL), dropped after.
// scripts/e2e sets TEST_DATABASE_URL, starting a private throwaway cluster when none is given.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promisify } from "node:util";

const run = promisify(execFile);

export function adminUrl() {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) {
    throw new Error("TEST_DATABASE_URL is unset: run the suite with scripts/e2e, or point it at a Postgres admin URL");
  }
  return url;
}

/** The URL of database `name` on the admin URL's server (same credentials and options). */
export function databaseUrl(name, admin = adminUrl()) {
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs SQL with psql and returns the rows as arrays of strings. */
export async function sql(url, query) {
  const { stdout } = await run("psql", [url, "-v", "ON_ERROR_STOP=1", "-AtqX", "-F", "\t", "-c", query]);
  return stdout.split("\n").filter((line) => line.length > 0).map((line) => line.split("\t"));
}

/** Creates an empty database; `drop()` removes it (and ends its connections). */
export async function createDatabase() {
  const name = `smartmon_e2e_${randomBytes(6).toString("hex")}`;
  await sql(adminUrl(), `CREATE DATABASE "${name}"`);
  return {
    name,
    url: databaseUrl(name),
    /** The host:port the database listens on (for a proxy in front of it). */
    address() {
      const url = new URL(this.url);
      return { host: url.hostname || "127.0.0.1", port: Number(url.port || 5432) };
    },
    async drop() {
      await sql(adminUrl(), `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
