// One colour and one mark per pod state, used by node cards and lists alike: green `+` when
// running and ready, yellow `~` on the way (pending, creating, not ready yet), red `!` when
// failing, grey `-` when leaving. The mark tells the states apart without colour too; it is
// ASCII because Ink measures ASCII lines on a fast path (a card holds dozens of them).
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podSummary } from '../../api/table/pod.js';
import type { Color } from './paint.js';

/** What the marks mean, for the help screen. */
export const podMarks = '+ running and ready   ~ starting or not ready   ! failing   - terminating';

export interface PodLook {
  /** kubectl's STATUS column text. */
  status: string;
  color: Color;
  glyph: string;
}

const failing = /Err|BackOff|Failed|Error|OOMKilled|Unknown|NodeLost|Evicted|ContainerStatusUnknown/;

export function podLook(pod: Pod, now: number): PodLook {
  const { status, ready } = podSummary(pod, now);
  if (status === 'Terminating' || status === 'Completed') return { status, color: 'gray', glyph: '-' };
  if (failing.test(status)) return { status, color: 'red', glyph: '!' };
  const [readyCount, total] = ready.split('/');
  if (status === 'Running' && readyCount === total) return { status, color: 'green', glyph: '+' };
  return { status, color: 'yellow', glyph: '~' };
}
