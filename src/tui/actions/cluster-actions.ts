// What the TUI's action keys do. Each action is a plan: the equivalent `kubelab` command line
// (shown in the confirmation, so a learner sees what they could have typed) and the work
// itself, done with the same code the CLI command uses where that lives outside src/cli
// (node-drain, rollbackPlan, src/provision's failure injection) and with the same API
// requests otherwise. Nothing here shells out to kubelab.
import type { Deployment, ReplicaSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { rollbackPlan } from '../../api/deployment-revisions.js';
import { controllerRefOf } from '../../api/owner-references.js';
import { kindPrefix, type ResourceInfo, resourceByKind } from '../../api/resources.js';
import { applyDocuments } from '../../client/apply.js';
import { readManifests } from '../../client/manifest-files.js';
import {
  drainPlan,
  evictPod,
  podRef,
  podsOnNode,
  setNodeUnschedulable,
  unmanagedPodsError,
} from '../../client/node-drain.js';
import type { ApiClient } from '../../client/rest-client.js';
import { failNode, recoverNode } from '../../provision/cluster-lifecycle.js';
import type { NodeFailureMode } from '../../provision/cluster-provider.js';
import { type ClusterRecord, readClusterRecord } from '../../provision/cluster-records.js';
import { shellQuote } from '../../provision/ssh/shell-quote.js';
import { resourceOfKind } from '../data/cluster-model.js';

export interface ActionPlan {
  /** What is about to happen, in words. */
  title: string;
  /** The same thing as a command line. */
  command: string;
  /** Does it; resolves to the outcome as the CLI would report it. */
  run(): Promise<string>;
}

export interface NamedObject {
  resource: ResourceInfo;
  namespace?: string;
  name: string;
}

export const failureModes: { mode: NodeFailureMode; key: string; meaning: string }[] = [
  { mode: 'poweroff', key: 'p', meaning: 'the machine and its containers are gone' },
  { mode: 'partition', key: 'n', meaning: 'cut off the network; its containers keep running' },
  { mode: 'agent', key: 'a', meaning: 'agent stopped: heartbeats stop, containers keep running' },
];

/**
 * The cluster's record as it is on disk now: the TUI runs for long, and a sim node's process id
 * changes whenever it is recovered, from here or from another shell.
 */
async function recordNow(cluster: ClusterRecord): Promise<ClusterRecord> {
  const record = await readClusterRecord(cluster.name);
  if (!record) throw new Error(`no cluster named "${cluster.name}" (see \`kubelab clusters\`)`);
  return record;
}

function nsFlag(namespace: string | undefined): string {
  return namespace ? ` -n ${namespace}` : '';
}

export class ClusterActions {
  constructor(
    private readonly client: ApiClient,
    /** The kubelab cluster the TUI shows; undefined when started with --kubeconfig (no failure injection then). */
    private readonly cluster?: ClusterRecord,
  ) {}

  /**
   * `kubelab apply -f PATH`: the manifests are read and parsed before anything is asked, so the
   * confirmation lists what they hold and a broken file is refused (at its file:line) before
   * a single object is sent. Objects without a namespace go to the one the TUI shows.
   */
  async apply(path: string, namespace: string | undefined): Promise<ActionPlan> {
    const problems: string[] = [];
    const docs = await readManifests([path], false, (e) => problems.push(e.message));
    if (problems.length)
      throw new Error(`${problems.join('\n')}\nnothing was applied: fix the file and apply again`);
    if (!docs.length) throw new Error(`no objects in ${path}: nothing to apply`);
    const names = docs.map((d) => {
      const { apiVersion, kind, metadata } = d.object as {
        apiVersion?: string;
        kind?: string;
        metadata?: { name?: string };
      };
      const info = resourceByKind(String(apiVersion), String(kind));
      return `${info ? kindPrefix(info) : String(kind).toLowerCase()}/${metadata?.name ?? '?'}`;
    });
    return {
      title: `Apply ${docs.length} object(s) from ${path}: ${names.join(', ')}`,
      command: `kubelab apply -f ${shellQuote(path)}${nsFlag(namespace)}`,
      run: async () => {
        const done: string[] = [];
        const failures: string[] = [];
        await applyDocuments(this.client, docs, namespace ?? 'default', {
          applied: (a) => done.push(`${a.name} ${a.result}`),
          failed: (message) => failures.push(message),
        });
        if (failures.length) throw new Error([...failures, ...done].join('\n'));
        return done.join(', ');
      },
    };
  }

  scale(target: NamedObject, replicas: number): ActionPlan {
    const { resource, namespace, name } = target;
    return {
      title: `Scale ${resource.singular} ${name} to ${replicas} replica(s)`,
      command: `kubelab scale ${resource.singular}/${name} --replicas=${replicas}${nsFlag(namespace)}`,
      run: async () => {
        const api = this.client.resource(resource, namespace);
        const scale = await api.getScale(name);
        // The scale's resourceVersion makes the write conditional, as kubectl's is.
        await api.updateScale(name, { ...scale, spec: { replicas } });
        return `${kindPrefix(resource)}/${name} scaled`;
      },
    };
  }

  /** A rolling update: the container's image in the pod template changes, the Deployment controller does the rest. */
  setImage(d: Deployment, container: string, image: string): ActionPlan {
    const name = d.metadata?.name ?? '';
    const namespace = d.metadata?.namespace;
    return {
      title: `Set image of container ${container} in deployment ${name} to ${image} (starts a rolling update)`,
      command: `kubelab set image deployment/${name} ${container}=${image}${nsFlag(namespace)}`,
      run: async () => {
        await this.client
          .resource<Deployment>(resourceOfKind('Deployment'), namespace)
          .patch(
            name,
            { spec: { template: { spec: { containers: [{ name: container, image }] } } } },
            'strategic',
          );
        return `deployment.apps/${name} image updated`;
      },
    };
  }

  undo(d: Deployment): ActionPlan {
    const name = d.metadata?.name ?? '';
    const namespace = d.metadata?.namespace;
    return {
      title: `Roll deployment ${name} back to its previous revision`,
      command: `kubelab rollout undo deployment/${name}${nsFlag(namespace)}`,
      run: async () => {
        const api = this.client.resource<Deployment>(resourceOfKind('Deployment'), namespace);
        const current = await api.get(name);
        const rss = await this.client.resource<ReplicaSet>(resourceOfKind('ReplicaSet'), namespace).listAll();
        const owned = rss.items.filter((rs) => controllerRefOf(rs)?.uid === current.metadata?.uid);
        const plan = rollbackPlan(current, owned, 0);
        if (plan.kind === 'skip')
          return `deployment.apps/${name} skipped rollback (current template already matches revision ${plan.revision})`;
        await api.patch(name, plan.patch, 'json');
        return `deployment.apps/${name} rolled back to revision ${plan.revision}`;
      },
    };
  }

  setPaused(d: Deployment, paused: boolean): ActionPlan {
    const name = d.metadata?.name ?? '';
    const namespace = d.metadata?.namespace;
    const verb = paused ? 'pause' : 'resume';
    return {
      title: paused
        ? `Pause the rollout of deployment ${name} where it is`
        : `Resume the rollout of deployment ${name}`,
      command: `kubelab rollout ${verb} deployment/${name}${nsFlag(namespace)}`,
      run: async () => {
        const api = this.client.resource<Deployment>(resourceOfKind('Deployment'), namespace);
        const current = await api.get(name);
        if (Boolean(current.spec?.paused) === paused)
          throw new Error(`deployments.apps "${name}" is ${paused ? 'already paused' : 'not paused'}`);
        await api.patch(name, { spec: { paused } }, 'merge');
        return `deployment.apps/${name} ${paused ? 'paused' : 'resumed'}`;
      },
    };
  }

  deletePod(pod: Pod): ActionPlan {
    const name = pod.metadata?.name ?? '';
    const namespace = pod.metadata?.namespace;
    return {
      title: `Delete pod ${name} (its controller, if any, replaces it)`,
      command: `kubelab delete pod ${name}${nsFlag(namespace)}`,
      run: async () => {
        await this.client.resource<Pod>(resourceOfKind('Pod'), namespace).delete(name);
        return `pod "${name}" deleted`;
      },
    };
  }

  cordon(node: string, unschedulable: boolean): ActionPlan {
    const verb = unschedulable ? 'cordon' : 'uncordon';
    return {
      title: unschedulable
        ? `Cordon ${node}: no new pods are scheduled there; its pods stay`
        : `Uncordon ${node}: new pods may be scheduled there again`,
      command: `kubelab ${verb} ${node}`,
      run: async () => {
        const changed = await setNodeUnschedulable(this.client, node, unschedulable);
        return `node/${node} ${changed ? '' : 'already '}${verb}ed`;
      },
    };
  }

  /** Cordon and evict; the cards then show the pods leaving, so the TUI does not wait for them. */
  drain(node: string): ActionPlan {
    return {
      title: `Drain ${node}: cordon it and evict its pods (DaemonSet pods stay)`,
      command: `kubelab drain ${node}`,
      run: async () => {
        await setNodeUnschedulable(this.client, node, true);
        const plan = drainPlan(await podsOnNode(this.client, node));
        if (plan.unmanaged.length) throw unmanagedPodsError(node, plan.unmanaged);
        await Promise.all(plan.evict.map((pod) => evictPod(this.client, pod)));
        const kept = plan.daemonSetPods.length
          ? `; DaemonSet pods stay: ${plan.daemonSetPods.map(podRef).join(', ')}`
          : '';
        return `node/${node} cordoned, ${plan.evict.length} pod(s) evicted${kept}`;
      },
    };
  }

  failNode(node: string, mode: NodeFailureMode): ActionPlan {
    const cluster = this.requireCluster('node fail');
    const meaning = failureModes.find((m) => m.mode === mode)?.meaning ?? mode;
    return {
      title: `Fail node ${node}: ${mode} (${meaning})`,
      command: `kubelab node fail ${node} --mode ${mode}`,
      run: async () => {
        await failNode(await recordNow(cluster), node, mode);
        return `node ${node} failed (${mode}): watch its heartbeat stop and the countdowns run`;
      },
    };
  }

  recoverNode(node: string): ActionPlan {
    const cluster = this.requireCluster('node recover');
    return {
      title: `Recover node ${node}: machine on, network back, agent started`,
      command: `kubelab node recover ${node}`,
      run: async () => {
        const outcome = await recoverNode(await recordNow(cluster), node);
        if (outcome === 'running') return `node ${node} was not failed; nothing to do`;
        return outcome === 'recovered'
          ? `node ${node} recovered; it turns Ready within seconds`
          : `node ${node} ${outcome}`;
      },
    };
  }

  private requireCluster(what: string): ClusterRecord {
    if (!this.cluster)
      throw new Error(
        `${what} needs a kubelab cluster (it acts on the machine, not the API); this TUI was started with a kubeconfig only`,
      );
    return this.cluster;
  }
}
