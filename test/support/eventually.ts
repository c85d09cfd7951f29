// Waiting for something that happens on its own time (a workflow, a worker).

/** Polls `probe` until it gives a value (not undefined); rejects after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** How `work` settled within `ms`, or that it is still running then (it is not stopped). */
export async function settledWithin<T>(
  ms: number,
  work: Promise<T>,
): Promise<{ settled: 'resolved'; value: T } | { settled: 'rejected'; error: unknown } | { settled: 'still running' }> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    work.then(
      (value) => ({ settled: 'resolved' as const, value }),
      (error: unknown) => ({ settled: 'rejected' as const, error }),
    ),
    new Promise<{ settled: 'still running' }>((resolve) => {
      timer = setTimeout(() => resolve({ settled: 'still running' }), ms);
    }),
  ]);
  clearTimeout(timer);
  return outcome;
}
