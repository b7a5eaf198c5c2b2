// A journal for a journey's server: entries in journalctl's real `--output=json` format appended to the
// file the journalctl double (tests/support/fake-journalctl) reads and follows.
import { appendFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { fakeJournalctl } from "./binaries.mjs";

export class Journal {
  constructor() {
    this.dir = mkdtempSync(path.join(tmpdir(), "smartmon-journal-"));
    this.seq = 0;
  }

  /** The server variables that point it at this journal. */
  env() {
    return { SMARTMON_JOURNALCTL: fakeJournalctl, SMARTMON_JOURNAL_DIR: this.dir };
  }

  /** Appends one entry of `unit` (priority 0-7) and returns its cursor. */
  write(unit, priority, pid, message) {
    this.seq += 1;
    const realtime = BigInt(Date.now()) * 1000n + BigInt(this.seq);
    const cursor = `s=4a1f;i=${this.seq.toString(16)};b=0d1e;m=${(this.seq * 1000).toString(16)};t=${realtime.toString(16)};x=${this.seq}`;
    const entry = {
      __CURSOR: cursor,
      __REALTIME_TIMESTAMP: realtime.toString(),
      PRIORITY: String(priority),
      SYSLOG_IDENTIFIER: unit.replace(/\.service$/, ""),
      _PID: String(pid),
      _SYSTEMD_UNIT: unit,
      MESSAGE: message,
    };
    appendFileSync(path.join(this.dir, "journal.jsonl"), JSON.stringify(entry) + "\n");
    return cursor;
  }
}
