// TokenReview (authentication.k8s.io/v1), create-only and never stored: another component (a
// webhook, an add-on's own API) asks the API server whether a token is valid and whom it names.
// Only ServiceAccount tokens are reviewed, as kube does for tokens it did not get from a webhook.
import { statusErrors } from '../api/status-error.js';
import { type ServiceAccountTokens, serviceAccountIssuer } from './service-account-tokens.js';

export interface TokenReviewBody {
  spec?: { token?: string; audiences?: string[] };
}

/**
 * The status of a created TokenReview. The caller was authorized before (create tokenreviews);
 * who asks does not change the answer.
 */
export async function tokenReviewStatus(tokens: ServiceAccountTokens, body: TokenReviewBody) {
  const token = body.spec?.token;
  if (!token) throw statusErrors.badRequest('TokenReview spec.token: Required value');
  const audiences = body.spec?.audiences?.length ? body.spec.audiences : [serviceAccountIssuer];
  try {
    const result = await tokens.review(token, audiences);
    if (!result) return { user: {}, error: 'token is not a ServiceAccount token' };
    const { user } = result;
    return {
      authenticated: true,
      user: { username: user.name, uid: user.uid, groups: user.groups, extra: user.extra },
      audiences: result.audiences,
    };
  } catch (e) {
    return { user: {}, error: (e as Error).message };
  }
}
