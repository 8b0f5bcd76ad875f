// The keys that act on one object, shared by every screen that shows it (overview cards and
// panels, resource lists, describe/YAML): inspect (describe, YAML, logs, the scheduler's
// explanation), and the actions for its kind, each asking for a value or a choice where one
// is needed and then for confirmation.
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from '../../api/kube-object.js';
import type { ResourceInfo } from '../../api/resources.js';
import { failureModes } from '../actions/cluster-actions.js';
import type { KeyBinding } from '../components/keys.js';
import { resourceOfKind } from '../data/cluster-model.js';
import { logsScreen, type ObjectRef, type TextMode, textScreen } from '../navigation.js';
import type { TuiController } from '../tui-context.js';

export function refOf(resource: ResourceInfo, obj: KubeObject): ObjectRef {
  return { resource, namespace: obj.metadata?.namespace, name: obj.metadata?.name ?? '' };
}

/** d, y (and for pods l, x): open the object in another screen. `current` is left out (already showing). */
export function inspectKeys(tui: TuiController, ref: ObjectRef, current?: TextMode): KeyBinding[] {
  const open = (mode: TextMode) => () => tui.push(textScreen(mode, ref));
  const keys: KeyBinding[] = [];
  if (current !== 'describe') keys.push({ keys: ['d'], label: 'describe', run: open('describe') });
  if (current !== 'yaml') keys.push({ keys: ['y'], label: 'yaml', run: open('yaml') });
  if (ref.resource.kind === 'Pod') {
    keys.push({ keys: ['l'], label: 'logs', run: () => tui.push(logsScreen(ref)) });
    if (current !== 'explain') keys.push({ keys: ['x'], label: 'why here', run: open('explain') });
  }
  return keys;
}

function scaleKey(tui: TuiController, ref: ObjectRef, current: number): KeyBinding {
  return {
    keys: ['s'],
    label: 'scale',
    run: () =>
      tui.prompt({
        label: `replicas for ${ref.resource.singular} ${ref.name} (now ${current}): `,
        initial: String(current),
        onSubmit: (value) => {
          if (!/^\d+$/.test(value.trim())) return 'replicas must be a whole number, 0 or more';
          tui.propose(() => tui.services.actions.scale(ref, Number(value.trim())));
          return undefined;
        },
      }),
  };
}

export function deploymentKeys(tui: TuiController, d: Deployment): KeyBinding[] {
  const actions = tui.services.actions;
  const containers = d.spec?.template?.spec?.containers ?? [];
  const ref: ObjectRef = {
    resource: resourceOfKind('Deployment'),
    namespace: d.metadata?.namespace,
    name: d.metadata?.name ?? '',
  };
  return [
    scaleKey(tui, ref, d.spec?.replicas ?? 1),
    {
      keys: ['i'],
      label: 'set image',
      run: () =>
        tui.prompt({
          label: 'new image, as CONTAINER=IMAGE: ',
          initial: containers[0] ? `${containers[0].name}=${containers[0].image ?? ''}` : '',
          onSubmit: (value) => {
            const at = value.indexOf('=');
            const container = value.slice(0, at).trim();
            const image = value.slice(at + 1).trim();
            if (at <= 0 || !image) return 'write it as CONTAINER=IMAGE, e.g. web=kubelab/web:2';
            if (!containers.some((c) => c.name === container))
              return `no container "${container}"; this deployment has: ${containers.map((c) => c.name).join(', ')}`;
            tui.propose(() => actions.setImage(d, container, image));
            return undefined;
          },
        }),
    },
    { keys: ['u'], label: 'undo rollout', run: () => tui.propose(() => actions.undo(d)) },
    {
      keys: ['p'],
      label: d.spec?.paused ? 'resume' : 'pause',
      run: () => tui.propose(() => actions.setPaused(d, !d.spec?.paused)),
    },
  ];
}

export function replicaCountKeys(tui: TuiController, ref: ObjectRef, replicas: number): KeyBinding[] {
  return [scaleKey(tui, ref, replicas)];
}

export function podKeys(tui: TuiController, pod: Pod): KeyBinding[] {
  return [
    { keys: ['ctrl+d'], label: 'delete', run: () => tui.propose(() => tui.services.actions.deletePod(pod)) },
  ];
}

export function nodeKeys(tui: TuiController, node: Node): KeyBinding[] {
  const name = node.metadata?.name ?? '';
  const actions = tui.services.actions;
  const keys: KeyBinding[] = [
    {
      keys: ['c'],
      label: node.spec?.unschedulable ? 'uncordon' : 'cordon',
      run: () => tui.propose(() => actions.cordon(name, !node.spec?.unschedulable)),
    },
    { keys: ['r'], label: 'drain', run: () => tui.propose(() => actions.drain(name)) },
  ];
  keys.push(
    {
      keys: ['F'],
      label: 'fail node',
      run: () =>
        tui.choose({
          title: `Fail ${name} how?  (esc: cancel)`,
          options: failureModes.map((m) => ({
            key: m.key,
            label: `${m.mode}: ${m.meaning}`,
            choose: () => tui.propose(() => actions.failNode(name, m.mode)),
          })),
        }),
    },
    { keys: ['R'], label: 'recover node', run: () => tui.propose(() => actions.recoverNode(name)) },
  );
  return keys;
}

/** The action keys for whatever kind `obj` is (none for kinds without actions). */
export function actionKeys(tui: TuiController, resource: ResourceInfo, obj: KubeObject): KeyBinding[] {
  switch (resource.kind) {
    case 'Deployment':
      return deploymentKeys(tui, obj as Deployment);
    case 'ReplicaSet':
    case 'StatefulSet':
      return replicaCountKeys(
        tui,
        refOf(resource, obj),
        (obj as { spec?: { replicas?: number } }).spec?.replicas ?? 1,
      );
    case 'Pod':
      return podKeys(tui, obj as Pod);
    case 'Node':
      return nodeKeys(tui, obj as Node);
    default:
      return [];
  }
}
