// Where the binaries under test are: SMARTMON_BIN and FAKE_SYSTEMD_BIN, else cargo's debug build.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const target = process.env.CARGO_TARGET_DIR ? path.resolve(repo, process.env.CARGO_TARGET_DIR) : path.join(repo, "target");

function binary(variable, name) {
  const file = process.env[variable] || path.join(target, "debug", name);
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist: build it (cargo build --bin smartmon -p smartmon-testbed) or set ${variable}`);
  }
  return file;
}

export const smartmonBin = () => binary("SMARTMON_BIN", "smartmon");
export const fakeSystemdBin = () => binary("FAKE_SYSTEMD_BIN", "fake-systemd");
export const artifactsDir = path.join(repo, "e2e", "artifacts");
/** The journalctl double (tests/support/fake-journalctl), which reads a journal file a journey appends to. */
export const fakeJournalctl = path.join(repo, "tests", "support", "fake-journalctl");
