// The virtual kinds this API server answers (virtual-resources.ts): authorization.k8s.io's
// access reviews (rbac/access-reviews.ts), authentication.k8s.io's SelfSubjectReview, which
// tells callers who they are (`kubectl auth whoami`), and TokenReview, which tells a webhook
// whose a ServiceAccount token is (token-review.ts).
import { resource, virtualResources } from '../api/resources.js';
import { accessReviews } from './rbac/access-reviews.js';
import type { RbacAuthorizer } from './rbac/rbac-authorizer.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';
import { type TokenReviewBody, tokenReviewStatus } from './token-review.js';
import type { VirtualCreate, VirtualCreates } from './virtual-resources.js';

const selfSubjectReview: VirtualCreate = (_body, user) => ({
  userInfo: {
    username: user.name,
    ...(user.uid ? { uid: user.uid } : {}),
    groups: user.groups,
    ...(user.extra ? { extra: user.extra } : {}),
  },
});

export function reviewCreates(
  rbac: RbacAuthorizer,
  serviceAccountTokens: ServiceAccountTokens,
): VirtualCreates {
  const byKind: Record<string, VirtualCreate> = {
    ...accessReviews(rbac),
    [resource.selfSubjectReviews.kind]: selfSubjectReview,
    [resource.tokenReviews.kind]: (body) => tokenReviewStatus(serviceAccountTokens, body as TokenReviewBody),
  };
  return new Map(virtualResources.flatMap((r) => (byKind[r.kind] ? [[r, byKind[r.kind]!] as const] : [])));
}
