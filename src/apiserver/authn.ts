// Bearer-token authentication. Tokens live in the durable store, one key per token under
// /kubelab/tokens/<sha256 of the token>, holding who it names: never the token itself, so
// reading the store does not hand out credentials (the plain admin token exists only inside
// admin.kubeconfig). One key per token makes issuing a token one atomic, durable create: a
// crash at any instant leaves either the whole record or none, and concurrent issuers never
// rewrite each other's records (the earlier tokens.json was rewritten whole on every join).
// Every API server on the store keeps the same records in memory through a store watch, so a
// token issued by one is accepted by all. Comparison is by hash lookup of a SHA-256 digest.
import { createHash, randomBytes } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { type Store, StoreError, type Watch, type WatchEvent } from '../store/store.js';

/** Every authenticated caller is in this group (the authentication stage adds it). */
export const authenticatedGroup = 'system:authenticated';

export interface UserInfo {
  name: string;
  groups: string[];
  /** kube's user.Info UID and Extra (a ServiceAccount token names its pod there). */
  uid?: string;
  extra?: Record<string, string[]>;
}

/**
 * One way of recognising a caller from the Authorization header. The authentication stage asks
 * each in turn; the first that recognises the credential decides (as kube's union authenticator).
 */
export interface Authenticator {
  authenticate(authorization: string | undefined): UserInfo | undefined | Promise<UserInfo | undefined>;
}

interface TokenRecord extends UserInfo {
  /** RFC 3339; a join token stops working then. */
  expiresAt?: string;
}

const tokenPrefix = '/kubelab/tokens/';

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function parseRecord(value: string): TokenRecord | undefined {
  try {
    const r = JSON.parse(value) as TokenRecord;
    return typeof r.name === 'string' && Array.isArray(r.groups) ? r : undefined;
  } catch {
    return undefined;
  }
}

const expired = (r: TokenRecord, now: number) => r.expiresAt !== undefined && Date.parse(r.expiresAt) <= now;

export class TokenAuthenticator implements Authenticator {
  /** sha256 hex -> record, mirrored from the store. */
  private readonly records = new Map<string, TokenRecord>();
  private watch?: Watch;

  private constructor(
    private readonly store: Store,
    private readonly now: () => number,
  ) {}

  /**
   * Reads the records and follows the store from then on. A `legacyFile` (the tokens.json of
   * earlier versions) is imported once and removed, so existing kubeconfigs keep working.
   */
  static async open(
    store: Store,
    options: { now?: () => number; legacyFile?: string } = {},
  ): Promise<TokenAuthenticator> {
    const a = new TokenAuthenticator(store, options.now ?? (() => Date.now()));
    if (options.legacyFile) await a.importLegacy(options.legacyFile);
    const listed = await store.list(tokenPrefix);
    for (const kv of listed.items) a.apply({ type: 'create', kv });
    a.watch = store.watch(tokenPrefix, listed.revision, (e) => a.apply(e));
    return a;
  }

  close(): void {
    this.watch?.stop();
  }

  private apply(e: WatchEvent): void {
    const sha = e.kv.key.slice(tokenPrefix.length);
    const record = e.type === 'delete' ? undefined : parseRecord(e.kv.value);
    if (record) this.records.set(sha, record);
    else this.records.delete(sha);
  }

  private async importLegacy(path: string): Promise<void> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    // A file cut short by a crash of an earlier version still holds the records before the cut
    // only as broken JSON: import what parses, and do not refuse to start over the rest.
    let legacy: (TokenRecord & { sha256: string })[] = [];
    try {
      legacy = JSON.parse(text);
    } catch {
      process.emitWarning(`${path} is not valid JSON (cut short by a crash?): its tokens are not imported`);
    }
    for (const r of Array.isArray(legacy) ? legacy : []) {
      if (typeof r?.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(r.sha256)) continue;
      const { sha256, ...record } = r;
      await this.store.create(`${tokenPrefix}${sha256}`, JSON.stringify(record)).catch((e) => {
        if (!(e instanceof StoreError && e.code === 'KeyExists')) throw e;
      });
    }
    await unlink(path);
  }

  hasUser(name: string): boolean {
    const now = this.now();
    for (const r of this.records.values()) if (r.name === name && !expired(r, now)) return true;
    return false;
  }

  /**
   * Creates a random token for a user, stores its record, and returns the token once the
   * record is durable. `replace` revokes the user's earlier tokens (a node that joins again
   * gets one credential, not two); `expiresAt` bounds a join token's life. Expired records are
   * removed on the way.
   */
  async issue(user: UserInfo, options: { expiresAt?: Date; replace?: boolean } = {}): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const sha = digest(token);
    const record: TokenRecord = { ...user };
    if (options.expiresAt) record.expiresAt = options.expiresAt.toISOString();
    const now = this.now();
    const stale = [...this.records].filter(
      ([s, r]) => s !== sha && (expired(r, now) || (options.replace && r.name === user.name)),
    );
    // The new record first: a crash between the two steps leaves an extra credential for a
    // moment, never a node with none.
    await this.store.create(`${tokenPrefix}${sha}`, JSON.stringify(record));
    this.records.set(sha, record);
    await this.remove(stale.map(([s]) => s));
    return token;
  }

  /** Withdraws every token naming this user. */
  async revoke(name: string): Promise<void> {
    await this.remove([...this.records].filter(([, r]) => r.name === name).map(([s]) => s));
  }

  private async remove(shas: string[]): Promise<void> {
    for (const sha of shas) {
      this.records.delete(sha);
      await this.store.delete(`${tokenPrefix}${sha}`).catch((e) => {
        // Another API server removed it first.
        if (!(e instanceof StoreError && e.code === 'KeyNotFound')) throw e;
      });
    }
  }

  authenticate(authorization: string | undefined): UserInfo | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match?.[1]) return undefined;
    const r = this.records.get(digest(match[1]));
    if (!r || expired(r, this.now())) return undefined;
    return { name: r.name, groups: r.groups };
  }
}
