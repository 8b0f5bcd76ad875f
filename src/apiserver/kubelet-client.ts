// How the API server calls a node's kubelet (kube-apiserver's NodeConnectionInfoGetter +
// KubeletClientConfig with --kubelet-certificate-authority and --kubelet-client-certificate):
// the Node's InternalIP and daemonEndpoints.kubeletEndpoint.Port say where, and the TLS
// handshake proves that what answers there is that node's kubelet. The logs, exec and metrics
// proxies all go through here.
//
// Both ends show certificates of the cluster CA. The API server presents its own
// `kube-apiserver-kubelet-client` certificate, never the caller's token: the caller was
// authorized here before any proxying, and a kubelet learns nothing it could replay. It
// accepts only a serving certificate issued to `system:node:<that node>` (O=system:nodes)
// covering the address dialed. The Node's status is written by the node itself, so a node that
// points its addresses at another listener (another node's kubelet, a server of its own, a
// machine off the cluster) gets a failed handshake: no request, no header, no token leaves.
import type { ClientRequest } from 'node:http';
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { Node } from 'kubernetes-types/core/v1.js';
import { simulatedNodeLabel } from '../api/node-labels.js';
import { resource } from '../api/resources.js';
import { type StatusError, statusErrors } from '../api/status-error.js';
import { nodeCommonName, nodesOrganization } from '../client/x509-keys.js';
import type { Registry } from './registry.js';

/** Where a node's kubelet answers: address and port as the Node publishes them. */
export interface KubeletLocation {
  nodeName: string;
  address: string;
  port: number;
}

export interface KubeletClientTls {
  caPem: string;
  /** The API server's kubelet client certificate and key. */
  certPem: string;
  keyPem: string;
}

/** `host:port` as it is written in a URL and in messages. */
function kubeletHost(l: KubeletLocation): string {
  return `${l.address.includes(':') ? `[${l.address}]` : l.address}:${l.port}`;
}

/** The node's kubelet; `what` names the feature in the error when it has none ("logs"). */
export function kubeletLocation(node: Node, what: string): KubeletLocation {
  const nodeName = node.metadata?.name ?? '';
  const address = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!address || !port) {
    // A SIMULATED node serves an endpoint only when its host runs one (`kubelab agent` does).
    if (node.metadata?.labels?.[simulatedNodeLabel] === 'true')
      throw statusErrors.badRequest(
        `node "${nodeName}" is SIMULATED and serves no kubelet endpoint, so it has no ${what}`,
      );
    throw statusErrors.badRequest(
      `node "${nodeName}" does not publish an address and kubelet port for ${what}`,
    );
  }
  return { nodeName, address, port };
}

/** kube-apiserver's TLS handshake timeout towards kubelets. */
const handshakeTimeoutMs = 10_000;

/** OpenSSL's verdicts on a certificate chain that does not lead to the cluster CA. */
const notTheClusterCa = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/** Why the kubelet's certificate is not the node's own, or undefined when it is. */
function notTheNodesCertificate(l: KubeletLocation, cert: PeerCertificate): Error | undefined {
  const organizations = ([] as string[]).concat(cert.subject?.O ?? []);
  const cn = cert.subject?.CN;
  if (cn !== nodeCommonName(l.nodeName) || !organizations.includes(nodesOrganization))
    return new Error(
      `its serving certificate belongs to "${cn ?? '(no common name)'}", not to ${nodeCommonName(l.nodeName)} in ${nodesOrganization}`,
    );
  // The address dialed must be one the certificate was issued for (an IP SAN for an address).
  return checkServerIdentity(l.address, cert);
}

export class KubeletClient {
  constructor(
    private readonly registry: Registry,
    private readonly tls: KubeletClientTls,
  ) {}

  /** The kubelet of the node named `nodeName`, from its Node object. */
  async locate(nodeName: string, what: string): Promise<KubeletLocation> {
    return kubeletLocation((await this.registry.get(resource.nodes, undefined, nodeName)) as Node, what);
  }

  /**
   * An HTTPS request to the kubelet at `l`, sent only once the handshake has verified it;
   * callers turn its 'error' (connection or verification failed) into a Status with dialError.
   * A kept-alive connection is reused only for the same address and SNI (node name), the pair
   * it was verified for.
   */
  request(
    l: KubeletLocation,
    path: string,
    options: Pick<RequestOptions, 'method' | 'headers' | 'timeout'>,
  ): ClientRequest {
    const req = httpsRequest({
      ...options,
      host: l.address,
      port: l.port,
      path,
      ca: this.tls.caPem,
      cert: this.tls.certPem,
      key: this.tls.keyPem,
      // The node name as SNI: a listener hosting several SIMULATED nodes answers with the
      // certificate of the one asked for.
      servername: l.nodeName,
      checkServerIdentity: (_servername, cert) => notTheNodesCertificate(l, cert),
    });
    // A node may name an address where nothing answers, or something that never finishes a
    // handshake: give up after kube's TLS handshake timeout rather than holding the caller
    // (exec is exempt from the request time limit). A kept-alive connection is already verified.
    req.on('socket', (socket) => {
      if (!socket.connecting) return;
      const timer = setTimeout(
        () => req.destroy(new Error(`no verified TLS connection within ${handshakeTimeoutMs / 1000} s`)),
        handshakeTimeoutMs,
      );
      socket.once('secureConnect', () => clearTimeout(timer));
      socket.once('close', () => clearTimeout(timer));
    });
    return req;
  }

  /** A failed call as the Status the caller sees: 503 naming the node, where it was dialed and why. */
  dialError(l: KubeletLocation, e: Error): StatusError {
    const why = notTheClusterCa.has((e as NodeJS.ErrnoException).code ?? '')
      ? `its serving certificate is not issued by the cluster CA (${e.message})`
      : e.message;
    return statusErrors.unavailable(
      `error dialing backend: the kubelet of node "${l.nodeName}" at ${kubeletHost(l)} could not be reached or verified: ${why} (is the node up? kubelab get nodes -o wide)`,
    );
  }
}
