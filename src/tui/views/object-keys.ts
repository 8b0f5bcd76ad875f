// The keys that act on one object, shared by every screen that shows it (overview cards and
// panels, resource lists, describe/YAML): inspect (describe, YAML, logs, the scheduler's
// explanation), and the actions for its kind, each asking for a value or a choice where one
// is needed and then for confirmation.
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/kube-object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { failureModes } from '../actions/cluster-actions.js';
import { resourceOfKind } from '../data/cluster-model.js';
import { choose, prompt, propose, push, refuse } from '../input/intents.js';
import type { KeyBinding } from '../input/key-bindings.js';
import { logsScreen, type ObjectRef, type TextMode, textScreen } from '../navigation.js';

export function refOf(resource: ResourceInfo, obj: KubeObject): ObjectRef {
  return { resource, namespace: obj.metadata?.namespace, name: obj.metadata?.name ?? '' };
}

/** d, y (and for pods l, x): open the object in another screen. `current` is left out (already showing). */
export function inspectKeys(ref: ObjectRef, current?: TextMode): KeyBinding[] {
  const open = (mode: TextMode) => push(textScreen(mode, ref));
  const keys: KeyBinding[] = [];
  if (current !== 'describe') keys.push({ keys: ['d'], label: 'describe', does: open('describe') });
  if (current !== 'yaml') keys.push({ keys: ['y'], label: 'yaml', does: open('yaml') });
  if (ref.resource.kind === 'Pod') {
    keys.push({ keys: ['l'], label: 'logs', does: push(logsScreen(ref)) });
    if (current !== 'explain') keys.push({ keys: ['x'], label: 'why here', does: open('explain') });
  }
  return keys;
}

function scaleKey(ref: ObjectRef, current: number): KeyBinding {
  return {
    keys: ['s'],
    label: 'scale',
    does: prompt({
      label: `replicas for ${ref.resource.singular} ${ref.name} (now ${current}): `,
      initial: String(current),
      onSubmit: (value) => {
        if (!/^\d+$/.test(value.trim())) return refuse('replicas must be a whole number, 0 or more');
        return propose((actions) => actions.scale(ref, Number(value.trim())));
      },
    }),
  };
}

function deploymentKeys(d: Deployment): KeyBinding[] {
  const containers = d.spec?.template?.spec?.containers ?? [];
  const ref: ObjectRef = {
    resource: resourceOfKind('Deployment'),
    namespace: d.metadata?.namespace,
    name: d.metadata?.name ?? '',
  };
  return [
    scaleKey(ref, d.spec?.replicas ?? 1),
    {
      keys: ['i'],
      label: 'set image',
      does: prompt({
        label: 'new image, as CONTAINER=IMAGE: ',
        initial: containers[0] ? `${containers[0].name}=${containers[0].image ?? ''}` : '',
        onSubmit: (value) => {
          const at = value.indexOf('=');
          const container = value.slice(0, at).trim();
          const image = value.slice(at + 1).trim();
          if (at <= 0 || !image) return refuse('write it as CONTAINER=IMAGE, e.g. web=kubelab/web:2');
          if (!containers.some((c) => c.name === container))
            return refuse(
              `no container "${container}"; this deployment has: ${containers.map((c) => c.name).join(', ')}`,
            );
          return propose((actions) => actions.setImage(d, container, image));
        },
      }),
    },
    { keys: ['u'], label: 'undo rollout', does: propose((actions) => actions.undo(d)) },
    {
      keys: ['p'],
      label: d.spec?.paused ? 'resume' : 'pause',
      does: propose((actions) => actions.setPaused(d, !d.spec?.paused)),
    },
  ];
}

function podKeys(pod: Pod): KeyBinding[] {
  return [{ keys: ['ctrl+d'], label: 'delete', does: propose((actions) => actions.deletePod(pod)) }];
}

function nodeKeys(node: Node): KeyBinding[] {
  const name = node.metadata?.name ?? '';
  return [
    {
      keys: ['c'],
      label: node.spec?.unschedulable ? 'uncordon' : 'cordon',
      does: propose((actions) => actions.cordon(name, !node.spec?.unschedulable)),
    },
    { keys: ['r'], label: 'drain', does: propose((actions) => actions.drain(name)) },
    {
      keys: ['F'],
      label: 'fail node',
      does: choose({
        title: `Fail ${name} how?  (esc: cancel)`,
        options: failureModes.map((m) => ({
          key: m.key,
          label: `${m.mode}: ${m.meaning}`,
          does: propose((actions) => actions.failNode(name, m.mode)),
        })),
      }),
    },
    { keys: ['R'], label: 'recover node', does: propose((actions) => actions.recoverNode(name)) },
  ];
}

/** The action keys for whatever kind `obj` is (none for kinds without actions). */
export function actionKeys(resource: ResourceInfo, obj: KubeObject): KeyBinding[] {
  switch (resource.kind) {
    case 'Deployment':
      return deploymentKeys(obj as Deployment);
    case 'ReplicaSet':
    case 'StatefulSet':
      return [scaleKey(refOf(resource, obj), (obj as { spec?: { replicas?: number } }).spec?.replicas ?? 1)];
    case 'Pod':
      return podKeys(obj as Pod);
    case 'Node':
      return nodeKeys(obj as Node);
    default:
      return [];
  }
}
