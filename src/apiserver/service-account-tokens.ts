// ServiceAccount tokens, as kube's bound tokens (pkg/serviceaccount): RS256 JWTs the API server
// signs with a key kept in the store (cluster-keys.ts), so every API server sharing the store
// issues and accepts the same tokens and a restart invalidates none. A token names its
// ServiceAccount and the object it is bound to (a Pod, Secret or Node) by uid, and stops working
// as soon as either is gone or replaced by a namesake: deleting a pod revokes its tokens, which
// is what makes them safe to hand to a container.
import { createHash, createPublicKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { type CryptoKey, importPKCS8, importSPKI, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { type ResourceInfo, resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import type { Store } from '../store/store.js';
import type { Authenticator, UserInfo } from './authn.js';
import { clusterKey } from './cluster-keys.js';
import type { ApiObject } from './object-meta.js';
import type { Registry } from './registry.js';

/** kube-apiserver's --service-account-issuer as kubeadm sets it; also the default audience. */
export const serviceAccountIssuer = 'https://kubernetes.default.svc.cluster.local';
export const serviceAccountsGroup = 'system:serviceaccounts';
export const serviceAccountUserPrefix = 'system:serviceaccount:';

const algorithm = 'RS256';

/** What a token may be bound to (kube: Pod, Secret, Node), and where each kind is stored. */
export const bindableKinds: Readonly<Record<string, ResourceInfo>> = {
  Pod: resource.pods,
  Secret: resource.secrets,
  Node: resource.nodes,
};

interface ObjectRef {
  name: string;
  uid: string;
}

/** kube's private claims (`kubernetes.io`): who the token is for and what it is bound to. */
interface KubernetesClaims {
  namespace: string;
  serviceaccount: ObjectRef;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

export interface TokenGrant {
  namespace: string;
  serviceAccount: ObjectRef;
  audiences: string[];
  expirationSeconds: number;
  pod?: ObjectRef;
  secret?: ObjectRef;
  node?: ObjectRef;
}

/** A verified token: the caller it names and the audiences it was accepted for. */
export interface TokenReviewResult {
  user: UserInfo;
  audiences: string[];
}

export class ServiceAccountTokens implements Authenticator {
  private constructor(
    private readonly registry: Registry,
    private readonly now: () => number,
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    private readonly keyId: string,
  ) {}

  /** Reads the signing key from the store, creating it the first time any API server starts. */
  static async load(store: Store, registry: Registry, now: () => number): Promise<ServiceAccountTokens> {
    const pem = await clusterKey(store, 'service-account-signing-key', () =>
      generateKeyPairSync('rsa', { modulusLength: 2048 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    );
    const publicKey = createPublicKey(pem);
    // kube's key id: the unpadded base64url SHA-256 of the DER public key, so a verifier
    // holding several keys (a rotation) picks the right one.
    const keyId = createHash('sha256')
      .update(publicKey.export({ type: 'spki', format: 'der' }))
      .digest('base64url');
    return new ServiceAccountTokens(
      registry,
      now,
      await importPKCS8(pem, algorithm),
      await importSPKI(publicKey.export({ type: 'spki', format: 'pem' }).toString(), algorithm),
      keyId,
    );
  }

  /** Signs a token; resolves to it and its expiry. */
  async issue(grant: TokenGrant): Promise<{ token: string; expiresAt: Date }> {
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + grant.expirationSeconds;
    const claims: KubernetesClaims = {
      namespace: grant.namespace,
      serviceaccount: grant.serviceAccount,
      ...(grant.pod ? { pod: grant.pod } : {}),
      ...(grant.secret ? { secret: grant.secret } : {}),
      ...(grant.node ? { node: grant.node } : {}),
    };
    const token = await new SignJWT({ 'kubernetes.io': claims })
      .setProtectedHeader({ alg: algorithm, kid: this.keyId })
      .setIssuer(serviceAccountIssuer)
      .setSubject(`${serviceAccountUserPrefix}${grant.namespace}:${grant.serviceAccount.name}`)
      .setAudience(grant.audiences)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(exp)
      .setJti(randomUUID())
      .sign(this.privateKey);
    return { token, expiresAt: new Date(exp * 1000) };
  }

  authenticate(authorization: string | undefined): Promise<UserInfo | undefined> | undefined {
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    // A JWT has three dot-separated parts; anything else is another authenticator's token.
    if (token?.split('.').length !== 3) return undefined;
    return this.review(token, [serviceAccountIssuer]).then(
      (r) => r?.user,
      () => undefined,
    );
  }

  /**
   * Verifies signature, issuer, time and audience (one of `audiences`), then that the
   * ServiceAccount and the bound object still exist with the uids the token names. Throws
   * with the reason when the token is ours but not valid; undefined when it is not ours.
   */
  async review(token: string, audiences: string[]): Promise<TokenReviewResult | undefined> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, {
        issuer: serviceAccountIssuer,
        audience: audiences,
        algorithms: [algorithm],
        currentDate: new Date(this.now()),
      }));
    } catch (e) {
      throw new Error(`invalid bearer token, ${(e as Error).message}`);
    }
    const claims = payload['kubernetes.io'] as KubernetesClaims | undefined;
    if (!claims?.serviceaccount || !claims.namespace) return undefined;
    const ns = claims.namespace;
    await this.requireLive(resource.serviceAccounts, ns, claims.serviceaccount);
    if (claims.pod) await this.requireLive(resource.pods, ns, claims.pod);
    if (claims.secret) await this.requireLive(resource.secrets, ns, claims.secret);
    if (claims.node) await this.requireLive(resource.nodes, undefined, claims.node);
    const tokenAudiences = [payload.aud ?? []].flat();
    const extra: Record<string, string[]> = {
      'authentication.kubernetes.io/credential-id': [`JTI=${payload.jti}`],
    };
    if (claims.pod) {
      extra['authentication.kubernetes.io/pod-name'] = [claims.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [claims.pod.uid];
    }
    if (claims.node) {
      extra['authentication.kubernetes.io/node-name'] = [claims.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [claims.node.uid];
    }
    return {
      user: {
        name: `${serviceAccountUserPrefix}${ns}:${claims.serviceaccount.name}`,
        uid: claims.serviceaccount.uid,
        groups: [serviceAccountsGroup, `${serviceAccountsGroup}:${ns}`, 'system:authenticated'],
        extra,
      },
      audiences: audiences.filter((a) => tokenAudiences.includes(a)),
    };
  }

  /** kube's validator: the object exists, is the same one (uid), and is not past its deletion. */
  private async requireLive(r: ResourceInfo, namespace: string | undefined, ref: ObjectRef): Promise<void> {
    let obj: ApiObject;
    try {
      obj = await this.registry.get(r, namespace, ref.name);
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'NotFound')
        throw new Error(`${r.singular} "${ref.name}" not found; the token is no longer valid`);
      throw e;
    }
    if (obj.metadata.uid !== ref.uid)
      throw new Error(`${r.kind} UID (${obj.metadata.uid}) does not match claim (${ref.uid})`);
    const deletion = obj.metadata.deletionTimestamp;
    if (deletion && Date.parse(deletion) <= this.now())
      throw new Error(`${r.kind} "${ref.name}" is being deleted`);
  }
}
