// What both ends of the cluster's TLS share: the names certificates carry (the API server's
// kubelet client, a node's serving identity, as kubeadm names them), the key type, and PEM
// and subjectAltName helpers. Built on @peculiar/x509 over WebCrypto, so no ASN.1 is written
// here and no openssl binary is needed on any machine.
// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the Reflect metadata API.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** CN of the client certificate the API server presents to every kubelet (kubeadm's name). */
export const kubeletClientCommonName = 'kube-apiserver-kubelet-client';
/** Subject of a node's kubelet serving certificate: O=system:nodes, CN=system:node:<name>. */
export const nodesOrganization = 'system:nodes';
export const nodeCommonName = (nodeName: string) => `system:node:${nodeName}`;

const ecdsaKey = { name: 'ECDSA', namedCurve: 'P-256' } as const;
export const ecdsaSigning = { name: 'ECDSA', hash: 'SHA-256' } as const;

type KeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };

export async function newKeyPair(): Promise<KeyPair> {
  return (await webcrypto.subtle.generateKey(ecdsaKey, true, ['sign', 'verify'])) as unknown as KeyPair;
}

/** A PKCS#8 private key as PEM (what node:tls takes as `key`). */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key as webcrypto.CryptoKey));
  const body = der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trimEnd();
  return `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----\n`;
}

/** The signing key of a privateKeyPem. */
export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
  return (await webcrypto.subtle.importKey('pkcs8', der, ecdsaKey, true, ['sign'])) as unknown as CryptoKey;
}

/** True for an IPv4 or IPv6 literal (a subjectAltName of type ip rather than dns). */
function isIpAddress(name: string): boolean {
  return /^[0-9.]+$/.test(name) || name.includes(':');
}

/** The subjectAltName extension covering `names` (DNS names and IP addresses). */
export function subjectAltNames(names: readonly string[]): x509.SubjectAlternativeNameExtension {
  return new x509.SubjectAlternativeNameExtension(
    [...new Set(names)].map((n) => ({ type: isIpAddress(n) ? 'ip' : 'dns', value: n })),
  );
}
