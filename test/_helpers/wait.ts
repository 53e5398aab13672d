/**
 * Bounded waiting for tests: polls `done` every `stepMs` and fails with `what` after `timeoutMs`, instead of a
 * `while (!x) await sleep()` that hangs until the suite's timeout when the condition never comes.
 */
export async function until(done: () => boolean, what: string, timeoutMs = 15_000, stepMs = 10): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
