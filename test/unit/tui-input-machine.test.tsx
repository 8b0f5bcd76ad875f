// The TUI's keyboard without Ink: keys (and the events the runner feeds back) go into the
// pure input machine, states and effects come out. Timed behaviour runs on a FakeClock.
// (The same keys through the drawn app: tui-app.test.tsx and the other tui-* tests.)
import type { Key } from 'ink';
import { describe, expect, it } from 'vitest';
import { resource } from '../../src/api/resources.js';
import { FakeClock } from '../../src/client/clock.js';
import type { ActionPlan } from '../../src/tui/actions/cluster-actions.js';
import { footerKeys } from '../../src/tui/input/global-keys.js';
import { type Effect, type InputEvent, screenWaitMs, step } from '../../src/tui/input/input-machine.js';
import { InputRunner } from '../../src/tui/input/input-runner.js';
import { type InputState, initialInputState } from '../../src/tui/input/input-state.js';
import { propose, update } from '../../src/tui/input/intents.js';
import type { KeyBinding } from '../../src/tui/input/key-bindings.js';
import { keyPresses } from '../../src/tui/input/terminal-keys.js';
import { listScreen, overviewScreen, type Screen, type ScreenOf } from '../../src/tui/navigation.js';
import { actionKeys } from '../../src/tui/views/object-keys.js';
import { fixtureServices } from '../helpers/tui-app.js';
import { deployment, fixtureSnapshot } from '../helpers/tui-fixtures.js';
import { until } from '../helpers/until.js';

const key = (name: string): InputEvent => ({ type: 'key', name, text: name.length === 1 ? name : '' });
/** Each character as a key press, as a paste arrives: \r is enter, \x1b esc. */
const typed = (text: string) =>
  [...text].map((ch) =>
    ch === '\r' ? key('enter') : ch === '\u001B' ? key('esc') : ch === '\t' ? key('tab') : key(ch),
  );
const registered = (screen: Screen, bindings: readonly KeyBinding[]): InputEvent => ({
  type: 'keys',
  screen,
  bindings,
});

function start(screen?: Screen): InputState {
  return initialInputState({
    screen,
    manifestPaths: (t) => ['labs/', 'web.yaml'].filter((p) => p.startsWith(t) && p !== t),
  });
}

/** Feeds events in order at `now`; returns the last state and every effect asked for. */
function feed(state: InputState, events: readonly InputEvent[], now = 0) {
  const effects: Effect[] = [];
  let s = state;
  for (const e of events) {
    const out = step(s, e, now);
    s = out.state;
    effects.push(...out.effects);
  }
  return { state: s, effects };
}

/** A list screen's keys as ResourceListView registers them: a filter prompt, and esc when filtered. */
function listKeys(screen: ScreenOf<'list'>): KeyBinding[] {
  const keys: KeyBinding[] = [
    {
      keys: ['/'],
      label: 'filter',
      does: {
        do: 'prompt',
        request: {
          label: '/',
          initial: screen.filter,
          onChange: (filter) => update({ filter }),
          onSubmit: () => [],
          onCancel: update({ filter: screen.filter }),
        },
      },
    },
  ];
  if (screen.filter) keys.unshift({ keys: ['esc'], label: 'clear filter', does: update({ filter: '' }) });
  return keys;
}

const top = (s: InputState) => s.stack.at(-1)!;
const plan = (command: string): ActionPlan => ({ title: command, command, run: async () => 'done' });

