// Vitest setup file (every project): console.error and console.warn fail the test that caused
// them. React reports its warnings (duplicate keys, updates after unmount, ...) through
// console.error, and our own code logs unexpected failures there, so a test that passes while
// printing one has hidden a bug. A test that means to cause one says so with
// expectConsole('error', /pattern/): matching calls are then neither printed nor failures, and
// the test fails if no such call came.
import { afterAll, afterEach, beforeEach } from 'vitest';

type Level = 'error' | 'warn';

interface Expectation {
  level: Level;
  pattern: RegExp;
  seen: number;
}

interface GuardState {
  expected: Expectation[];
  unexpected: string[];
  installed: boolean;
}

// On globalThis so the setup file and a test importing expectConsole share one state even if
// the module were loaded twice.
const key = Symbol.for('kubelab.consoleGuard');
const shared = globalThis as Record<symbol, GuardState | undefined>;
const state: GuardState = shared[key] ?? { expected: [], unexpected: [], installed: false };
shared[key] = state;

/** This test causes a console.<level> call matching `pattern`; it fails if none comes. */
export function expectConsole(level: Level, pattern: RegExp): void {
  state.expected.push({ level, pattern, seen: 0 });
}

function text(args: unknown[]): string {
  return args
    .map((a) => (a instanceof Error ? (a.stack ?? a.message) : typeof a === 'string' ? a : safeJson(a)))
    .join(' ');
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

function install(level: Level): void {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]) => {
    const line = text(args);
    const match = state.expected.find((e) => e.level === level && e.pattern.test(line));
    if (match) {
      match.seen++;
      return;
    }
    state.unexpected.push(`console.${level}: ${line}`);
    original(...args);
  };
}

if (!state.installed) {
  state.installed = true;
  install('error');
  install('warn');
}

function takeFailures(): string[] {
  const failures = [...state.unexpected];
  for (const e of state.expected)
    if (e.seen === 0) failures.push(`expected a console.${e.level} matching ${e.pattern}, none came`);
  state.unexpected = [];
  state.expected = [];
  return failures;
}

beforeEach(() => {
  // Calls between tests (a previous test's teardown) are reported at the end of the file.
  const stray = state.unexpected;
  state.unexpected = [];
  state.expected = [];
  strayCalls.push(...stray);
});

const strayCalls: string[] = [];

afterEach(() => {
  const failures = takeFailures();
  if (failures.length) throw new Error(`the test wrote to the console unexpectedly:\n${failures.join('\n')}`);
});

afterAll(() => {
  const failures = [...strayCalls, ...takeFailures()];
  strayCalls.length = 0;
  if (failures.length) throw new Error(`console output outside any test:\n${failures.join('\n')}`);
});
