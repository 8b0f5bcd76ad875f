// Bearer-token authentication. Tokens live in `<data-dir>/tokens.json` as SHA-256 hashes,
// so reading the data directory does not hand out credentials; the plain admin token exists
// only inside admin.kubeconfig. Comparison is constant-time on the hashes.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';

export interface UserInfo {
  name: string;
  groups: string[];
}

interface TokenRecord extends UserInfo {
  sha256: string;
}

function hash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export class TokenAuthenticator {
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

  /** Creates a random token for a user, persists its hash, and returns the token. */
  async issue(user: UserInfo): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    this.records = [...this.records, { ...user, sha256: hash(token).toString('hex') }];
    await writeFile(this.path, `${JSON.stringify(this.records, null, 2)}\n`, { mode: 0o600 });
    return token;
  }

  authenticate(authorization: string | undefined): UserInfo | undefined {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match?.[1]) return undefined;
    const presented = hash(match[1]);
    for (const r of this.records) {
      if (timingSafeEqual(presented, Buffer.from(r.sha256, 'hex'))) return { name: r.name, groups: r.groups };
    }
    return undefined;
  }
}