describe('the input machine', () => {
  it(': opens the command line; tab completes; enter jumps to the list and waits for its keys', () => {
    const { state, effects } = feed(start(), typed(':po\t'), 1_000);
    expect(state.overlay).toMatchObject({ kind: 'prompt', value: 'pods' });
    expect(effects).toEqual([]);
    const jumped = step(state, key('enter'), 1_000);
    expect(jumped.state.overlay).toBeUndefined();
    expect(jumped.state.stack.map((s) => s.kind)).toEqual(['overview', 'list']);
    expect(top(jumped.state)).toMatchObject({ resource: resource.pods, filter: '' });
    expect(jumped.state.waitingSince).toBe(1_000);
    expect(jumped.effects).toEqual([{ run: 'wake', at: 1_000 + screenWaitMs }]);
  });

  it('an unknown command keeps the prompt with the reason; esc leaves it', () => {
    const { state } = feed(start(), typed(':xyz\r'));
    expect(state.overlay).toMatchObject({ kind: 'prompt', value: 'xyz' });
    expect(state.overlay).toHaveProperty('error', expect.stringContaining('unknown resource "xyz"'));
    expect(feed(state, [key('esc')]).state.overlay).toBeUndefined();
  });

  it(':q quits, :ns sets the namespace, :pods NS sets it and jumps, all means every namespace', () => {
    expect(feed(start(), typed(':q\r')).effects).toEqual([{ run: 'quit' }]);
    expect(feed(start(), typed(':ns team\r')).state.namespace).toBe('team');
    const { state } = feed(start(), typed(':po team\r'));
    expect(state.namespace).toBe('team');
    expect(top(state)).toMatchObject({ kind: 'list', resource: resource.pods });
    // The list registers its keys, so the keys that follow are taken.
    expect(feed(state, [registered(top(state), []), ...typed(':ns all\r')]).state.namespace).toBeUndefined();
  });

  it('keys after a screen change wait for that screen to register its keys, then run in order', () => {
    // One chunk: jump to the pod list, filter it, clear the filter.
    const chunk = feed(start(), [...typed(':pods\r/we\r'), key('esc')]);
    expect(chunk.state.overlay).toBeUndefined();
    expect(chunk.state.queue.map((k) => k.name)).toEqual(['/', 'w', 'e', 'enter', 'esc']);
    // The overview registering late (drawn before the jump) does not let them go.
    const stale = step(chunk.state, registered(overviewScreen, []), 0).state;
    expect(stale.queue).toHaveLength(5);
    const list = top(stale) as ScreenOf<'list'>;
    // The list's keys: `/` opens the filter; typing into a prompt never waits; enter closes it and
    // the filter change holds esc until the filtered list registers (with its esc).
    const filtering = step(stale, registered(list, listKeys(list)), 0).state;
    expect(top(filtering)).toMatchObject({ filter: 'we' });
    expect(filtering.overlay).toBeUndefined();
    expect(filtering.queue.map((k) => k.name)).toEqual(['esc']);
    const filtered = top(filtering) as ScreenOf<'list'>;
    const cleared = step(filtering, registered(filtered, listKeys(filtered)), 0).state;
    expect(cleared.queue).toEqual([]);
    expect(top(cleared)).toMatchObject({ filter: '' });
    expect(cleared.stack).toHaveLength(2);
  });

  it('held keys go on after screenWaitMs should the screen never register', () => {
    const { state } = feed(start(), typed(':pods\r?'), 0);
    expect(state.queue).toHaveLength(1);
    expect(step(state, { type: 'wake' }, screenWaitMs - 1).state.queue).toHaveLength(1);
    const woken = step(state, { type: 'wake' }, screenWaitMs).state;
    expect(woken.queue).toEqual([]);
    expect(woken.overlay?.kind).toBe('help');
  });

  it('ctrl+c quits at once, even while keys are held', () => {
    const { state } = feed(start(), typed(':pods\rd'));
    expect(step(state, key('ctrl+c'), 0).effects).toEqual([{ run: 'quit' }]);
  });

  it('esc goes back; on a filtered list it clears the filter, and the footer offers each key once', () => {
    const list = { ...listScreen(resource.pods), filter: 'web' } as ScreenOf<'list'>;
    const s = feed(start(), [...typed(':pods\r')]).state;
    const onList = feed({ ...s, stack: [overviewScreen, list] }, [registered(list, listKeys(list))]).state;
    const footer = footerKeys(onList).flatMap((b) => b.keys);
    expect(footer).toEqual([...new Set(footer)]);
    expect(footerKeys(onList).map((b) => b.label)).toContain('clear filter');
    expect(footerKeys(onList).map((b) => b.label)).not.toContain('back');
    expect(top(step(onList, key('esc'), 0).state)).toMatchObject({ filter: '' });
    const unfiltered = { ...list, filter: '' };
    const plain = feed({ ...onList, stack: [overviewScreen, unfiltered] }, [
      registered(unfiltered, listKeys(unfiltered)),
    ]).state;
    expect(footerKeys(plain).map((b) => b.label)).toContain('back');
    expect(step(plain, key('esc'), 0).state.stack).toEqual([overviewScreen]);
  });

  it('? shows the screen keys as they were; esc, ? or q closes it; other keys do nothing there', () => {
    const bindings: KeyBinding[] = [{ keys: ['d'], label: 'describe', does: propose(() => plan('x')) }];
    const { state } = feed(start(), [registered(overviewScreen, bindings), key('?')]);
    expect(state.overlay).toEqual({ kind: 'help', screenKeys: bindings });
    const pressed = step(state, key('d'), 0);
    expect(pressed.effects).toEqual([]);
    for (const k of ['esc', '?', 'q']) expect(step(state, key(k), 0).state.overlay).toBeUndefined();
  });

  it('the apply prompt: suggestions, tab, an empty answer refused, then plan, confirm, run', () => {
    let s = feed(start(), [key('a')]).state;
    const prompt = () => s.overlay as Extract<InputState['overlay'], { kind: 'prompt' }>;
    expect(prompt().request.label).toBe('apply -f ');
    expect(prompt().request.suggest?.('')).toEqual(['labs/', 'web.yaml']);
    s = feed(s, [key('enter')]).state;
    expect(prompt().error).toBe('type a manifest file or folder (tab completes)');
    const answered = feed(s, typed('w\t\r'));
    s = answered.state;
    expect(s.overlay).toBeUndefined();
    expect(answered.effects).toEqual([{ run: 'plan', make: expect.any(Function) }]);
    // The runner makes the plan (reading the file) and answers.
    const apply = plan('kubelab apply -f web.yaml');
    s = feed(s, [{ type: 'planned', plan: apply }]).state;
    expect(s.overlay).toEqual({ kind: 'confirm', plan: apply });
    const cancelled = feed(s, [key('n')]).state;
    expect(cancelled.overlay).toBeUndefined();
    expect(cancelled.message).toEqual({ text: 'cancelled', tone: 'info' });
    const confirmed = step(s, key('y'), 0);
    expect(confirmed.state.overlay).toEqual({ kind: 'running', plan: apply });
    expect(confirmed.effects).toEqual([{ run: 'action', plan: apply }]);
    expect(feed(confirmed.state, typed('q\u001B')).state.overlay?.kind).toBe('running');
    const failed = step(confirmed.state, { type: 'failed', plan: apply, error: 'no route' }, 0).state;
    expect(failed).toMatchObject({
      overlay: undefined,
      message: { text: 'kubelab apply -f web.yaml: no route', tone: 'error' },
    });
    const ran = step(confirmed.state, { type: 'ran', plan: apply, outcome: 'web created' }, 0).state;
    expect(ran.message).toEqual({ text: 'web created', tone: 'success' });
    // The next key clears the outcome.
    expect(step(ran, key('x'), 0).state.message).toBeUndefined();
  });

  it('a plan that cannot be made is shown as the error', () => {
    const s = step(start(), { type: 'unplanned', error: 'node fail needs a kubelab cluster' }, 0).state;
    expect(s.message).toEqual({ text: 'node fail needs a kubelab cluster', tone: 'error' });
  });

  it('a choice runs the option picked; esc cancels; other keys wait', () => {
    const bindings: KeyBinding[] = [
      {
        keys: ['F'],
        label: 'fail node',
        does: {
          do: 'choose',
          request: {
            title: 'how?',
            options: [{ key: 'p', label: 'poweroff', does: propose(() => plan('p')) }],
          },
        },
      },
    ];
    const { state } = feed(start(), [registered(overviewScreen, bindings), key('F')]);
    expect(state.overlay?.kind).toBe('choice');
    expect(step(state, key('z'), 0).state.overlay?.kind).toBe('choice');
    expect(step(state, key('esc'), 0).state.overlay).toBeUndefined();
    const picked = step(state, key('p'), 0);
    expect(picked.state.overlay).toBeUndefined();
    expect(picked.effects).toEqual([{ run: 'plan', make: expect.any(Function) }]);
  });
});

