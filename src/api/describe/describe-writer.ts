// The building blocks every `kubectl describe` printer shares: kubectl's PrefixWriter
// (two spaces per level) feeding a tabwriter with padding 2, the multi-line Labels /
// Annotations / Tolerations fields, RFC 1123 timestamps and the closing Events table.
import type { Event, Toleration } from 'kubernetes-types/core/v1.js';
import { since } from '../table/human-duration.js';
import { describeTabwriter, tabwrite } from '../table/tabwriter.js';

// Annotation values longer than this are wrapped onto their own lines, as kubectl does.
const MAX_ANNOTATION_LEN = 140;
// kubectl hides this one: it repeats the whole object.
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Go's time.RFC1123Z ("Mon, 02 Jan 2006 15:04:05 -0700"), in UTC so output is the same on every machine. */
export function rfc1123(timestamp: string | undefined | null): string {
  const d = new Date(timestamp ?? 0);
  if (!timestamp || Number.isNaN(d.getTime())) return 'Mon, 01 Jan 0001 00:00:00 +0000';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export const printBool = (b: boolean | undefined): string => (b ? 'True' : 'False');

export function tolerationText(t: Toleration): string {
  let s = t.key ?? '';
  if (t.value) s += `=${t.value}`;
  if (t.effect) s += `:${t.effect}`;
  if (t.operator === 'Exists' && !t.value) s += t.key || t.effect ? ' op=Exists' : 'op=Exists';
  if (t.tolerationSeconds != null) s += ` for ${t.tolerationSeconds}s`;
  return s;
}

export class DescribeWriter {
  private text = '';

  /** Writes `text` at `level` (two spaces each); cells are separated by tabs. */
  write(level: number, text: string): void {
    this.text += '  '.repeat(level) + text;
  }

  line(level: number, ...cells: (string | number)[]): void {
    this.write(level, `${cells.join('\t')}\n`);
  }

  /** A "Title:\tfirst" field whose further values continue in the same column; "<none>" when empty. */
  multiline(title: string, values: readonly string[]): void {
    if (values.length === 0) {
      this.write(0, `${title}:\t<none>\n`);
      return;
    }
    values.forEach((v, i) => {
      this.write(0, i === 0 ? `${title}:\t${v}\n` : `\t${v}\n`);
    });
  }

  labels(title: string, labels: Record<string, string> | undefined): void {
    const map = labels ?? {};
    this.multiline(
      title,
      Object.keys(map)
        .sort()
        .map((k) => `${k}=${map[k]}`),
    );
  }

  annotations(title: string, annotations: Record<string, string> | undefined): void {
    const map = annotations ?? {};
    const keys = Object.keys(map)
      .filter((k) => k !== LAST_APPLIED)
      .sort();
    if (keys.length === 0) {
      this.write(0, `${title}:\t<none>\n`);
      return;
    }
    this.write(0, `${title}:\t`);
    keys.forEach((key, i) => {
      if (i !== 0) this.write(0, '\t');
      const value = map[key]!.replace(/\n$/, '');
      if (value.length + key.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
        this.write(0, `${key}:\n`);
        for (const s of value.split('\n')) {
          const short = s.length > MAX_ANNOTATION_LEN - 2 ? `${s.slice(0, MAX_ANNOTATION_LEN - 2)}...` : s;
          this.write(0, `\t  ${short}\n`);
        }
      } else {
        this.write(0, `${key}: ${value}\n`);
      }
    });
  }

  tolerations(title: string, tolerations: readonly Toleration[] | undefined): void {
    const sorted = [...(tolerations ?? [])].sort((a, b) =>
      (a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0,
    );
    this.multiline(title, sorted.map(tolerationText));
  }

  /** The "Events:" table kubectl ends every describe with, oldest first. */
  events(events: readonly Event[] | undefined, now: number): void {
    if (!events || events.length === 0) {
      this.write(0, 'Events:\t<none>\n');
      return;
    }
    const last = (e: Event) => Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '') || 0;
    const sorted = [...events].sort((a, b) => last(a) - last(b));
    this.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
    this.line(1, '----', '------', '----', '----', '-------');
    for (const e of sorted) {
      const first = e.eventTime ? since(e.eventTime, now) : since(e.firstTimestamp, now);
      let age = first;
      if (e.series) age = `${since(e.series.lastObservedTime, now)} (x${e.series.count ?? 0} over ${first})`;
      else if ((e.count ?? 0) > 1) age = `${since(e.lastTimestamp, now)} (x${e.count} over ${first})`;
      this.line(
        1,
        e.type ?? '',
        e.reason ?? '',
        age,
        e.source?.component || e.reportingComponent || '',
        (e.message ?? '').trim(),
      );
    }
  }

  toString(): string {
    return tabwrite(this.text, describeTabwriter);
  }
}
