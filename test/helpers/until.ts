// Polls a condition until it holds: the one way tests wait for an eventually-consistent
// cluster. Errors thrown while polling count as "not yet" (the last one is reported on timeout).
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** One look at a system that settles: its store revision, and what is still busy (empty: idle). */
export interface SettleProbe {
  revision: number;
  busy: string[];
}

/**
 * Waits until a system has nothing left to do: `probe` reports nothing busy, at the same
 * revision, on `quietChecks` consecutive looks. The way to wait before asserting that
 * something did NOT happen: no fixed sleep, no guess at how long is long enough.
 */
export async function untilSettled(
  what: string,
  probe: () => SettleProbe | Promise<SettleProbe>,
  { timeoutMs = 30_000, quietChecks = 3 }: { timeoutMs?: number; quietChecks?: number } = {},
): Promise<void> {
  let last: SettleProbe | undefined;
  let quiet = 0;
  try {
    await until(
      what,
      async () => {
        const now = await probe();
        quiet = now.busy.length === 0 && now.revision === last?.revision ? quiet + 1 : 0;
        last = now;
        return quiet >= quietChecks - 1 && now.busy.length === 0;
      },
      timeoutMs,
      10,
    );
  } catch (e) {
    throw new Error(
      `${(e as Error).message}; still busy at revision ${last?.revision}: ${last?.busy.join(', ') || 'the revision kept moving'}`,
    );
  }
}
