// The scanner that reads what JSON.parse does not report: nesting depth and repeated keys.
import { describe, expect, it } from 'vitest';
import { maxJsonDepth, scanJsonText } from '../../src/apiserver/json-text-scan.js';

describe('scanJsonText', () => {
  it('finds no duplicates in an ordinary body', () => {
    const text = JSON.stringify({ a: 1, b: { a: 2, c: [{ a: 3 }, { a: 4 }] }, d: 'a' });
    expect(scanJsonText(text)).toEqual({ tooDeep: false, duplicateFields: [] });
  });

  it('names repeated keys with Kubernetes field paths, in document order', () => {
    const text = `{
      "metadata": {"name": "a", "name": "b"},
      "spec": {"paused": true, "paused": false, "template": {"spec": {"containers": [
        {"name": "x"},
        {"name": "y", "imagePullPolicy": "Always", "imagePullPolicy": "Never"}
      ]}}}
    }`;
    expect(scanJsonText(text)).toEqual({
      tooDeep: false,
      duplicateFields: ['metadata.name', 'spec.paused', 'spec.template.spec.containers[1].imagePullPolicy'],
    });
  });

  it('reports a key repeated three times twice, and keys of a root array by index', () => {
    expect(scanJsonText('{"a":1,"a":2,"a":3}')).toEqual({ tooDeep: false, duplicateFields: ['a', 'a'] });
    expect(scanJsonText('[{"op":"add"},{"path":"/a","path":"/b"}]')).toEqual({
      tooDeep: false,
      duplicateFields: ['[1].path'],
    });
  });

  it('compares keys by value, not by spelling, and is not fooled by strings', () => {
    // "\u0061" is "a"; braces, commas and quotes inside strings are not structure.
    const text = String.raw`{"a": "{\"a\": 1, }", "\u0061": 2, "b": "[,]", "c\"": 1, "c": 2}`;
    expect(JSON.parse(text)).toEqual({ a: 2, b: '[,]', 'c"': 1, c: 2 });
    expect(scanJsonText(text)).toEqual({ tooDeep: false, duplicateFields: ['a'] });
  });

  it('keeps keys of sibling objects apart', () => {
    expect(scanJsonText('{"x": {"a": 1}, "y": {"a": 1}, "z": [{"a": 1}, {"a": 1}]}')).toEqual({
      tooDeep: false,
      duplicateFields: [],
    });
  });

  it('stops at the depth bound without recursing, however deep the text', () => {
    const at = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    expect(scanJsonText(at(maxJsonDepth))).toEqual({ tooDeep: false, duplicateFields: [] });
    expect(scanJsonText(at(maxJsonDepth + 1))).toEqual({ tooDeep: true });
    expect(scanJsonText(`${'{"a":'.repeat(1_000_000)}1${'}'.repeat(1_000_000)}`)).toEqual({
      tooDeep: true,
    });
  });
});
