// A bare HTTPS request to the test server, for tests that must see exact status codes,
// headers and bodies (no client library in between).
import { request } from 'node:https';
import { loadKubeconfig } from '../../src/client/kubeconfig.js';
import type { TestServer } from './test-server.js';

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: any;
}

export function raw(
  server: TestServer,
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; contentType?: string; accept?: string } = {},
): Promise<RawResponse> {
  const ca = loadKubeconfig(server.kubeconfigPath).caData;
  const url = new URL(path, server.url);
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string' || Buffer.isBuffer(options.body)
        ? options.body
        : JSON.stringify(options.body);
  const headers: Record<string, string> = {};
  const token = options.token === undefined ? server.token : options.token;
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) {
    headers['content-type'] = options.contentType ?? 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  if (options.accept) headers.accept = options.accept;
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
