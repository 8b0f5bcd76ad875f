// Nodes: an agent registers its Node with the status it already knows (addresses, capacity,
// conditions), so a create keeps the client's status, as kube's node strategy does.
import type { ResourceInfo } from '../../api/resources.js';
import { defaultStrategy } from './default-strategy.js';
import type { ResourceStrategy } from './strategy.js';

export function nodeStrategy(r: ResourceInfo): ResourceStrategy {
  return { ...defaultStrategy(r), keepStatusOnCreate: true };
}
