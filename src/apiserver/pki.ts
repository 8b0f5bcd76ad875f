// The API server's certificates: a cluster CA and a serving certificate signed by it,
// generated on first start with @peculiar/x509 (a maintained X.509 library on WebCrypto, so
// no ASN.1 is written here and no openssl binary is needed on the machine). Files persist in
// `<data-dir>/pki/` so clients that pinned the CA keep working across restarts; the serving
// certificate is reissued (same CA) when the set of names it must cover changes.
// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { writeFileAtomic } from '../client/atomic-file.js';
import { isIpAddress, privateKeyPem } from '../client/self-signed-cert.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const signing = { name: 'ECDSA', hash: 'SHA-256' } as const;
const tenYears = 10 * 365 * 24 * 3600 * 1000;

export interface ServingPki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

async function importKeyPem(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return (await webcrypto.subtle.importKey('pkcs8', der, ecdsa, true, ['sign'])) as unknown as CryptoKey;
}

type KeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };

async function newKeys(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as unknown as KeyPair;
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

async function issueServingCert(ca: x509.X509Certificate, caKey: CryptoKey, names: string[]) {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=kubelab-apiserver',
    issuer: ca.subject,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + tenYears),
    signingAlgorithm: signing,
    publicKey: keys.publicKey,
    signingKey: caKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        names.map((n) => ({ type: isIpAddress(n) ? 'ip' : 'dns', value: n })),
      ),
      await x509.AuthorityKeyIdentifierExtension.create(ca),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}

/**
 * Loads or creates `<dir>/ca.crt`, `ca.key`, `apiserver.crt`, `apiserver.key`. The serving
 * certificate covers `names` (DNS names and IP addresses) plus localhost and 127.0.0.1.
 */
export async function ensureServingPki(dir: string, extraNames: string[]): Promise<ServingPki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const names = [
    ...new Set(['localhost', '127.0.0.1', 'kubernetes', 'kubernetes.default', ...extraNames]),
  ].sort();

  let caPem = await readIfExists(join(dir, 'ca.crt'));
  let caKeyPem = await readIfExists(join(dir, 'ca.key'));
  if (!caPem || !caKeyPem) {
    const keys = await newKeys();
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=kubelab-ca',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + tenYears),
      signingAlgorithm: signing,
      keys,
      extensions: [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      ],
    });
    caPem = ca.toString('pem');
    caKeyPem = await privateKeyPem(keys.privateKey);
    // Atomic writes: a crash part-way must leave files the next start can read (it makes a new
    // CA when either is missing, and a cut-short PEM would stop the server from starting).
    await writeFileAtomic(join(dir, 'ca.key'), caKeyPem);
    await writeFileAtomic(join(dir, 'ca.crt'), caPem);
  }

  const certPath = join(dir, 'apiserver.crt');
  const keyPath = join(dir, 'apiserver.key');
  let certPem = await readIfExists(certPath);
  let keyPem = await readIfExists(keyPath);
  if (certPem && keyPem && sameNames(new x509.X509Certificate(certPem), names)) {
    return { caPem, certPem, keyPem };
  }
  const ca = new x509.X509Certificate(caPem);
  ({ certPem, keyPem } = await issueServingCert(ca, await importKeyPem(caKeyPem), names));
  await writeFileAtomic(keyPath, keyPem);
  await writeFileAtomic(certPath, certPem);
  return { caPem, certPem, keyPem };
}

function sameNames(cert: x509.X509Certificate, names: string[]): boolean {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!san) return false;
  const have = san.names.items.map((n) => n.value).sort();
  return have.length === names.length && have.every((v, i) => v === names[i]);
}
