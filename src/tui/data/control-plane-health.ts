// Control-plane health from the API server's `/readyz?verbose`: one `[+]name ok` or
// `[-]name failed` line per check (ping, store, and the components the server runs and
// reports: scheduler, controller-manager, ...), then `readyz check passed|failed`.

import { StatusError } from '../../api/status-error.js';
import type { ApiClient } from '../../client/rest-client.js';
import type { ControlPlaneHealth, HealthCheck } from './cluster-snapshot.js';

export function parseReadyz(text: string): { checks: HealthCheck[]; passed: boolean } {
  const checks: HealthCheck[] = [];
  for (const line of text.split('\n')) {
    const m = /^\[([+-])\]([^\s]+)/.exec(line.trim());
    if (m) checks.push({ name: m[2]!, ok: m[1] === '+' });
  }
  return { checks, passed: /check passed/.test(text) };
}

/**
 * One poll. A failed readiness check answers 500 with the same verbose text, which is parsed
 * like a pass; only an unreachable or silent server is an error, and then the checks last
 * known are kept so the panel does not go blank.
 */
export async function pollReadyz(
  client: ApiClient,
  now: () => number,
  previous: ControlPlaneHealth | undefined,
  signal: AbortSignal,
  timeoutMs: number,
): Promise<ControlPlaneHealth> {
  try {
    const text = await client.requestText('GET', '/readyz', { query: { verbose: 1 }, signal, timeoutMs });
    return { at: now(), ...parseReadyz(text) };
  } catch (e) {
    if (e instanceof StatusError && /\[[+-]\]/.test(e.message))
      return { at: now(), ...parseReadyz(e.message) };
    return {
      at: now(),
      checks: previous?.checks ?? [],
      passed: false,
      error: (e as Error).message,
    };
  }
}
