// Reads the manifests a person wrote (YAML or JSON, one or many documents per file) into
// API objects, remembering where every field came from so that an error the API server
// reports against `spec.template.spec.containers[0].image` can be shown at `web.yaml:14`.
//
// Hostile input is refused before any object is built. js-yaml 5 parses to a flat event
// stream first (parseEvents, with its own `maxDepth` bound on nesting), so one linear pass
// over those events can count aliases and compute what the document would expand to
// (node count and depth, with each anchor's size remembered) without expanding anything.
// A billion-laughs document is then refused for its arithmetic, in the time it takes to
// tokenize it, and only documents that passed are constructed (constructFromEvents).
//
// The YAML dialect is YAML 1.1 with merge keys, as kubectl's sigs.k8s.io/yaml (go-yaml v2)
// reads it: `defaultMode: 0644` is octal 420 and `value: yes` is a boolean (which the schema
// check then reports, just as the API server would). Timestamps stay strings, as go-yaml v2
// leaves them when decoding into untyped JSON.

import {
  constructFromEvents,
  EVENT_ID,
  type Event,
  getScalarValue,
  parseEvents,
  type ScalarEvent,
  Schema,
  YAML11_SCHEMA,
  YAMLException,
} from 'js-yaml';

export interface ManifestLimits {
  /** Largest file accepted, in bytes; kube-apiserver refuses request bodies over 3 MiB. */
  bytes: number;
  /** Deepest nesting of mappings and sequences, counted after alias expansion. */
  depth: number;
  /** Most alias (`*name`) uses in one document. */
  aliases: number;
  /** Most objects in one file, after `kind: List` expansion. */
  docs: number;
}

export const defaultManifestLimits: ManifestLimits = {
  bytes: 3 * 1024 * 1024,
  depth: 100,
  aliases: 100,
  docs: 1000,
};

export interface ManifestDoc {
  object: Record<string, unknown>;
  source: string;
  /** Position of this object among the objects read from `source`, from 0. */
  index: number;
  /** 1-based line where the object starts. */
  line: number;
  /** 1-based line of a field's key (or of its nearest parent that exists in the text). */
  lineOf(fieldPath: string): number | undefined;
}

export class ManifestError extends Error {
  readonly source: string;
  readonly line?: number;
  readonly field?: string;
  constructor(opts: {
    source: string;
    line?: number;
    column?: number;
    field?: string;
    problem: string;
    hint: string;
  }) {
    const where = [opts.source, opts.line, opts.column].filter((p) => p !== undefined).join(':');
    super(`${where}: ${opts.field ? `${opts.field}: ` : ''}${opts.problem}\n  ${opts.hint}`);
    this.name = 'ManifestError';
    this.source = opts.source;
    if (opts.line !== undefined) this.line = opts.line;
    if (opts.field !== undefined) this.field = opts.field;
  }
}

const yamlSchema = new Schema(
  YAML11_SCHEMA.tags.filter((t) => !/:(timestamp|binary|omap|pairs|set)$/.test(t.tagName)),
);

/** Where each key and item of a document sits in the text. */
interface Position {
  line: number;
  children?: Map<string, Position>;
}

