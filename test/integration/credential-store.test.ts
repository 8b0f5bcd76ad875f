// Credentials live in the store, one record per token: every authenticator on the store sees a
// token another issued, revocation reaches them all, the tokens.json of earlier versions is
// imported once (a copy cut short by a crash does not stop the server), and the data
// directory ends up private whatever modes it had.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TokenAuthenticator } from '../../src/apiserver/authn.js';
import { SqliteStore } from '../../src/store/sqlite.js';
import { raw } from '../helpers/raw-request.js';
import { startTestServer } from '../helpers/test-server.js';
import { until } from '../helpers/until.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kubelab-credentials-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const bearer = (t: string) => `Bearer ${t}`;

describe('tokens in the store', () => {
  it('a token one authenticator issues is accepted by another on the same store, and revoked for both', async () => {
    const store = SqliteStore.open(join(await tempDir(), 'state.db'));
    const a = await TokenAuthenticator.open(store);
    const b = await TokenAuthenticator.open(store);
    try {
      const token = await a.issue({ name: 'alice', groups: [] });
      expect(a.authenticate(bearer(token))?.name).toBe('alice');
      await until(
        'the other authenticator sees it',
        async () => b.authenticate(bearer(token))?.name === 'alice',
      );
      const second = await b.issue({ name: 'alice', groups: [] }, { replace: true });
      await until('the replaced token is gone everywhere', async () => !a.authenticate(bearer(token)));
      expect(b.authenticate(bearer(token))).toBeUndefined();
      await until('the new one is known', async () => a.authenticate(bearer(second))?.name === 'alice');
      await a.revoke('alice');
      await until('revoked everywhere', async () => !b.authenticate(bearer(second)));
      expect(a.hasUser('alice')).toBe(false);
    } finally {
      a.close();
      b.close();
      await store.close();
    }
  });

  it('stores no token in the clear', async () => {
    const store = SqliteStore.open(join(await tempDir(), 'state.db'));
    const a = await TokenAuthenticator.open(store);
    const token = await a.issue({ name: 'bob', groups: ['g'] });
    const { items } = await store.list('/kubelab/tokens/');
    expect(items.map((kv) => kv.key)).toEqual([
      `/kubelab/tokens/${createHash('sha256').update(token).digest('hex')}`,
    ]);
    expect(items[0]!.value).not.toContain(token);
    a.close();
    await store.close();
  });
});

describe('upgrading from tokens.json', () => {
  it('imports the old file once, so existing credentials keep working, and removes it', async () => {
    const dataDir = await tempDir();
    const legacyToken = 'legacy-token-from-an-earlier-version';
    const sha256 = createHash('sha256').update(legacyToken).digest('hex');
    await writeFile(
      join(dataDir, 'tokens.json'),
      JSON.stringify([{ name: 'carol', groups: ['system:masters'], sha256 }]),
    );
    const server = await startTestServer({ dataDir });
    try {
      expect((await raw(server, 'GET', '/api/v1/namespaces', { token: legacyToken })).status).toBe(200);
      expect(existsSync(join(dataDir, 'tokens.json'))).toBe(false);
    } finally {
      await server.stop();
    }
  });

  it('starts even when a crash of an earlier version left tokens.json cut short', async () => {
    const dataDir = await tempDir();
    await writeFile(join(dataDir, 'tokens.json'), '[{"name":"x","groups":[],"sha256":"ab');
    const server = await startTestServer({ dataDir });
    try {
      expect((await raw(server, 'GET', '/readyz')).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('the data directory', () => {
  it('becomes 0700 with 0600 files, even when it existed world-readable', async () => {
    const dataDir = join(await tempDir(), 'data');
    await mkdir(join(dataDir, 'pki'), { recursive: true });
    await chmod(dataDir, 0o755);
    await chmod(join(dataDir, 'pki'), 0o755);
    await writeFile(join(dataDir, 'notes.txt'), 'x', { mode: 0o644 });
    const server = await startTestServer({ dataDir });
    try {
      const mode = async (p: string) => ((await stat(join(dataDir, p))).mode & 0o777).toString(8);
      expect(await mode('')).toBe('700');
      expect(await mode('pki')).toBe('700');
      for (const file of ['notes.txt', 'state.db', 'admin.kubeconfig'])
        expect(await mode(file), file).toBe('600');
    } finally {
      await server.stop();
    }
  });
});
