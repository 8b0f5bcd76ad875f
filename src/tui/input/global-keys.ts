// The keys that work on every screen (back, help, `:`, apply, quit), and how they meet the
// screen's own: a screen's key wins, and a global key it hides is not offered in the footer
// or help (a filtered list's esc clears the filter, so "esc back" would be a lie there).
import { expandHome } from '../actions/manifest-path-completion.js';
import { commandPrompt } from './command-line.js';
import type { InputState } from './input-state.js';
import { type PromptRequest, pop, prompt, propose, refuse } from './intents.js';
import type { KeyBinding } from './key-bindings.js';

/** `a`: a manifest file or folder (tab completes), then the confirmation listing its objects. */
function applyPrompt(state: InputState): PromptRequest {
  // The prompt asks for suggestions on every frame; the folder is read once per typed value.
  let listed: { typed: string; paths: string[] } | undefined;
  return {
    label: 'apply -f ',
    onSubmit: (value) => {
      const path = value.trim();
      if (!path) return refuse('type a manifest file or folder (tab completes)');
      return propose((actions) => actions.apply(expandHome(path), state.namespace));
    },
    suggest: (v) => {
      if (listed?.typed !== v) listed = { typed: v, paths: state.manifestPaths(v.trim()) };
      return listed.paths;
    },
  };
}

/** Back and help: first in the footer, so they still show when the line is cut at the terminal's width. */
function navigationKeys(state: InputState): KeyBinding[] {
  const back: KeyBinding[] = state.stack.length > 1 ? [{ keys: ['esc'], label: 'back', does: pop }] : [];
  return [...back, { keys: ['?'], label: 'help', does: { do: 'help' } }];
}

function commandKeys(state: InputState): KeyBinding[] {
  return [
    { keys: [':'], label: 'jump to', does: prompt(commandPrompt) },
    { keys: ['a'], label: 'apply a file', does: prompt(applyPrompt(state)) },
    { keys: ['ctrl+c'], label: 'quit (or :q)', does: { do: 'quit' } },
  ];
}

function unhidden(global: readonly KeyBinding[], screen: readonly KeyBinding[]): KeyBinding[] {
  const taken = new Set(screen.flatMap((b) => b.keys));
  return global.filter((b) => !b.keys.every((k) => taken.has(k)));
}

/** The global keys that reach past the screen's `screenKeys`, in the order help lists them. */
export function globalKeys(state: InputState, screenKeys: readonly KeyBinding[]): KeyBinding[] {
  return unhidden([...navigationKeys(state), ...commandKeys(state)], screenKeys);
}

/** The footer's keys: each key once, as it works on this screen. */
export function footerKeys(state: InputState): KeyBinding[] {
  const screen = state.footer;
  return [
    ...unhidden(navigationKeys(state), screen),
    ...screen.filter((b) => !b.helpOnly),
    ...unhidden(commandKeys(state), screen),
  ];
}
