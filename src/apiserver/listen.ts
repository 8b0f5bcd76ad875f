// Opens the HTTPS port and hands every request and upgrade to the assembled handler chain.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ApiServerOptions } from './api-server-options.js';
import type { AssembledApiServer } from './assemble.js';
import type { ServingPki } from './pki.js';

export interface Listening {
  server: Server;
  url: string;
  port: number;
}

export async function listen(
  o: ApiServerOptions,
  pki: ServingPki,
  api: AssembledApiServer,
): Promise<Listening> {
  const server = createServer({ cert: pki.certPem, key: pki.keyPem, ca: pki.caPem }, api.serveRequest);
  server.on('upgrade', api.serveUpgrade);
  // Slow or stuck uploads must not hold connections forever; responses have their own limit.
  server.headersTimeout = 15_000;
  server.requestTimeout = api.requestTimeoutMs;
  server.keepAliveTimeout = 65_000;
  const host = o.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 6443, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return { server, url: `https://${urlHost.includes(':') ? `[${urlHost}]` : urlHost}:${port}`, port };
}
