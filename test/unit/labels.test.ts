import { describe, expect, it } from 'vitest';
import { isQualifiedName, isValidLabelValue } from '../../src/api/label-rules.js';
import {
  labelSelectorToString,
  parseLabelSelector,
  selectorFromLabelSelector,
  selectorFromSet,
} from '../../src/api/labels.js';

const nameMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

describe('isQualifiedName (k8s.io/apimachinery/pkg/util/validation)', () => {
  it.each([
    'simple',
    'now-with-dashes',
    '1-starts-with-num',
    '1234',
    'simple/simple',
    'now-with-dashes/simple',
    'now-with-dashes/now-with-dashes',
    'now.with.dots/now-with-dashes',
    'now-with.dashes-and.dots/now_with.dashes-and.dots',
    'example.com/ALL_CAPS',
    'a'.repeat(63),
    `${'a'.repeat(253)}/${'b'.repeat(63)}`,
  ])('accepts %s', (name) => {
    expect(isQualifiedName(name)).toEqual([]);
  });

  it.each([
    'nospecialchars%^=@',
    'cantendwithadash-',
    '-cantstartwithadash-',
    'only/one/slash',
    'Example.com/abc',
    'example_com/abc',
    'example.com/',
    '/simple',
    'a'.repeat(64),
    `${'a'.repeat(254)}/abc`,
  ])('rejects %s', (name) => {
    expect(isQualifiedName(name).length).toBeGreaterThan(0);
  });

  it('uses Kubernetes messages', () => {
    expect(isQualifiedName('a'.repeat(64))).toEqual(['name part must be no more than 63 characters']);
    expect(isQualifiedName('bad_')).toEqual([`name part ${nameMsg}`]);
    expect(isQualifiedName('/x')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('x/')[0]).toBe('name part must be non-empty');
    expect(isQualifiedName('Example.com/x')[0]).toMatch(
      /^prefix part a lowercase RFC 1123 subdomain must consist of/,
    );
    expect(isQualifiedName('a/b/c')[0]).toMatch(
      /^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/,
    );
  });
});

