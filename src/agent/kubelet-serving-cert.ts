// The kubelet's side of serverTLSBootstrap: a fresh key, and a certificate for it from the
// cluster CA (apiserver/kubelet-serving-certs.ts), asked for with the node's own credential.
// The API server writes the node's name into the certificate itself; what the kubelet chooses
// is which names and addresses it covers: the ones the API server will dial (the node's
// InternalIP) and its host name. A new key and certificate are made at every start, so
// nothing is kept on disk and addresses changed between runs are always covered.
// @peculiar/x509 resolves its ASN.1 schemas through tsyringe, which needs the Reflect metadata API
// loaded before it.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { StatusError } from '../api/status-error.js';
import type { ApiClient } from '../client/rest-client.js';
import {
  ecdsaSigning,
  newKeyPair,
  nodeCommonName,
  privateKeyPem,
  subjectAltNames,
} from '../client/x509-keys.js';
import type { KubeletServingCertificate } from './kubelet-server.js';

const servingCertificatesPath = '/apis/join.kubelab.dev/v1/servingcertificates';

/** `client` must be the node's own credential: the certificate names the caller's node. */
export async function requestServingCertificate(
  client: ApiClient,
  nodeName: string,
  names: readonly string[],
): Promise<KubeletServingCertificate> {
  const keys = await newKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    // The API server replaces the subject with the caller's node identity.
    name: `CN=${nodeCommonName(nodeName)}`,
    keys,
    signingAlgorithm: ecdsaSigning,
    extensions: [subjectAltNames(names)],
  });
  try {
    const { certificate } = await client.request<{ certificate: string }>('POST', servingCertificatesPath, {
      body: { csr: csr.toString('pem') },
    });
    return { certPem: certificate, keyPem: await privateKeyPem(keys.privateKey) };
  } catch (e) {
    if (e instanceof StatusError && e.code === 403)
      throw new Error(
        `node ${nodeName} cannot get a kubelet serving certificate with the credential it was given (${e.message}): an agent runs with its node's own credential (join with --bootstrap-kubeconfig)`,
      );
    throw e;
  }
}
