// A program in a real terminal, driven as a person would: tmux runs it in a detached session
// of a fixed size, keys go in with send-keys, and the screen is read back with capture-pane.
// After the program ends the pane stays, showing `[exited N]`, so a test can read its exit code
// and last words.
import { shellQuote } from '../../src/provision/ssh/shell-quote.js';
import { runCommand } from './run-command.js';
import { until } from './until.js';

export class TmuxSession {
  private constructor(readonly name: string) {}

  /** Starts `command` (a shell command line) in a new detached session `columns` × `rows`. */
  static async start(
    name: string,
    command: string,
    o: { columns?: number; rows?: number; env?: Record<string, string> } = {},
  ): Promise<TmuxSession> {
    const env = Object.entries(o.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)}`);
    const line = `env ${env.join(' ')} ${command}; echo "[exited $?]"; sleep 86400`;
    const r = await runCommand('tmux', [
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      String(o.columns ?? 160),
      '-y',
      String(o.rows ?? 45),
      line,
    ]);
    if (r.code !== 0) throw new Error(`tmux new-session: ${r.stderr}`);
    return new TmuxSession(name);
  }

  /** The visible screen, as text (colours dropped, trailing blanks trimmed by tmux). */
  async screen(): Promise<string> {
    return (await runCommand('tmux', ['capture-pane', '-p', '-t', this.name])).stdout;
  }

  /** Key names as tmux knows them (`Enter`, `Escape`, `BSpace`, `C-c`), one press each. */
  async keys(...names: string[]): Promise<void> {
    for (const k of names) {
      await runCommand('tmux', ['send-keys', '-t', this.name, k]);
      // A lone Escape is held back by Ink to tell it from an escape sequence; typing faster
      // than that would glue it to the next key.
      if (k === 'Escape') await new Promise((r) => setTimeout(r, 150));
    }
  }

  /** Types text literally (no key-name lookup). */
  async type(text: string): Promise<void> {
    await runCommand('tmux', ['send-keys', '-t', this.name, '-l', text]);
  }

  /** Waits until `check` holds for the screen; returns that screen. The last screen is in the error. */
  async waitFor(what: string, check: (screen: string) => boolean, timeoutMs = 30_000): Promise<string> {
    let last = '';
    try {
      return await until(
        what,
        async () => {
          last = await this.screen();
          return check(last) && last;
        },
        timeoutMs,
        200,
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\nlast screen:\n${last}`);
    }
  }

  async kill(): Promise<void> {
    await runCommand('tmux', ['kill-session', '-t', this.name]);
  }
}

/**
 * The inside of the bordered card whose top border starts `╭─ TITLE` (Ink draws cards side by
 * side, so the card's columns are cut out of every line down to its bottom border).
 */
export function cardText(screen: string, title: string): string | undefined {
  const lines = screen.split('\n');
  const top = lines.findIndex((l) => l.includes(`╭─ ${title}`));
  if (top < 0) return undefined;
  const left = lines[top]!.indexOf(`╭─ ${title}`);
  const right = lines[top]!.indexOf('╮', left);
  const inside: string[] = [];
  for (const line of lines.slice(top + 1)) {
    const cell = line.slice(left, right + 1);
    if (cell.startsWith('╰')) break;
    inside.push(cell.slice(1, -1));
  }
  return inside.join('\n');
}
