// Waiting for an asynchronous effect: poll a check until it holds, with a generous deadline.

/** Polls `check` (sync or async) until it returns a truthy value; fails naming `what` after `timeoutMs`. */
export async function eventually(what, check, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last?.message ?? last})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
