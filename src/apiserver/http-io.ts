// Reading request bodies and writing responses. Bodies are capped (3 MiB, kube-apiserver's
// limit) while streaming, so an oversize upload is refused with 413 without buffering it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { asStatusError, statusErrors } from '../api/status-error.js';
import { maxJsonDepth, scanJsonText } from './json-text-scan.js';

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
 * kubelab speaks JSON (protobuf-body.ts reads the few kinds kubectl only sends as protobuf).
 * Another protobuf or CBOR body gets 415; a missing content type is read as JSON, as
 * kube-apiserver does.
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

export interface JsonDocument {
  value: unknown;
  /** Paths of keys an object repeats (JSON.parse kept the last value of each). */
  duplicateFields: string[];
}

/**
 * Parses a JSON body; anything else is a 400 that says what was wrong. Every body passes
 * the depth bound here, before any code that recurses over it runs.
 */
export function parseJsonDocument(body: Buffer, what: string): JsonDocument {
  if (body.length === 0) throw statusErrors.badRequest(`${what}: the request body is empty`);
  const text = body.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw statusErrors.badRequest(`${what}: the request body is not valid JSON: ${(e as Error).message}`);
  }
  const scan = scanJsonText(text);
  if (scan.tooDeep) {
    throw statusErrors.badRequest(
      `${what}: the request body is not valid JSON: exceeded max depth (more than ${maxJsonDepth} nested objects and arrays)`,
    );
  }
  return { value, duplicateFields: scan.duplicateFields };
}

/** A body whose repeated keys do not matter (delete options, a join request). */
export function parseJsonBody(body: Buffer, what: string): unknown {
  return parseJsonDocument(body, what).value;
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
