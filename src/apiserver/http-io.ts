// Reading request bodies and writing responses. Bodies are capped (3 MiB, kube-apiserver's
// limit) while streaming, so an oversize upload is refused with 413 without buffering it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { asStatusError, statusErrors } from '../api/status-error.js';

export const maxRequestBodyBytes = 3 * 1024 * 1024;

export function readBody(req: IncomingMessage, limit = maxRequestBodyBytes): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    return Promise.reject(
      statusErrors.tooLarge(`the request body is too large: ${declared} bytes, limit is ${limit}`),
    );
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        reject(statusErrors.tooLarge(`the request body is too large: more than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}

/**
 * kubelab speaks JSON only. A protobuf or CBOR body gets 415, which client-go answers by
 * falling back to JSON; a missing content type is read as JSON, as kube-apiserver does.
 */
export function requireJsonBody(req: IncomingMessage): void {
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json' && type !== '*/*') {
    throw statusErrors.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: application/json ` +
        `(kubelab does not read protobuf: for \`kubectl create <kind> ...\` generators use ` +
        `\`kubectl create ... --dry-run=client -o yaml | kubectl apply -f -\`)`,
    );
  }
}

/** Parses a JSON body into an object; anything else is a 400 that says what was wrong. */
export function parseJsonBody(body: Buffer, what: string): unknown {
  if (body.length === 0) throw statusErrors.badRequest(`${what}: the request body is empty`);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (e) {
    throw statusErrors.badRequest(`${what}: the request body is not valid JSON: ${(e as Error).message}`);
  }
}

export function writeJson(res: ServerResponse, code: number, value: unknown): void {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

export function writeError(res: ServerResponse, err: unknown): void {
  const se = asStatusError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  // 429 and 503 tell the client when to retry; client-go and kubectl honour the header.
  if (se.details?.retryAfterSeconds !== undefined)
    res.setHeader('Retry-After', String(se.details.retryAfterSeconds));
  writeJson(res, se.code, se.toStatus());
}
