// An approved-services file for a journey's server (`SMARTMON_APPROVED_JSON`), in either accepted format.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** Writes `policy` (a list of unit names, or {allow: [...]}) to a fresh file and returns its path. */
export function approvedFile(policy) {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "smartmon-approved-")), "approved_services.json");
  writeFileSync(file, JSON.stringify(policy));
  return file;
}
