// How a container behaves in the SIMULATED runtime, decided from its image and command the
// way the real lab images of the Docker runtime behave, so a lab reads the same on both:
//   kubelab/web:broken  runs, never becomes ready (its readiness endpoint fails)
//   kubelab/slow        runs, ready after 20 s (a slow start)
//   kubelab/crash       exits with code 1 after ~3 s (a crash loop)
//   kubelab/job         runs to completion: exits 0 after ~2 s
// Any other image without a command is a long-running server, ready after the node's
// ready delay. A command is run "as a script": `exit N` sets the exit code, `sleep N`s add up
// to its run time, and `while true` / `sleep infinity` / `tail -f` keep it running; a bare
// shell image (busybox, alpine, ...) with no command exits 0 at once, as `docker run busybox`
// does.

export interface SimImageBehaviour {
  /** Ready this long after start; null: never ready. */
  readyAfterMs: number | null;
  /** Exits by itself this long after start; undefined: runs until stopped. */
  exitAfterMs?: number;
  exitCode?: number;
}

const shellImages = new Set(['busybox', 'alpine', 'bash', 'ubuntu', 'debian', 'perl', 'python']);

/** `docker.io/library/busybox:1.36@sha256:...` → `busybox`; `kubelab/web:broken` → `kubelab/web`. */
export function imageRepository(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  const repo = colon > lastSlash ? noDigest.slice(0, colon) : noDigest;
  return repo.replace(/^(docker\.io\/)?(library\/)?/, '');
}

export function imageTag(image: string): string {
  const noDigest = image.split('@')[0] ?? image;
  const colon = noDigest.lastIndexOf(':');
  return colon > noDigest.lastIndexOf('/') ? noDigest.slice(colon + 1) : 'latest';
}

function scriptBehaviour(script: string, readyDelayMs: number): SimImageBehaviour {
  if (/while\s+true|sleep\s+infinity|tail\s+-f/.test(script)) return { readyAfterMs: readyDelayMs };
  const sleeps = [...script.matchAll(/sleep\s+(\d+(?:\.\d+)?)/g)].reduce((s, m) => s + Number(m[1]), 0);
  const exit = /exit\s+(\d+)/.exec(script);
  return {
    readyAfterMs: readyDelayMs,
    exitAfterMs: Math.max(sleeps * 1000, 100),
    exitCode: exit ? Number(exit[1]) : 0,
  };
}

export function simImageBehaviour(
  container: { image: string; command?: string[]; args?: string[] },
  readyDelayMs: number,
): SimImageBehaviour {
  const repo = imageRepository(container.image);
  const script = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
  if (repo === 'kubelab/crash') return { readyAfterMs: readyDelayMs, exitAfterMs: 3_000, exitCode: 1 };
  if (repo === 'kubelab/job') return { readyAfterMs: readyDelayMs, exitAfterMs: 2_000, exitCode: 0 };
  if (repo === 'kubelab/slow') return { readyAfterMs: 20_000 };
  if (repo === 'kubelab/web' && imageTag(container.image) === 'broken') return { readyAfterMs: null };
  if (script) return scriptBehaviour(script, readyDelayMs);
  if (shellImages.has(repo)) return { readyAfterMs: readyDelayMs, exitAfterMs: 0, exitCode: 0 };
  return { readyAfterMs: readyDelayMs };
}
