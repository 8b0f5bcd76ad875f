// The agent's timers come from the profile the control plane publishes in the
// kube-system/kubelab-profile ConfigMap; without one (an older or bare API server) it is `lab`.
import type { ConfigMap } from 'kubernetes-types/core/v1.js';
import { type Profile, profileConfigMap, profileFromData, profiles } from '../api/profiles.js';
import { resource } from '../api/resources.js';
import { StatusError } from '../api/status-error.js';
import type { ApiClient } from '../client/rest-client.js';

export async function loadProfile(client: ApiClient): Promise<Profile> {
  try {
    const cm = await client
      .resource<ConfigMap>(resource.configMaps, profileConfigMap.namespace)
      .get(profileConfigMap.name);
    return profileFromData(cm.data);
  } catch (e) {
    if (e instanceof StatusError && (e.reason === 'NotFound' || e.reason === 'Forbidden'))
      return profiles.lab;
    throw e;
  }
}
