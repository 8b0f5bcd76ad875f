import { describe, expect, it } from 'vitest';
import { WatchDecoder } from '../../src/client/watch.js';

const events = [
  { type: 'ADDED', object: { kind: 'Pod', metadata: { name: 'web-ü', resourceVersion: '5' } } },
  { type: 'MODIFIED', object: { kind: 'Pod', metadata: { name: 'web-ü', resourceVersion: '6' } } },
  { type: 'BOOKMARK', object: { kind: 'Pod', metadata: { resourceVersion: '9' } } },
  {
    type: 'ERROR',
    object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old resource version' },
  },
];
const wire = Buffer.from(events.map((e) => `${JSON.stringify(e)}\n`).join(''), 'utf8');

function feed(chunks: Buffer[]): unknown[] {
  const d = new WatchDecoder();
  return [...chunks.flatMap((c) => d.push(c)), ...d.end()];
}

describe('WatchDecoder', () => {
  it.each([
    ['one chunk', [wire]],
    ['one byte at a time (splits the two-byte ü)', [...wire].map((b) => Buffer.from([b]))],
    ['split right after each newline', splitAfter(wire, 0x0a)],
    ['split right before each newline', splitBefore(wire, 0x0a)],
    ['split inside the multi-byte character', splitBefore(wire, 0xbc)],
  ])('decodes the same events when chunks are %s', (_name, chunks) => {
    expect(feed(chunks)).toEqual(events);
  });

  it('ignores blank lines (keep-alive newlines)', () => {
    const d = new WatchDecoder();
    expect(d.push('\n\n')).toEqual([]);
    expect(d.push(`${JSON.stringify(events[0])}\n\n`)).toEqual([events[0]]);
  });

  it('uses a final whole event without a newline, and drops one cut short', () => {
    const d = new WatchDecoder();
    d.push(JSON.stringify(events[0]));
    expect(d.end()).toEqual([events[0]]);
    const cut = new WatchDecoder();
    cut.push(JSON.stringify(events[0]).slice(0, 20));
    expect(cut.end()).toEqual([]);
  });

  it.each([
    ['not JSON', 'hello\n', /malformed event/],
    ['an unknown type', '{"type":"CHANGED","object":{}}\n', /unexpected event/],
    ['no object', '{"type":"ADDED"}\n', /unexpected event/],
  ])('rejects a line that is %s', (_name, line, message) => {
    expect(() => new WatchDecoder().push(line)).toThrow(message);
  });
});

function splitAfter(buf: Buffer, byte: number): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === byte) {
      out.push(buf.subarray(start, i + 1));
      start = i + 1;
    }
  }
  out.push(buf.subarray(start));
  return out;
}

function splitBefore(buf: Buffer, byte: number): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === byte && i > start) {
      out.push(buf.subarray(start, i));
      start = i;
    }
  }
  out.push(buf.subarray(start));
  return out;
}
