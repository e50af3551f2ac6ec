/**
 * Releasing what a test file opened, in an `after` hook, so that a failure fails fast: every
 * step runs even when an earlier one throws, and a step that never settles is given up after
 * a deadline (and reported) instead of holding the file until the runner's timeout.
 */
export type ReleaseStep = [what: string, release: () => unknown];

export async function releaseAll(steps: ReleaseStep[], deadlineMs = 15_000): Promise<void> {
  const failures: string[] = [];
  for (const [what, release] of steps) {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        Promise.resolve().then(release),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`not done after ${deadlineMs} ms`)), deadlineMs);
          timer.unref();
        }),
      ]);
    } catch (error) {
      failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }
  if (failures.length > 0) throw new Error(`clean-up failed: ${failures.join('; ')}`);
}