/** 1-based line numbers for offsets, by binary search over line starts. */
function lineIndex(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

function offsetOf(e: Event): number {
  switch (e.type) {
    case EVENT_ID.SCALAR:
      return e.valueStart >= 0 ? e.valueStart : e.anchorStart >= 0 ? e.anchorStart : e.tagStart;
    case EVENT_ID.MAPPING:
    case EVENT_ID.SEQUENCE:
      return e.start;
    case EVENT_ID.ALIAS:
      return e.anchorStart;
    default:
      return -1;
  }
}

function anchorOf(text: string, e: Event): string | undefined {
  if (e.type === EVENT_ID.DOCUMENT || e.type === EVENT_ID.POP) return undefined;
  return e.anchorStart >= 0 ? text.slice(e.anchorStart, e.anchorEnd) : undefined;
}

interface Frame {
  position: Position;
  kind: 'mapping' | 'sequence';
  nextIndex: number;
  /** In a mapping: the key just read, waiting for its value; undefined while expecting a key. */
  key?: { name: string; line: number };
  /** Expanded size of this collection so far: nodes, and deepest child height. */
  size: number;
  height: number;
  anchor?: string;
}

interface ScannedDoc {
  root?: Position;
  aliases: number;
}

/**
 * One pass over the events: position tree per document, plus the alias and expansion
 * bounds. Throws ManifestError for a document that would expand beyond the limits.
 */
function scan(
  text: string,
  events: Event[],
  source: string,
  limits: ManifestLimits,
  lineAt: (o: number) => number,
): ScannedDoc[] {
  const docs: ScannedDoc[] = [];
  const anchors = new Map<string, { size: number; height: number }>();
  // Every expanded node costs at least one byte of JSON, so a document expanding past
  // `bytes` nodes could never be sent to the API server anyway.
  const maxNodes = limits.bytes;
  let doc: ScannedDoc | undefined;
  let docLine = 1;
  const frames: Frame[] = [];

  const refuse = (line: number, problem: string, hint: string): never => {
    throw new ManifestError({ source, line, problem, hint });
  };

  /** Attaches a node to its parent; returns its Position. */
  const place = (e: Event): Position | undefined => {
    const offset = offsetOf(e);
    const top = frames.at(-1);
    const ownLine = offset >= 0 ? lineAt(offset) : (top?.position.line ?? docLine);
    if (!top) {
      const root = { line: ownLine };
      if (doc) doc.root = root;
      docLine = ownLine;
      return root;
    }
    if (top.kind === 'sequence') {
      const pos = { line: ownLine };
      top.position.children ??= new Map();
      top.position.children.set(String(top.nextIndex++), pos);
      return pos;
    }
    if (!top.key) {
      // A key. Complex (collection) keys are legal YAML but never Kubernetes fields.
      const name = e.type === EVENT_ID.SCALAR ? getScalarValue(text, e as ScalarEvent) : '';
      top.key = { name, line: ownLine };
      return e.type === EVENT_ID.SCALAR ? undefined : { line: ownLine };
    }
    // A value: the field's line is its key's line.
    const pos = { line: top.key.line };
    top.position.children ??= new Map();
    top.position.children.set(top.key.name, pos);
    top.key = undefined;
    return pos;
  };

  /** Adds a finished node's expanded size to its parent and remembers anchors. */
  const finish = (size: number, height: number, anchor: string | undefined, line: number) => {
    if (anchor !== undefined) anchors.set(anchor, { size, height });
    const parent = frames.at(-1);
    if (!parent) {
      if (height > limits.depth) {
        refuse(
          line,
          `aliases expand this document to ${height} levels of nesting; the limit is ${limits.depth}`,
          'Flatten the document or inline the aliased parts.',
        );
      }
      return;
    }
    parent.size += size;
    parent.height = Math.max(parent.height, height);
    if (parent.size > maxNodes) {
      refuse(
        line,
        `aliases expand this document past ${maxNodes} nodes`,
        'This looks like a "billion laughs" document; write the values out instead of nesting aliases.',
      );
    }
  };

  for (const e of events) {
    switch (e.type) {
      case EVENT_ID.DOCUMENT:
        doc = { aliases: 0 };
        docs.push(doc);
        anchors.clear();
        break;
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        const position = place(e) ?? { line: lineAt(e.start) };
        const frame: Frame = {
          position,
          kind: e.type === EVENT_ID.MAPPING ? 'mapping' : 'sequence',
          nextIndex: 0,
          size: 1,
          height: 0,
        };
        const anchor = anchorOf(text, e);
        if (anchor !== undefined) frame.anchor = anchor;
        frames.push(frame);
        break;
      }
      case EVENT_ID.SCALAR:
        place(e);
        finish(1, 0, anchorOf(text, e), docLine);
        break;
      case EVENT_ID.ALIAS: {
        place(e);
        if (doc && ++doc.aliases > limits.aliases) {
          refuse(
            lineAt(e.anchorStart),
            `more than ${limits.aliases} aliases in one document`,
            'Write the repeated values out, or raise the alias limit.',
          );
        }
        const name = text.slice(e.anchorStart, e.anchorEnd);
        if (frames.some((f) => f.anchor === name)) {
          refuse(
            lineAt(e.anchorStart),
            `alias *${name} refers to a node that contains it`,
            'An object cannot contain itself; remove the alias.',
          );
        }
        const target = anchors.get(name) ?? { size: 1, height: 0 };
        finish(target.size, target.height, undefined, lineAt(e.anchorStart));
        break;
      }
      case EVENT_ID.POP: {
        const frame = frames.pop();
        if (frame) finish(frame.size, frame.height + 1, frame.anchor, frame.position.line);
        break;
      }
    }
  }
  return docs;
}

