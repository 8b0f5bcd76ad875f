// Label selectors with k8s.io/apimachinery/pkg/labels semantics: the `-l` / `?labelSelector=`
// text syntax, metav1.LabelSelector (matchLabels + matchExpressions), and selectors built
// from a label set. Parse errors use Kubernetes' wording (`found ',', expected: identifier`)
// because kubectl users search for those strings.

import type { LabelSelector } from 'kubernetes-types/meta/v1.js';
import { isQualifiedName, isValidLabelValue } from './label-rules.js';

export interface Requirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values: string[];
}

export interface Selector {
  readonly requirements: readonly Requirement[];
  matches(labels: Record<string, string> | undefined | null): boolean;
  isEverything(): boolean;
  isNothing(): boolean;
  toString(): string;
}

/**
 * How a requirement was written. `a=b` means the same as `a in (b)` but Kubernetes prints
 * each back the way it was spelled, so the spelling rides along for toString().
 */
type Spelling = '=' | '==' | '!=' | 'in' | 'notin' | 'exists' | '!' | '>' | '<';

interface Term {
  requirement: Requirement;
  spelling: Spelling;
}

const operatorOf: Record<Spelling, Requirement['operator']> = {
  '=': 'In',
  '==': 'In',
  in: 'In',
  '!=': 'NotIn',
  notin: 'NotIn',
  exists: 'Exists',
  '!': 'DoesNotExist',
  '>': 'Gt',
  '<': 'Lt',
};

function parseInt64(s: string): bigint | undefined {
  return /^[+-]?\d+$/.test(s) ? BigInt(s) : undefined;
}

function matchesRequirement(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'In':
      return has && r.values.includes(value as string);
    case 'NotIn':
      return !has || !r.values.includes(value as string);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has) return false;
      const actual = parseInt64(value as string);
      const wanted = parseInt64(r.values[0] ?? '');
      if (actual === undefined || wanted === undefined) return false;
      return r.operator === 'Gt' ? actual > wanted : actual < wanted;
    }
  }
}

