// Child processes of a journey: spawned with their output kept (for the failure report), stopped with
// SIGTERM then SIGKILL, and killed when this test process exits however it exits.
import { spawn } from "node:child_process";

const running = new Set();
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/** Spawns `command`; `onLine(line, stream)` sees every output line. Resolves once spawned. */
export function start(command, args, { env, onLine = () => {}, stdin = "ignore" } = {}) {
  const child = spawn(command, args, { env, stdio: [stdin, "pipe", "pipe"] });
  running.add(child);
  const log = [];
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => {
    running.delete(child);
    resolve({ code, signal });
  }));
  for (const stream of ["stdout", "stderr"]) {
    let rest = "";
    child[stream].setEncoding("utf8");
    child[stream].on("data", (chunk) => {
      rest += chunk;
      const lines = rest.split("\n");
      rest = lines.pop();
      for (const line of lines) {
        log.push(line);
        onLine(line, stream);
      }
    });
  }
  return new Promise((resolve, reject) => {
    child.once("error", (err) => reject(new Error(`cannot start ${command}: ${err.message}`)));
    child.once("spawn", () => resolve({ child, log, exited }));
  });
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stop({ child, exited }, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return exited;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the first output line matching `pattern` (its match), or rejects after `timeoutMs`. */
export function waitForLine(proc, pattern, what, timeoutMs = 30_000) {
  return new Promise((resolve, reject) => {
    const seen = proc.log.map((line) => line.match(pattern)).find(Boolean);
    if (seen) return resolve(seen);
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`timed out waiting for ${what}; output so far:\n${proc.log.slice(-30).join("\n")}`));
    }, timeoutMs);
    const onData = () => {
      const match = proc.log.map((line) => line.match(pattern)).find(Boolean);
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const onExit = () => {
      cleanup();
      reject(new Error(`exited before ${what}; output:\n${proc.log.slice(-30).join("\n")}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      proc.child.stdout.off("data", onData);
      proc.child.stderr.off("data", onData);
      proc.child.off("exit", onExit);
    };
    proc.child.stdout.on("data", onData);
    proc.child.stderr.on("data", onData);
    proc.child.once("exit", onExit);
  });
}
