// Key bindings as data: each screen lists what its keys do, and that one list both handles the
// keys and draws the footer and the `?` help, so what is shown is always what works. A binding
// says what it asks for (intents), not how: the input machine does it, so a key's effect can be
// tested without drawing anything.
import type { Intents } from './intents.js';

export interface KeyBinding {
  /** Key names as keyPresses() gives them: 'enter', 'esc', 'up', 'ctrl+d', 's', 'S', ':' ... */
  keys: readonly string[];
  /** What the footer and help call it: "describe", "scale". */
  label: string;
  does: Intents;
  /** Only in `?` help, not in the footer (movement keys every list has). */
  helpOnly?: boolean;
}

/** How a binding's keys are written in the footer and help: "↑↓", "enter", "ctrl+d". */
export function keysLabel(binding: Pick<KeyBinding, 'keys'>): string {
  const arrows: Record<string, string> = { up: '↑', down: '↓', left: '←', right: '→' };
  const names = binding.keys.map((k) => arrows[k] ?? (k === ' ' ? 'space' : k));
  return names.every((n) => Object.values(arrows).includes(n)) ? names.join('') : names.join('/');
}

export function findBinding(bindings: readonly KeyBinding[], name: string): KeyBinding | undefined {
  return bindings.find((b) => b.keys.includes(name));
}
