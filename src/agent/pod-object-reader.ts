// The configMaps and secrets a pod's env and volumes name, read from the API server and
// decoded. A reader lives for one run of a step and reads each object once in it: an env with
// three keys of one secret reads the secret once.
import type { ConfigMap, Secret } from 'kubernetes-types/core/v1.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import type { ApiClient } from '../client/rest-client.js';

export type PodObjectKind = 'configmap' | 'secret';

export class PodObjectReader {
  private readonly cache = new Map<string, Promise<Record<string, string> | undefined>>();

  constructor(
    private readonly client: ApiClient,
    private readonly namespace: string | undefined,
  ) {}

  /** Data of a configMap (binaryData decoded) or secret (base64 decoded); undefined when missing. */
  data(kind: PodObjectKind, name: string): Promise<Record<string, string> | undefined> {
    const key = `${kind}/${name}`;
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.read(kind, name);
      this.cache.set(key, hit);
    }
    return hit;
  }

  private async read(kind: PodObjectKind, name: string) {
    try {
      if (kind === 'configmap') {
        const cm = await this.client.resource<ConfigMap>(resource.configMaps, this.namespace).get(name);
        const binary = Object.entries(cm.binaryData ?? {}).map(([k, v]) => [
          k,
          Buffer.from(v, 'base64').toString('utf8'),
        ]);
        return { ...cm.data, ...Object.fromEntries(binary) };
      }
      const secret = await this.client.resource<Secret>(resource.secrets, this.namespace).get(name);
      const decoded = Object.entries(secret.data ?? {}).map(([k, v]) => [
        k,
        Buffer.from(v, 'base64').toString('utf8'),
      ]);
      return { ...Object.fromEntries(decoded), ...secret.stringData };
    } catch (e) {
      if (e instanceof StatusError && e.reason === 'NotFound') return undefined;
      throw e;
    }
  }
}