/** Splits a FieldPath string (`a.b[0].c`, `metadata.labels[app.kubernetes.io/name]`). */
function pathSegments(path: string): string[] {
  const segments: string[] = [];
  let i = 0;
  while (i < path.length) {
    if (path[i] === '.') {
      i++;
      continue;
    }
    if (path[i] === '[') {
      const close = path.indexOf(']', i);
      const end = close === -1 ? path.length : close;
      segments.push(path.slice(i + 1, end));
      i = end + 1;
      continue;
    }
    let end = i;
    while (end < path.length && path[end] !== '.' && path[end] !== '[') end++;
    segments.push(path.slice(i, end));
    i = end;
  }
  return segments;
}

function lookup(root: Position, fieldPath: string): number {
  let at = root;
  for (const segment of pathSegments(fieldPath)) {
    const next = at.children?.get(segment);
    if (!next) break;
    at = next;
  }
  return at.line;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a sequence';
  return typeof value === 'object' ? 'a mapping' : `a ${typeof value}`;
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fromYamlError(e: unknown, source: string): ManifestError {
  if (e instanceof YAMLException) {
    return new ManifestError({
      source,
      ...(e.mark ? { line: e.mark.line + 1, column: e.mark.column + 1 } : {}),
      problem: e.reason,
      hint: 'Fix the YAML at that spot: indent with spaces, and quote values that contain ": " or start with a special character.',
    });
  }
  throw e;
}

/**
 * Parses every object in a manifest file. Empty documents are skipped and `kind: List`
 * (or any `...List` with `items`) contributes its items. Throws ManifestError naming
 * `source:line` for syntax errors, limit violations and documents without apiVersion/kind.
 */
export function parseManifests(
  text: string,
  source: string,
  limits?: Partial<ManifestLimits>,
): ManifestDoc[] {
  const lim: ManifestLimits = { ...defaultManifestLimits, ...limits };
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > lim.bytes) {
    throw new ManifestError({
      source,
      problem: `file is ${bytes} bytes; the limit is ${lim.bytes} bytes`,
      hint: 'Split it into several files (the API server refuses larger requests).',
    });
  }
  const lineAt = lineIndex(text);
  let events: Event[];
  let values: unknown[];
  let scanned: ScannedDoc[];
  try {
    events = parseEvents(text, { filename: source, maxDepth: lim.depth });
    scanned = scan(text, events, source, lim, lineAt);
    values = constructFromEvents(events, { source: text, filename: source, schema: yamlSchema });
  } catch (e) {
    if (e instanceof ManifestError) throw e;
    throw fromYamlError(e, source);
  }

  const out: ManifestDoc[] = [];
  const add = (value: unknown, position: Position, shared: boolean) => {
    const line = position.line;
    if (!isMapping(value)) {
      throw new ManifestError({
        source,
        line,
        problem: `expected a Kubernetes object (a mapping with apiVersion and kind), got ${describe(value)}`,
        hint: 'Each document must start with fields like "apiVersion: v1" and "kind: Pod".',
      });
    }
    for (const field of ['apiVersion', 'kind'] as const) {
      const v = value[field];
      if (typeof v !== 'string' || v === '') {
        throw new ManifestError({
          source,
          line: v === undefined ? line : lookup(position, field),
          field,
          problem: v === undefined || v === '' ? `${field} not set` : `must be a string, got ${describe(v)}`,
          hint: 'Every object needs a string apiVersion and kind, e.g. "apiVersion: apps/v1" and "kind: Deployment".',
        });
      }
    }
    if (out.length >= lim.docs) {
      throw new ManifestError({
        source,
        line,
        problem: `more than ${lim.docs} objects in one file`,
        hint: 'Split the file.',
      });
    }
    // Aliases make js-yaml share one object between places; a JSON round trip (bounded by
    // the expansion check above) unshares them, so defaulting one place never changes another.
    const object = shared ? (JSON.parse(JSON.stringify(value)) as Record<string, unknown>) : value;
    out.push({ object, source, index: out.length, line, lineOf: (fieldPath) => lookup(position, fieldPath) });
  };

  values.forEach((value, i) => {
    const doc = scanned[i];
    if (value === null || value === undefined || !doc?.root) return;
    const shared = doc.aliases > 0;
    if (
      isMapping(value) &&
      typeof value.kind === 'string' &&
      value.kind.endsWith('List') &&
      Array.isArray(value.items)
    ) {
      const items = doc.root.children?.get('items');
      value.items.forEach((item, j) => {
        add(item, items?.children?.get(String(j)) ?? items ?? (doc.root as Position), shared);
      });
      return;
    }
    add(value, doc.root, shared);
  });
  return out;
}