describe('the input runner', () => {
  const web = deployment('web', { replicas: 3 });
  const fixture = () => fixtureServices(fixtureSnapshot({ deployments: [web] }));

  it('a plan made at once meets the keys of the same chunk; its run reports back', async () => {
    const { services, client } = fixture();
    const clock = new FakeClock(0);
    const runner = new InputRunner(start(), { actions: services.actions, clock, quit: () => {} });
    runner.send(registered(overviewScreen, actionKeys(resource.deployments, web)));
    for (const k of [key('s'), key('backspace'), ...typed('5\r')]) runner.send(k);
    expect(runner.getState().overlay).toMatchObject({
      kind: 'confirm',
      plan: { command: 'kubelab scale deployment/web --replicas=5 -n default' },
    });
    runner.send(key('y'));
    expect(runner.getState().overlay?.kind).toBe('running');
    // The fixture's API server does not exist: the outcome is the failure, as a user sees it.
    const message = await until('the outcome', () => runner.getState().message);
    expect(message.tone).toBe('error');
    expect(message.text).toContain(
      'kubelab scale deployment/web --replicas=5 -n default: cannot reach the API server',
    );
    client.close();
  });

  it('wakes held keys on its clock, and draws only what changed', () => {
    const { services, client } = fixture();
    const clock = new FakeClock(0);
    const runner = new InputRunner(start(), { actions: services.actions, clock, quit: () => {} });
    let draws = 0;
    runner.subscribe(() => draws++);
    for (const k of typed(':pods\r?')) runner.send(k);
    const drawsAfterJump = draws;
    expect(runner.getState().overlay).toBeUndefined();
    expect(clock.pendingTimers()).toBe(1);
    // A registration that changes no label is not drawn again (drawing it would register again).
    runner.send(registered(overviewScreen, []));
    expect(draws).toBe(drawsAfterJump);
    clock.step(screenWaitMs);
    expect(runner.getState().overlay?.kind).toBe('help');
    runner.stop();
    client.close();
  });
});

describe('terminal keys', () => {
  const none = {} as Key;
  it('takes a chunk one key at a time: enter and tab by name, the rest as typed', () => {
    expect(keyPresses(':no\r\t', none)).toEqual([
      { name: ':', text: ':' },
      { name: 'n', text: 'n' },
      { name: 'o', text: 'o' },
      { name: 'enter', text: '' },
      { name: 'tab', text: '' },
    ]);
  });

  it('names special keys and types nothing for them', () => {
    expect(keyPresses('', { ...none, upArrow: true })).toEqual([{ name: 'up', text: '' }]);
    expect(keyPresses('d', { ...none, ctrl: true })).toEqual([{ name: 'ctrl+d', text: '' }]);
    expect(keyPresses('', { ...none, escape: true })).toEqual([{ name: 'esc', text: '' }]);
    expect(keyPresses('G', { ...none, shift: true })).toEqual([{ name: 'G', text: 'G' }]);
  });
});