function termToString({ requirement: r, spelling }: Term): string {
  switch (spelling) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${spelling} (${[...r.values].sort().join(',')})`;
    default:
      return `${r.key}${spelling}${r.values[0] ?? ''}`;
  }
}

class TermSelector implements Selector {
  readonly requirements: readonly Requirement[];
  constructor(private readonly terms: readonly Term[]) {
    this.requirements = terms.map((t) => t.requirement);
  }
  matches(labels: Record<string, string> | undefined | null): boolean {
    const set = labels ?? {};
    return this.requirements.every((r) => matchesRequirement(r, set));
  }
  isEverything(): boolean {
    return this.terms.length === 0;
  }
  isNothing(): boolean {
    return false;
  }
  toString(): string {
    return this.terms.map(termToString).join(',');
  }
}

/** labels.Nothing(): what a nil *LabelSelector means. */
const nothing: Selector = {
  requirements: [],
  matches: () => false,
  isEverything: () => false,
  isNothing: () => true,
  toString: () => '',
};

/** Kubernetes sorts requirements by key (stable here, so equal keys keep their order). */
function selectorOf(terms: Term[]): Selector {
  return new TermSelector(
    [...terms].sort((a, b) =>
      a.requirement.key < b.requirement.key ? -1 : a.requirement.key > b.requirement.key ? 1 : 0,
    ),
  );
}

/** Invalid-value message in field.Error's format: `<path>: Invalid value: "v": why`. */
function invalid(path: string, value: unknown, detail: string): string {
  return `${path ? `${path}: ` : ''}Invalid value: ${JSON.stringify(value)}: ${detail}`;
}

/** labels.NewRequirement's checks; throws with every problem found, as its aggregate does. */
function newTerm(key: string, spelling: Spelling, values: string[]): Term {
  const errs: string[] = [];
  const keyErrs = isQualifiedName(key);
  if (keyErrs.length > 0) errs.push(invalid('key', key, keyErrs.join('; ')));
  const operator = operatorOf[spelling];
  switch (spelling) {
    case 'in':
    case 'notin':
      if (values.length === 0)
        errs.push(invalid('values', values, "for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1)
        errs.push(invalid('values', values, 'exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0)
        errs.push(invalid('values', values, 'values set must be empty for exists and does not exist'));
      break;
    case '>':
    case '<':
      if (values.length !== 1)
        errs.push(invalid('values', values, "for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (parseInt64(v) === undefined)
          errs.push(invalid(`values[${i}]`, v, "for 'Gt', 'Lt' operators, the value must be an integer"));
      });
      break;
  }
  values.forEach((v, i) => {
    const valueErrs = isValidLabelValue(v);
    if (valueErrs.length > 0) errs.push(invalid(`values[${i}][${key}]`, v, valueErrs.join('; ')));
  });
  if (errs.length === 1) throw new Error(errs[0]);
  if (errs.length > 1) throw new Error(`[${errs.join(', ')}]`);
  return { requirement: { key, operator, values }, spelling };
}

// ---- the text syntax -------------------------------------------------------------------

type TokenKind =
  | 'identifier'
  | 'end'
  | ','
  | '('
  | ')'
  | '!'
  | '='
  | '=='
  | '!='
  | '>'
  | '<'
  | 'in'
  | 'notin';
interface Token {
  kind: TokenKind;
  literal: string;
}

// Every single symbol character is a token on its own, so the longest-match scan below
// always yields one; `!=` and `==` are the only two-character tokens.
const symbolTokens = new Map<string, TokenKind>([
  ['!', '!'],
  ['!=', '!='],
  ['(', '('],
  [')', ')'],
  [',', ','],
  ['=', '='],
  ['==', '=='],
  ['>', '>'],
  ['<', '<'],
]);
const isSymbol = (c: string) => symbolTokens.has(c);
const isWhitespace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function lex(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (true) {
    while (i < text.length && isWhitespace(text[i] as string)) i++;
    if (i >= text.length) {
      tokens.push({ kind: 'end', literal: '' });
      return tokens;
    }
    const c = text[i] as string;
    if (isSymbol(c)) {
      const two = text.slice(i, i + 2);
      const lit = symbolTokens.has(two) ? two : c;
      tokens.push({ kind: symbolTokens.get(lit) as TokenKind, literal: lit });
      i += lit.length;
      continue;
    }
    const start = i;
    while (i < text.length && !isWhitespace(text[i] as string) && !isSymbol(text[i] as string)) i++;
    const lit = text.slice(start, i);
    tokens.push({ kind: lit === 'in' ? 'in' : lit === 'notin' ? 'notin' : 'identifier', literal: lit });
  }
}

/** Where `in`/`notin` may only be values, they are identifiers (Go parser's Values context). */
function asValue(t: Token): Token {
  return t.kind === 'in' || t.kind === 'notin' ? { kind: 'identifier', literal: t.literal } : t;
}

class TextParser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return asValue(this.tokens[this.pos] as Token);
  }
  private next(): Token {
    return asValue(this.tokens[this.pos++] as Token);
  }
  private nextOperator(): Token {
    return this.tokens[this.pos++] as Token;
  }

  parse(): Term[] {
    const terms: Term[] = [];
    while (true) {
      const t = this.peek();
      if (t.kind === 'end') return terms;
      if (t.kind !== 'identifier' && t.kind !== '!') {
        throw new Error(`found '${t.literal}', expected: !, identifier, or 'end of string'`);
      }
      try {
        terms.push(this.requirement());
      } catch (e) {
        throw new Error(`unable to parse requirement: ${(e as Error).message}`);
      }
      const after = this.next();
      if (after.kind === 'end') return terms;
      if (after.kind !== ',') throw new Error(`found '${after.literal}', expected: ',' or 'end of string'`);
      const following = this.peek();
      if (following.kind !== 'identifier' && following.kind !== '!') {
        throw new Error(`found '${following.literal}', expected: identifier after ','`);
      }
    }
  }

  private requirement(): Term {
    let t = this.next();
    const negated = t.kind === '!';
    if (negated) t = this.next();
    if (t.kind !== 'identifier') throw new Error(`found '${t.literal}', expected: identifier`);
    const key = t.literal;
    const keyErrs = isQualifiedName(key);
    if (keyErrs.length > 0) throw new Error(invalid('', key, keyErrs.join('; ')));
    const following = this.peek().kind;
    if (negated) return newTerm(key, '!', []);
    if (following === 'end' || following === ',') return newTerm(key, 'exists', []);

    const op = this.nextOperator();
    switch (op.kind) {
      case 'in':
      case 'notin':
        return newTerm(key, op.kind, this.valueSet());
      case '=':
      case '==':
      case '!=':
      case '>':
      case '<':
        return newTerm(key, op.kind, this.exactValue());
      default:
        throw new Error(`found '${op.literal}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }

  private exactValue(): string[] {
    const t = this.peek();
    if (t.kind === 'end' || t.kind === ',') return [''];
    this.next();
    if (t.kind === 'identifier') return [t.literal];
    throw new Error(`found '${t.literal}', expected: identifier`);
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.kind !== '(') throw new Error(`found '${open.literal}' expected: '('`);
    const t = this.peek();
    if (t.kind === ')') {
      this.next();
      return [''];
    }
    if (t.kind !== 'identifier' && t.kind !== ',')
      throw new Error(`found '${t.literal}', expected: ',', ')' or identifier`);
    const values = this.identifierList();
    const close = this.next();
    if (close.kind !== ')') throw new Error(`found '${close.literal}', expected: ')'`);
    return values;
  }

  /** `(a,b)`, `(a,)`, `(,a)`: empty slots between commas are the empty value. */
  private identifierList(): string[] {
    const values = new Set<string>();
    while (true) {
      const t = this.next();
      if (t.kind === 'identifier') {
        values.add(t.literal);
        const after = this.peek();
        if (after.kind === ')') return [...values].sort();
        if (after.kind !== ',') throw new Error(`found '${after.literal}', expected: ',' or ')'`);
        continue;
      }
      if (t.kind === ',') {
        if (values.size === 0) values.add('');
        const after = this.peek();
        if (after.kind === ')') {
          values.add('');
          return [...values].sort();
        }
        if (after.kind === ',') {
          this.next();
          values.add('');
        }
        continue;
      }
      throw new Error(`found '${t.literal}', expected: ',', or identifier`);
    }
  }
}

