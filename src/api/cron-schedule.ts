// Standard 5-field cron schedules and @descriptors, parsed the way the CronJob's parser
// (robfig/cron ParseStandard) parses them, with its error messages, and the next activation
// after a given time — in UTC or in an IANA time zone (CronJob spec.timeZone).

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const fieldBounds: Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: Object.fromEntries(months.map((m, i) => [m, i + 1])) },
  { min: 0, max: 6, names: Object.fromEntries(days.map((d, i) => [d, i])) },
];

const descriptors: Record<string, string> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

/** A parsed schedule: the allowed values of each field, or a fixed interval (`@every 1h30m`). */
export interface CronSchedule {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  /** robfig's star bit: when either day field is `*`/`?`, both must match; otherwise either may. */
  dayFieldStarred: boolean;
  everyMs?: number;
  /** A `TZ=`/`CRON_TZ=` prefix in the spec itself. */
  timeZone?: string;
}

function parseInt10(expr: string): number {
  if (!/^[+-]?\d+$/.test(expr))
    throw new Error(`failed to parse int from ${expr}: strconv.Atoi: parsing "${expr}": invalid syntax`);
  const n = Number(expr);
  if (n < 0) throw new Error(`negative number (${n}) not allowed: ${expr}`);
  return n;
}

function parseIntOrName(expr: string, b: Bounds): number {
  const named = b.names?.[expr.toLowerCase()];
  return named ?? parseInt10(expr);
}

/** One comma-separated term of a field into `into`; returns whether it was a bare star. */
function parseRange(expr: string, b: Bounds, into: Set<number>): boolean {
  const rangeAndStep = expr.split('/');
  const lowHigh = rangeAndStep[0]!.split('-');
  let start: number;
  let end: number;
  let star = false;
  if (lowHigh[0] === '*' || lowHigh[0] === '?') {
    start = b.min;
    end = b.max;
    star = true;
  } else {
    start = parseIntOrName(lowHigh[0]!, b);
    if (lowHigh.length === 1) end = start;
    else if (lowHigh.length === 2) end = parseIntOrName(lowHigh[1]!, b);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseInt10(rangeAndStep[1]!);
    // "N/step" means "N-max/step".
    if (lowHigh.length === 1) end = b.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new Error(`too many slashes: ${expr}`);
  }
  if (start < b.min) throw new Error(`beginning of range (${start}) below minimum (${b.min}): ${expr}`);
  if (end > b.max) throw new Error(`end of range (${end}) above maximum (${b.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.add(v);
  return star;
}

const durationRe = /^([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$/;
const unitMs: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

function parseDurationMs(text: string): number {
  let total = 0;
  for (const m of text.matchAll(/([0-9]*(?:\.[0-9]*)?)(ns|us|µs|ms|s|m|h)/g))
    total += Number(m[1] || 0) * unitMs[m[2]!]!;
  return total;
}

/** Parses a schedule; throws with robfig/cron's message when it is invalid. */
export function parseCronSchedule(spec: string): CronSchedule {
  if (spec.length === 0) throw new Error('empty spec string');
  let text = spec;
  let timeZone: string | undefined;
  const tz = /^(CRON_)?TZ=(\S*)\s*/.exec(text);
  if (tz) {
    timeZone = tz[2];
    text = text.slice(tz[0].length);
  }
  if (text.startsWith('@')) {
    if (text.startsWith('@every ')) {
      const d = text.slice('@every '.length);
      if (!durationRe.test(d))
        throw new Error(`failed to parse duration ${text}: time: invalid duration "${d}"`);
      // robfig rounds intervals down to whole seconds, with a one-second minimum.
      const everyMs = Math.max(1000, Math.floor(parseDurationMs(d) / 1000) * 1000);
      return { ...parseFields('* * * * *'), everyMs, timeZone };
    }
    const fields = descriptors[text];
    if (!fields) throw new Error(`unrecognized descriptor: ${text}`);
    return { ...parseFields(fields), timeZone };
  }
  return { ...parseFields(text), timeZone };
}

function parseFields(text: string): CronSchedule {
  const fields = text.split(/\s+/).filter(Boolean);
  if (fields.length !== 5)
    throw new Error(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  const sets = fields.map(() => new Set<number>());
  const starred = fields.map((f, i) =>
    f
      .split(',')
      .filter(Boolean)
      .map((expr) => parseRange(expr, fieldBounds[i]!, sets[i]!))
      .some(Boolean),
  );
  return {
    minutes: sets[0]!,
    hours: sets[1]!,
    daysOfMonth: sets[2]!,
    months: sets[3]!,
    daysOfWeek: sets[4]!,
    dayFieldStarred: starred[2]! || starred[4]!,
  };
}

/** Returns the parser's error message for an invalid schedule, or undefined when it is valid. */
export function cronScheduleError(spec: string): string | undefined {
  try {
    parseCronSchedule(spec);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Milliseconds to add to UTC to get wall-clock time in `timeZone` at `ms`. */
function zoneOffsetMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(ms);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(ms / 1000) * 1000;
}

/** The instant whose wall-clock time in `timeZone` is `wall` (fields read as UTC). */
function wallToInstant(wall: number, timeZone: string): number {
  let instant = wall - zoneOffsetMs(wall, timeZone);
  instant = wall - zoneOffsetMs(instant, timeZone);
  return instant;
}

function dayMatches(s: CronSchedule, d: Date): boolean {
  const dom = s.daysOfMonth.has(d.getUTCDate());
  const dow = s.daysOfWeek.has(d.getUTCDay());
  return s.dayFieldStarred ? dom && dow : dom || dow;
}

/**
 * The first activation strictly after `afterMs` (robfig's Schedule.Next), in `timeZone` when
 * given (else the spec's own TZ=, else UTC). Undefined if none within five years (e.g. Feb 30).
 */
export function nextCronTime(s: CronSchedule, afterMs: number, timeZone = s.timeZone): number | undefined {
  if (s.everyMs !== undefined) return Math.floor(afterMs / 1000) * 1000 + s.everyMs;
  const offset = (ms: number) => (timeZone ? zoneOffsetMs(ms, timeZone) : 0);
  // Work on wall-clock time expressed as a UTC Date, from the next whole minute.
  const t = new Date(Math.floor((afterMs + offset(afterMs)) / 60_000) * 60_000 + 60_000);
  const limit = t.getUTCFullYear() + 5;
  while (t.getUTCFullYear() <= limit) {
    if (!s.months.has(t.getUTCMonth() + 1)) {
      t.setUTCMonth(t.getUTCMonth() + 1, 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!dayMatches(s, t)) {
      t.setUTCDate(t.getUTCDate() + 1);
      t.setUTCHours(0, 0, 0, 0);
      continue;
    }
    if (!s.hours.has(t.getUTCHours())) {
      t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
      continue;
    }
    if (!s.minutes.has(t.getUTCMinutes())) {
      t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
      continue;
    }
    const wall = t.getTime();
    const at = timeZone ? wallToInstant(wall, timeZone) : wall;
    // A wall time skipped by a DST jump maps before `afterMs`; keep looking.
    if (at > afterMs) return at;
    t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
  }
  return undefined;
}
