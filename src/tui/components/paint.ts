// Styling for text drawn as one precomposed string. Ink turns every nested <Text> into its
// own node to lay out, measure and diff on each frame; a node card with forty pods as forty
// nested Texts costs far more than one string with the colours already in it. chalk (what
// Ink itself uses) leaves the colours out where the terminal has none, as Ink would.
import chalk from 'chalk';

export type Color = 'green' | 'yellow' | 'red' | 'gray' | 'cyan' | 'magenta' | 'white';

export function paint(
  color: Color | undefined,
  text: string,
  style: { bold?: boolean; inverse?: boolean } = {},
): string {
  let painted = color ? chalk[color](text) : text;
  if (style.bold) painted = chalk.bold(painted);
  if (style.inverse) painted = chalk.inverse(painted);
  return painted;
}

export const dim = (text: string): string => chalk.dim(text);

/**
 * Plain text cut or padded to exactly `width` columns. Callers pass text whose characters are
 * one column each (ASCII, the pod glyphs, box lines), so length is width.
 */
export function fitWidth(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, Math.max(0, width - 1))}…` : text.padEnd(width);
}
