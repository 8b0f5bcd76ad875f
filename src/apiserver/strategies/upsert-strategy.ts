// Kinds their writer puts whether or not they exist yet — Endpoints (the endpoints
// controller), Leases (heartbeats, leader election), Events (recorders) — have kube's
// AllowCreateOnUpdate: a PUT to a missing name creates the object, status included.
import type { ResourceInfo } from '../../api/resources.js';
import { defaultStrategy } from './default-strategy.js';
import type { ResourceStrategy } from './strategy.js';

export function upsertStrategy(r: ResourceInfo): ResourceStrategy {
  return { ...defaultStrategy(r), allowCreateOnUpdate: true, keepStatusOnCreate: true };
}
