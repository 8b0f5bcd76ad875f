// Bearer-token authentication. Tokens live in `<data-dir>/tokens.json` as SHA-256 hashes,
// so reading the data directory does not hand out credentials; the plain admin token exists
// only inside admin.kubeconfig. Comparison is constant-time on the hashes.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

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
  sha256: string;
  /** RFC 3339; a join token stops working then. */
  expiresAt?: string;
}

function hash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export class TokenAuthenticator implements Authenticator {
  private constructor(
    private readonly path: string,
    private records: TokenRecord[],
  ) {}

  static async load(path: string): Promise<TokenAuthenticator> {
    try {
      return new TokenAuthenticator(path, JSON.parse(await readFile(path, 'utf8')) as TokenRecord[]);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new TokenAuthenticator(path, []);
      throw e;
    }
  }

  hasUser(name: string): boolean {
    return this.records.some((r) => r.name === name);
  }

  /**
   * Creates a random token for a user, persists its hash, and returns the token. `replace`
   * revokes the user's earlier tokens (a node that joins again gets one credential, not two);
   * `expiresAt` bounds a join token's life.
   */
  async issue(user: UserInfo, options: { expiresAt?: Date; replace?: boolean } = {}): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = Date.now();
    const kept = this.records.filter(
      (r) => !(options.replace && r.name === user.name) && !(r.expiresAt && Date.parse(r.expiresAt) <= now),
    );
    const record: TokenRecord = { ...user, sha256: hash(token).toString('hex') };
    if (options.expiresAt) record.expiresAt = options.expiresAt.toISOString();
    this.records = [...kept, record];
    await writeFile(this.path, `${JSON.stringify(this.records, null, 2)}\n`, { mode: 0o600 });
    return token;
  }

  /** Withdraws every token of a user (a person's credential, `kubelab kubeconfig --revoke`). */
  async revoke(name: string): Promise<void> {
    this.records = this.records.filter((r) => r.name !== name);
    await writeFile(this.path, `${JSON.stringify(this.records, null, 2)}\n`, { mode: 0o600 });
  }

  authenticate(authorization: string | undefined): UserInfo | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match?.[1]) return undefined;
    const presented = hash(match[1]);
    const now = Date.now();
    for (const r of this.records) {
      if (!timingSafeEqual(presented, Buffer.from(r.sha256, 'hex'))) continue;
      if (r.expiresAt && Date.parse(r.expiresAt) <= now) return undefined;
      return { name: r.name, groups: r.groups };
    }
    return undefined;
  }
}
