// Host ports for qemu's user-mode port forwards (hostfwd), which cannot pick a free port
// themselves: the kernel picks one for a moment's listener, and qemu binds it right after.
import { createServer } from 'node:net';

/** Whether nothing listens on 127.0.0.1:`port` (0: any port), and which port that was. */
function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.on('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

export async function loopbackPortFree(port: number): Promise<boolean> {
  return (await listenOnce(port)) === port;
}

/** A loopback port nothing listens on, other than those in `avoid` (ports already handed out). */
export async function freeLoopbackPort(avoid: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await listenOnce(0);
    if (port !== undefined && !avoid.has(port)) return port;
  }
  throw new Error('no free TCP port on 127.0.0.1 after 20 tries');
}