describe('isValidLabelValue', () => {
  it.each([
    '',
    'simple',
    'now-with-dashes',
    '1-starts-with-num',
    'end-with-num-1',
    '1234',
    'a'.repeat(63),
    'UPPER_and.lower',
  ])('accepts %j', (v) => {
    expect(isValidLabelValue(v)).toEqual([]);
  });
  it.each([
    'nospecialchars%^=@',
    'Tama-nui-te-rā.is.Māori.sun',
    '\\backslashes\\',
    '-starts-with-dash',
    'ends-with-dash-',
    '.starts.with.dot',
    'a'.repeat(64),
  ])('rejects %j', (v) => {
    expect(isValidLabelValue(v).length).toBeGreaterThan(0);
  });
  it('uses Kubernetes messages', () => {
    expect(isValidLabelValue('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
    expect(isValidLabelValue('-x')).toEqual([
      "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
    ]);
  });
});

describe('parseLabelSelector', () => {
  // Kubernetes' TestSelectorParse good strings, with how Kubernetes prints them back.
  it.each([
    ['x=a,y=b,z=c', 'x=a,y=b,z=c'],
    ['', ''],
    ['x!=a,y=b', 'x!=a,y=b'],
    ['close ==  value', 'close==value'],
    ['x>1', 'x>1'],
    ['x>1,z<5', 'x>1,z<5'],
    ['x<1', 'x<1'],
    ['x in (a)', 'x in (a)'],
    ['x in (b,a)', 'x in (a,b)'],
    ['x notin (a, b)', 'x notin (a,b)'],
    ['z=c,y=b,x=a', 'x=a,y=b,z=c'],
    ['!x', '!x'],
    ['x', 'x'],
    ['x,!y', 'x,!y'],
    ['x=', 'x='],
    ['x= ,z= ', 'x=,z='],
    ['x in (,a)', 'x in (,a)'],
    ['x in ()', 'x in ()'],
    ['in in (in,notin)', 'in in (in,notin)'],
    ['example.com/app=web', 'example.com/app=web'],
  ])('parses %j and prints %j', (text, printed) => {
    expect(parseLabelSelector(text).toString()).toBe(printed);
  });

  it.each([
    // `|` is no operator, so the value is `a||y` and fails label-value validation, as in Go.
    ['x=a||y=b', 'unable to parse requirement: values[0][x]: Invalid value: "a||y"'],
    ['x<-1', 'values[0][x]: Invalid value: "-1"'],
    ['x==a==b', "found '==', expected: ',' or 'end of string'"],
    ['!x=a', "found '=', expected: ',' or 'end of string'"],
    ['x<a', "for 'Gt', 'Lt' operators, the value must be an integer"],
    ['x>1.5', "for 'Gt', 'Lt' operators, the value must be an integer"],
    ['x in a', "unable to parse requirement: found 'a' expected: '('"],
    ['x in (a', "found '', expected: ',' or ')'"],
    ['x,', "found '', expected: identifier after ','"],
    [',x', "found ',', expected: !, identifier, or 'end of string'"],
    ['x!', "found '!', expected: in, notin, =, ==, !=, gt, lt"],
    ['x=a b', "found 'b', expected: ',' or 'end of string'"],
    ['-bad=a', 'unable to parse requirement: Invalid value: "-bad": name part must consist of'],
    ['a=-bad', 'values[0][a]: Invalid value: "-bad": a valid label must be an empty string'],
    [`a=${'v'.repeat(64)}`, 'must be no more than 63 characters'],
  ])('rejects %j', (text, message) => {
    expect(() => parseLabelSelector(text)).toThrow(message);
  });

  it('keeps = and in apart in the public requirements', () => {
    expect(parseLabelSelector('a=b,c!=d,e in (x,y),f,!g,h>3').requirements).toEqual([
      { key: 'a', operator: 'In', values: ['b'] },
      { key: 'c', operator: 'NotIn', values: ['d'] },
      { key: 'e', operator: 'In', values: ['x', 'y'] },
      { key: 'f', operator: 'Exists', values: [] },
      { key: 'g', operator: 'DoesNotExist', values: [] },
      { key: 'h', operator: 'Gt', values: ['3'] },
    ]);
  });

  // Kubernetes' TestSelectorMatches / TestSetMatches cases.
  it.each([
    ['', { x: 'y' }, true],
    ['x=y', { x: 'y' }, true],
    ['x=y,z=w', { x: 'y', z: 'w' }, true],
    ['x!=y,z!=w', { x: 'z', z: 'a' }, true],
    ['notin=in', { notin: 'in' }, true],
    ['x', { x: 'z' }, true],
    ['!x', { y: 'z' }, true],
    ['x>1', { x: '2' }, true],
    ['x<1', { x: '0' }, true],
    ['x<10', { x: '-2' }, true],
    ['x in (a,b)', { x: 'b' }, true],
    ['x notin (a,b)', { y: 'a' }, true],
    ['x=', { x: '' }, true],
    ['x=z', {}, false],
    ['x=y', { x: 'z' }, false],
    ['x=y,z=w', { x: 'w', z: 'w' }, false],
    ['x!=y,z!=w', { x: 'z', z: 'w' }, false],
    ['x', { y: 'z' }, false],
    ['!x', { x: 'z' }, false],
    ['x>1', { x: '0' }, false],
    ['x>1', { x: 'a' }, false],
    ['x>1', {}, false],
    ['x<1', { x: '2' }, false],
    ['x in (a,b)', { x: 'c' }, false],
    ['x notin (a,b)', { x: 'a' }, false],
  ] as const)('%j matches %j: %s', (text, labels, want) => {
    expect(parseLabelSelector(text).matches(labels)).toBe(want);
  });

  it('treats missing labels as an empty set', () => {
    expect(parseLabelSelector('!x').matches(undefined)).toBe(true);
    expect(parseLabelSelector('x').matches(null)).toBe(false);
    expect(parseLabelSelector('').isEverything()).toBe(true);
    expect(parseLabelSelector('x').isEverything()).toBe(false);
  });

  it('does not match inherited properties', () => {
    expect(parseLabelSelector('toString').matches({})).toBe(false);
  });
});

describe('selectorFromLabelSelector (metav1.LabelSelectorAsSelector)', () => {
  it('null selects nothing, {} selects everything', () => {
    const none = selectorFromLabelSelector(null);
    expect(none.isNothing()).toBe(true);
    expect(none.matches({ a: 'b' })).toBe(false);
    expect(selectorFromLabelSelector(undefined).isNothing()).toBe(true);
    const all = selectorFromLabelSelector({});
    expect(all.isEverything()).toBe(true);
    expect(all.isNothing()).toBe(false);
    expect(all.matches({})).toBe(true);
    expect(selectorFromLabelSelector({ matchLabels: {}, matchExpressions: [] }).isEverything()).toBe(true);
  });

  it('combines matchLabels and matchExpressions', () => {
    const s = selectorFromLabelSelector({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'tier', operator: 'In', values: ['b', 'a'] },
        { key: 'env', operator: 'NotIn', values: ['prod'] },
        { key: 'canary', operator: 'DoesNotExist' },
        { key: 'zone', operator: 'Exists' },
      ],
    });
    expect(s.toString()).toBe('app=web,!canary,env notin (prod),tier in (a,b),zone');
    expect(s.matches({ app: 'web', tier: 'a', zone: 'z1' })).toBe(true);
    expect(s.matches({ app: 'web', tier: 'a', zone: 'z1', env: 'prod' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'c', zone: 'z1' })).toBe(false);
    expect(s.matches({ app: 'web', tier: 'a', zone: 'z1', canary: 'true' })).toBe(false);
  });

  it.each([
    [
      { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] },
      '"Gt" is not a valid label selector operator',
    ],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, "values set can't be empty"],
    [
      { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
      'values set must be empty for exists and does not exist',
    ],
    [{ matchLabels: { 'bad key': 'x' } }, 'key: Invalid value: "bad key"'],
    [{ matchLabels: { a: 'bad value' } }, 'values[0][a]: Invalid value: "bad value"'],
  ])('rejects %j', (sel, message) => {
    expect(() => selectorFromLabelSelector(sel)).toThrow(message);
  });
});

describe('selectorFromSet', () => {
  it('requires every label', () => {
    const s = selectorFromSet({ b: '2', a: '1' });
    expect(s.toString()).toBe('a=1,b=2');
    expect(s.matches({ a: '1', b: '2', c: '3' })).toBe(true);
    expect(s.matches({ a: '1' })).toBe(false);
    expect(selectorFromSet({}).isEverything()).toBe(true);
  });
});

describe('labelSelectorToString (metav1.FormatLabelSelector)', () => {
  it.each([
    [null, '<none>'],
    [{}, '<none>'],
    [{ matchLabels: { app: 'web' } }, 'app=web'],
    [
      {
        matchLabels: { app: 'web' },
        matchExpressions: [{ key: 'tier', operator: 'In', values: ['a', 'b'] }],
      },
      'app=web,tier in (a,b)',
    ],
    [{ matchExpressions: [{ key: 'x', operator: 'Bogus' }] }, '<error>'],
  ])('%j prints %j', (sel, want) => {
    expect(labelSelectorToString(sel)).toBe(want);
  });
});
