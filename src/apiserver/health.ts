// /healthz, /livez and /readyz, as kube-apiserver answers them: "ok", or the failed checks;
// `?verbose` lists every check. Readiness adds the checks the process registered (scheduler,
// controller manager).
import type { ServerResponse } from 'node:http';
import type { Store } from '../store/store.js';

export const healthPaths = ['/healthz', '/livez', '/readyz'];

export function serveHealth(
  res: ServerResponse,
  path: string,
  verbose: boolean,
  store: Store,
  readiness: ReadonlyMap<string, () => boolean>,
): void {
  const checks: [string, boolean][] = [['ping', true]];
  let storeOk = true;
  try {
    store.currentRevision();
  } catch {
    storeOk = false;
  }
  checks.push(['store', storeOk]);
  if (path === '/readyz') for (const [name, check] of readiness) checks.push([name, check()]);
  const ok = checks.every(([, v]) => v);
  const text = verbose
    ? `${checks.map(([n, v]) => `[${v ? '+' : '-'}]${n} ${v ? 'ok' : 'failed'}`).join('\n')}\n${path.slice(1)} check ${ok ? 'passed' : 'failed'}\n`
    : ok
      ? 'ok'
      : `${checks
          .filter(([, v]) => !v)
          .map(([n]) => `[-]${n} failed`)
          .join('\n')}\n${path.slice(1)} check failed`;
  res.writeHead(ok ? 200 : 500, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}
