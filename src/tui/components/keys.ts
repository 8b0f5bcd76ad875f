// Key bindings as data: each screen lists what its keys do, and that one list both handles the
// keys and draws the footer and the `?` help, so what is shown is always what works.
import type { Key } from 'ink';

export interface KeyBinding {
  /** Key names as keyName() gives them: 'enter', 'esc', 'up', 'ctrl+d', 's', 'S', ':' ... */
  keys: readonly string[];
  /** What the footer and help call it: "describe", "scale". */
  label: string;
  run: () => void;
  /** Only in `?` help, not in the footer (movement keys every list has). */
  helpOnly?: boolean;
}

/** The name of a key press, for matching against KeyBinding.keys. */
export function keyName(input: string, key: Key): string {
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl) return `ctrl+${input}`;
  return input;
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
