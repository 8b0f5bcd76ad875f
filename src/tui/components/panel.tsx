// A bordered box with its title in the top border (`╭─ Nodes ──╮`), the frame every panel
// and card uses. Ink draws borders but not titles in them, so the top edge is drawn here, as
// one precomposed line. No overflow clipping: callers give it exactly the lines that fit
// (clipping makes Ink measure and slice every line of every frame).
import { Box, Text } from 'ink';
import type { ReactNode } from 'react';
import { type Color, paint } from './paint.js';

export interface TitlePart {
  text: string;
  color?: Color;
  bold?: boolean;
  inverse?: boolean;
}

/** The top border with the title in it, for a panel `width` columns wide. */
export function titleLine(title: readonly TitlePart[], width: number, borderColor: Color): string {
  const room = Math.max(0, width - 5);
  let used = 0;
  let text = '';
  for (const p of title) {
    if (used >= room) break;
    const part = p.text.slice(0, room - used);
    text += paint(p.color ?? 'white', part, p);
    used += part.length;
  }
  return `${paint(borderColor, '╭─ ')}${text}${paint(borderColor, ` ${'─'.repeat(Math.max(0, room - used))}╮`)}`;
}

export interface PanelProps {
  /** The top border line from titleLine(). */
  top: string;
  width: number;
  height: number;
  borderColor?: Color;
  children?: ReactNode;
}

export function Panel({ top, width, height, borderColor = 'gray', children }: PanelProps) {
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text>{top}</Text>
      <Box
        borderStyle="round"
        borderTop={false}
        borderColor={borderColor}
        flexDirection="column"
        width={width}
        height={Math.max(1, height - 1)}
        paddingX={1}
      >
        {children}
      </Box>
    </Box>
  );
}

/** A panel whose title is given as parts (the common case). */
export function TitledPanel({ title, ...rest }: Omit<PanelProps, 'top'> & { title: readonly TitlePart[] }) {
  return <Panel top={titleLine(title, rest.width, rest.borderColor ?? 'gray')} {...rest} />;
}
