// The bottom line: the keys that work on this screen, drawn from the same bindings that
// handle them.
import { Text } from 'ink';
import { type KeyBinding, keysLabel } from '../input/key-bindings.js';

export function Footer({ bindings }: { bindings: readonly KeyBinding[] }) {
  const shown = bindings.filter((b) => !b.helpOnly);
  return (
    <Text wrap="truncate-end">
      {shown.map((b) => (
        <Text key={b.keys.join(' ')}>
          <Text color="cyan" bold>
            {keysLabel(b)}
          </Text>
          <Text dimColor> {b.label} </Text>
        </Text>
      ))}
    </Text>
  );
}