/**
 * Parses kubectl's `-l` syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`,
 * `!a`, `a>1`, `a<1`, comma-separated (all must hold). The empty string selects everything.
 */
export function parseLabelSelector(text: string): Selector {
  return selectorOf(new TextParser(lex(text)).parse());
}

const expressionSpellings = new Map<string, Spelling>([
  ['In', 'in'],
  ['NotIn', 'notin'],
  ['Exists', 'exists'],
  ['DoesNotExist', '!'],
]);

/** metav1.LabelSelectorAsSelector: null/undefined selects nothing, `{}` selects everything. */
export function selectorFromLabelSelector(sel: LabelSelector | null | undefined): Selector {
  if (sel === null || sel === undefined) return nothing;
  const terms: Term[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) terms.push(newTerm(k, '=', [v]));
  for (const expr of sel.matchExpressions ?? []) {
    const spelling = expressionSpellings.get(expr.operator);
    if (spelling === undefined)
      throw new Error(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    terms.push(newTerm(expr.key, spelling, [...(expr.values ?? [])]));
  }
  return selectorOf(terms);
}

/** labels.SelectorFromSet: every label must be present with that value; `{}` selects everything. */
export function selectorFromSet(labels: Record<string, string>): Selector {
  return selectorOf(
    Object.entries(labels).map(([k, v]) => ({
      requirement: { key: k, operator: 'In', values: [v] },
      spelling: '=',
    })),
  );
}

/** metav1.FormatLabelSelector, as kubectl prints selectors: `app=web,tier in (a,b)`. */
export function labelSelectorToString(sel: LabelSelector | null | undefined): string {
  let text: string;
  try {
    text = selectorFromLabelSelector(sel).toString();
  } catch {
    return '<error>';
  }
  return text === '' ? '<none>' : text;
}
