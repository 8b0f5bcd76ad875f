// The agent's timers come from the profile the control plane publishes in the
// kube-system/kubelab-profile ConfigMap; without one (an older or bare API server) it is `lab`.
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { type Profile, profileConfigMap, profileFromData, profiles } from '../api/profiles.js';
import { resources } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import type { ApiClient } from '../client/rest-client.js';

const configMapInfo = resources.find((r) => r.kind === 'ConfigMap')!;

export async function loadProfile(client: ApiClient): Promise<Profile> {
  try {
    const cm = await client
      .resource<ConfigMap>(configMapInfo, profileConfigMap.namespace)
      .get(profileConfigMap.name);
    return profileFromData(cm.data);
  } catch (e) {
    if (e instanceof StatusError && (e.reason === 'NotFound' || e.reason === 'Forbidden'))
      return profiles.lab;
    throw e;
  }
}
