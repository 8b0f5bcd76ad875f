// A self-signed serving certificate made at start-up, for an endpoint nobody can pin in
// advance (the node agent's kubelet port): TLS keeps the bytes private, while who may talk to
// it is decided by the bearer token, not by the certificate. Built with @peculiar/x509 on
// WebCrypto, as the API server's PKI is, so no openssl binary is needed on the machine.
// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const oneYear = 365 * 24 * 3600 * 1000;

/** A PKCS#8 private key as PEM (what node:tls takes as `key`). */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

/** True for an IPv4 or IPv6 literal (a subjectAltName of type ip rather than dns). */
export function isIpAddress(name: string): boolean {
  return /^[0-9.]+$/.test(name) || name.includes(':');
}

/** A fresh key and a certificate signed by itself for `names` (DNS names and IP addresses). */
export async function selfSignedCert(
  commonName: string,
  names: string[],
): Promise<{ certPem: string; keyPem: string }> {
  const keys = (await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify'])) as unknown as {
    publicKey: CryptoKey;
    privateKey: CryptoKey;
  };
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${commonName}`,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + oneYear),
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(
        [...new Set(names)].map((n) => ({ type: isIpAddress(n) ? 'ip' : 'dns', value: n })),
      ),
    ],
  });
  return { certPem: cert.toString('pem'), keyPem: await privateKeyPem(keys.privateKey) };
}
