// Wires the input machine to Ink: the terminal's keys go in, the state comes out for App to
// draw, and the screens register their keys through the returned function.
import { useApp, useInput } from 'ink';
import { useCallback, useEffect, useState, useSyncExternalStore } from 'react';
import type { Clock } from '../../client/clock.js';
import { manifestPathSuggestions } from '../actions/manifest-path-completion.js';
import type { Screen } from '../navigation.js';
import type { TuiServices } from '../tui-context.js';
import { InputRunner } from './input-runner.js';
import { type InputState, initialInputState } from './input-state.js';
import type { KeyBinding } from './key-bindings.js';
import { keyPresses } from './terminal-keys.js';

export function useInputRunner(o: {
  /** Taken once: the app lives on one cluster's services. */
  services: TuiServices;
  screen?: Screen;
  namespace?: string;
  clock: Clock;
}): { state: InputState; registerKeys(screen: Screen, bindings: readonly KeyBinding[]): void } {
  const app = useApp();
  const [runner] = useState(
    () =>
      new InputRunner(
        initialInputState({
          screen: o.screen,
          namespace: o.namespace,
          manifestPaths: (typed) => manifestPathSuggestions(typed, process.cwd()),
        }),
        { actions: o.services.actions, clock: o.clock, quit: () => app.exit() },
      ),
  );
  useEffect(() => () => runner.stop(), [runner]);
  useInput((input, key) => {
    for (const press of keyPresses(input, key)) runner.send({ type: 'key', ...press });
  });
  const registerKeys = useCallback(
    (screen: Screen, bindings: readonly KeyBinding[]) => runner.send({ type: 'keys', screen, bindings }),
    [runner],
  );
  return { state: useSyncExternalStore(runner.subscribe, runner.getState), registerKeys };
}
