// TokenReview (authentication.k8s.io/v1), create-only and never stored: another component (a
// webhook, an add-on's own API) asks the API server whether a token is valid and whom it names.
// Only ServiceAccount tokens are reviewed, as kube does for tokens it did not get from a webhook.
import { statusErrors } from '../api/status-error.js';
import { type ServiceAccountTokens, serviceAccountIssuer } from './service-account-tokens.js';

interface TokenReviewBody {
  metadata?: Record<string, unknown>;
  spec?: { token?: string; audiences?: string[] };
}

/**
 * The TokenReview the API server answers for a created `body`. The caller was authorized
 * before (create tokenreviews); who asks does not change the answer.
 */
export async function reviewToken(tokens: ServiceAccountTokens, body: unknown) {
  const review = (body ?? {}) as TokenReviewBody;
  const token = review.spec?.token;
  if (!token) throw statusErrors.badRequest('TokenReview spec.token: Required value');
  const audiences = review.spec?.audiences?.length ? review.spec.audiences : [serviceAccountIssuer];
  let status: Record<string, unknown>;
  try {
    const result = await tokens.review(token, audiences);
    status = result
      ? {
          authenticated: true,
          user: {
            username: result.user.name,
            uid: result.user.uid,
            groups: result.user.groups,
            extra: result.user.extra,
          },
          audiences: result.audiences,
        }
      : { user: {}, error: 'token is not a ServiceAccount token' };
  } catch (e) {
    status = { user: {}, error: (e as Error).message };
  }
  return {
    kind: 'TokenReview',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { ...review.metadata, creationTimestamp: null },
    spec: review.spec,
    status,
  };
}
