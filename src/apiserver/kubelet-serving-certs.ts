// POST /apis/join.kubelab.dev/v1/servingcertificates {"csr": PEM} -> {"certificate": PEM}: a
// kubelet's serving certificate from the cluster CA (kube's kubelet-serving CSRs with
// serverTLSBootstrap, signed at once instead of waiting for an approver). The caller must be a
// node, and the certificate names exactly that node — O=system:nodes, CN=system:node:<name> —
// whatever the request's subject says, so the API server can check, when it dials a node's
// address, that the node's own kubelet answers (kubelet-client.ts). The CSR is honoured for
// its public key (its signature proves the caller holds the private key) and its
// subjectAltNames: the names and addresses the kubelet is reached at. Which addresses a node
// may claim is not checked — a node could get a certificate for any address, but only ever
// with its own name in it, and the API server checks the name of the node it meant to reach.
// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the Reflect metadata API
// loaded before it.
import 'reflect-metadata';
import type { ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import * as x509 from '@peculiar/x509';
import { isDNS1123Subdomain } from '../api/names.js';
import { StatusError, statusErrors } from '../api/status-error.js';
import { nodeCommonName, nodesOrganization } from '../client/x509-keys.js';
import type { UserInfo } from './authn.js';
import { writeJson } from './http-io.js';
import { nodesGroup, nodeUserPrefix } from './node-authorizer.js';
import type { ClusterCa } from './pki.js';

const oneYear = 365 * 24 * 3600 * 1000;
const maxNames = 16;

function parseCsr(body: Record<string, unknown>): x509.Pkcs10CertificateRequest {
  if (typeof body.csr !== 'string')
    throw statusErrors.badRequest(
      'csr: must be a PEM certificate signing request (BEGIN CERTIFICATE REQUEST)',
    );
  try {
    return new x509.Pkcs10CertificateRequest(body.csr);
  } catch (e) {
    throw statusErrors.badRequest(`csr: not a PEM certificate signing request: ${(e as Error).message}`);
  }
}

/** The CSR's subjectAltNames, each a DNS name or an IP address. */
function requestedNames(csr: x509.Pkcs10CertificateRequest): string[] {
  const san = csr.extensions.find((e) => e instanceof x509.SubjectAlternativeNameExtension);
  const names = san?.names.items ?? [];
  if (names.length === 0 || names.length > maxNames)
    throw statusErrors.badRequest(
      `csr: must name from 1 to ${maxNames} subjectAltNames (the kubelet's addresses and host names), got ${names.length}`,
    );
  for (const n of names) {
    const ok =
      (n.type === 'ip' && isIP(n.value) !== 0) ||
      (n.type === 'dns' && isDNS1123Subdomain(n.value).length === 0);
    if (!ok)
      throw statusErrors.badRequest(
        `csr: subjectAltName ${n.type}:${n.value} is not a DNS name or an IP address`,
      );
  }
  return names.map((n) => n.value);
}

export async function serveKubeletServingCertificate(
  res: ServerResponse,
  body: Record<string, unknown>,
  user: UserInfo,
  ca: ClusterCa,
): Promise<void> {
  if (!user.groups.includes(nodesGroup) || !user.name.startsWith(nodeUserPrefix))
    throw new StatusError(
      403,
      'Forbidden',
      `User "${user.name}" cannot create kubelet serving certificates: only a node, with its own credential, may ask for one`,
    );
  const nodeName = user.name.slice(nodeUserPrefix.length);
  const csr = parseCsr(body);
  if (!(await csr.verify()))
    throw statusErrors.badRequest('csr: its signature does not match its public key');
  const names = requestedNames(csr);
  const certificate = await ca.issue({
    subject: `O=${nodesOrganization}, CN=${nodeCommonName(nodeName)}`,
    publicKey: await csr.publicKey.export(),
    usage: 'server',
    names,
    validForMs: oneYear,
  });
  return writeJson(res, 201, { certificate });
}
