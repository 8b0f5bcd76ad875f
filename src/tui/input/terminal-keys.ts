// What the terminal sends, as the key presses the input machine takes: a name to match
// bindings with (see KeyBinding.keys) and the text it types into a prompt.
import type { Key } from 'ink';

export interface KeyPress {
  name: string;
  /** What it types into a prompt; empty for keys that type nothing (arrows, ctrl+x, enter). */
  text: string;
}

function keyName(input: string, key: Key): string {
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

/**
 * One Ink input event as key presses. Ink hands over a chunk of plain text as one event; keys
 * typed faster than a frame (tmux send-keys, a paste into a prompt) are taken one by one, as if
 * typed.
 */
export function keyPresses(input: string, key: Key): KeyPress[] {
  if (input.length > 1 && !key.ctrl && !key.meta)
    return [...input].map((ch) =>
      ch === '\r'
        ? { name: 'enter', text: '' }
        : ch === '\t'
          ? { name: 'tab', text: '' }
          : { name: ch, text: ch },
    );
  const typed = !key.ctrl && !key.meta && !key.upArrow && !key.downArrow && !key.leftArrow && !key.rightArrow;
  return [{ name: keyName(input, key), text: typed ? input : '' }];
}
