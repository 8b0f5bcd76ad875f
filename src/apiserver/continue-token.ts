// Continue tokens: where the next page of a list starts (the revision the list reads at and
// the last key served). kube's are plain base64 JSON; kubelab's also carry an HMAC, so a
// client cannot forge one that reads an arbitrary revision or starts outside the list it
// paged. The key is a cluster key (cluster-keys.ts): every API server sharing the store
// verifies every other's tokens, and tokens survive restarts.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { statusErrors } from '../api/status-error.js';
import type { Store } from '../store/store.js';
import { clusterKey } from './cluster-keys.js';

export interface ContinueToken {
  /** The revision every page reads at; 0 for "the current one" (an expired token's remainder). */
  rv: number;
  /** The last key served; the next page starts strictly after it. */
  start: string;
}

const invalid = (why: string) => statusErrors.badRequest(`continue key is not valid: ${why}`);

export class ContinueTokens {
  private constructor(private readonly key: Buffer) {}

  static async load(store: Store): Promise<ContinueTokens> {
    const key = await clusterKey(store, 'continue-token', () => randomBytes(32).toString('base64'));
    return new ContinueTokens(Buffer.from(key, 'base64'));
  }

  encode(t: ContinueToken): string {
    const payload = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: t.rv, start: t.start })).toString(
      'base64url',
    );
    return `${payload}.${this.sign(payload).toString('base64url')}`;
  }

  /** The token, if it was made here for a list under `prefix`; else 400 as kube's ErrGenericInvalidKey. */
  decode(text: string, prefix: string): ContinueToken {
    const [payload, signature, ...rest] = text.split('.');
    if (!payload || !signature || rest.length > 0) throw invalid('the token is not one this server issued');
    const expected = this.sign(payload);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      throw invalid('the token was not issued by this cluster or has been altered');
    const t = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as ContinueToken;
    // Signed, so well-formed; but a token from one list must not page another.
    if (!t.start.startsWith(prefix)) throw invalid('the token belongs to a different list');
    return { rv: t.rv, start: t.start };
  }

  private sign(payload: string): Buffer {
    return createHmac('sha256', this.key).update(payload).digest();
  }
}
