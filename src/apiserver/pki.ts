// The cluster's certificates: a CA, and signed by it the API server's serving certificate and
// the client certificate it presents to kubelets (`kube-apiserver-kubelet-client`, kubeadm's
// apiserver-kubelet-client.crt), generated on first start with @peculiar/x509. Files persist in
// `<data-dir>/pki/` so clients that pinned the CA keep working across restarts; the serving
// certificate is reissued (same CA) when the set of names it must cover changes. The CA also
// signs each kubelet's serving certificate (kubelet-serving-certs.ts), so the API server can
// tell a node's own kubelet from anything else listening where the node says it is.
// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the Reflect metadata API
// loaded before it.
import 'reflect-metadata';
import { createPrivateKey, X509Certificate as NodeX509 } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { writeFileAtomic } from '../client/atomic-file.js';
import {
  ecdsaSigning,
  importPrivateKeyPem,
  kubeletClientCommonName,
  newKeyPair,
  privateKeyPem,
  subjectAltNames,
} from '../client/x509-keys.js';

const tenYears = 10 * 365 * 24 * 3600 * 1000;

export interface ServingPki {
  caPem: string;
  certPem: string;
  keyPem: string;
  /** What the API server presents when it calls a kubelet (logs, exec, metrics). */
  kubeletClient: { certPem: string; keyPem: string };
  ca: ClusterCa;
}

export interface IssueRequest {
  /** Distinguished name, e.g. `O=system:nodes, CN=system:node:worker-1`. */
  subject: string;
  publicKey: CryptoKey;
  usage: 'server' | 'client';
  /** subjectAltNames (DNS names and IP addresses); a serving certificate needs at least one. */
  names?: readonly string[];
  validForMs: number;
}

/** The cluster CA's signing side. */
export class ClusterCa {
  private constructor(
    private readonly cert: x509.X509Certificate,
    private readonly key: CryptoKey,
  ) {}

  static async fromPem(caPem: string, caKeyPem: string): Promise<ClusterCa> {
    return new ClusterCa(new x509.X509Certificate(caPem), await importPrivateKeyPem(caKeyPem));
  }

  async issue(r: IssueRequest): Promise<string> {
    const cert = await x509.X509CertificateGenerator.create({
      subject: r.subject,
      issuer: this.cert.subject,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + r.validForMs),
      signingAlgorithm: ecdsaSigning,
      publicKey: r.publicKey,
      signingKey: this.key,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(
          x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
          true,
        ),
        new x509.ExtendedKeyUsageExtension([
          r.usage === 'server' ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
        ]),
        ...(r.names?.length ? [subjectAltNames(r.names)] : []),
        await x509.AuthorityKeyIdentifierExtension.create(this.cert),
      ],
    });
    return cert.toString('pem');
  }
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/**
 * `<dir>/<name>.crt` and `.key` as they are when `keep(cert)` says so, else a fresh key and
 * certificate issued by the CA and written there.
 */
async function ensureIssued(
  dir: string,
  name: string,
  ca: ClusterCa,
  request: Omit<IssueRequest, 'publicKey'>,
  keep: (cert: x509.X509Certificate) => boolean,
): Promise<{ certPem: string; keyPem: string }> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  const certPem = await readIfExists(certPath);
  const keyPem = await readIfExists(keyPath);
  if (certPem && keyPem && usablePair(certPem, keyPem) && keep(new x509.X509Certificate(certPem)))
    return { certPem, keyPem };
  const keys = await newKeyPair();
  const issued = {
    certPem: await ca.issue({ ...request, publicKey: keys.publicKey }),
    keyPem: await privateKeyPem(keys.privateKey),
  };
  // Each file is written atomically; a crash between the two leaves a key that does not match
  // the certificate, which usablePair() notices on the next start, reissuing both.
  await writeFileAtomic(keyPath, issued.keyPem);
  await writeFileAtomic(certPath, issued.certPem);
  return issued;
}

/** A certificate and key that parse and belong together. */
function usablePair(certPem: string, keyPem: string): boolean {
  try {
    return new NodeX509(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

/**
 * Loads or creates `<dir>/ca.crt`, `ca.key`, `apiserver.crt`, `apiserver.key`,
 * `apiserver-kubelet-client.crt`, `apiserver-kubelet-client.key`. The serving certificate
 * covers `names` (DNS names and IP addresses) plus localhost and 127.0.0.1.
 */
export async function ensureServingPki(dir: string, extraNames: string[]): Promise<ServingPki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const names = [
    ...new Set(['localhost', '127.0.0.1', 'kubernetes', 'kubernetes.default', ...extraNames]),
  ].sort();

  let caPem = await readIfExists(join(dir, 'ca.crt'));
  let caKeyPem = await readIfExists(join(dir, 'ca.key'));
  if (!caPem || !caKeyPem) {
    const keys = await newKeyPair();
    const ca = await x509.X509CertificateGenerator.createSelfSigned({
      name: 'CN=kubelab-ca',
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + tenYears),
      signingAlgorithm: ecdsaSigning,
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
  const ca = await ClusterCa.fromPem(caPem, caKeyPem);
  const serving = await ensureIssued(
    dir,
    'apiserver',
    ca,
    { subject: 'CN=kubelab-apiserver', usage: 'server', names, validForMs: tenYears },
    (cert) => sameNames(cert, names),
  );
  const kubeletClient = await ensureIssued(
    dir,
    'apiserver-kubelet-client',
    ca,
    { subject: `CN=${kubeletClientCommonName}`, usage: 'client', validForMs: tenYears },
    () => true,
  );
  return { caPem, ...serving, kubeletClient, ca };
}

function sameNames(cert: x509.X509Certificate, names: string[]): boolean {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  if (!san) return false;
  const have = san.names.items.map((n) => n.value).sort();
  return have.length === names.length && have.every((v, i) => v === names[i]);
}
