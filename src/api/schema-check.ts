// Structural check of a request body against the Kubernetes schema, as kube-apiserver's
// strict field validation does before any per-kind validation runs: unknown fields are
// reported as `unknown field "spec.foo"`, wrongly typed values in kube-openapi's words
// (`spec.replicas in body must be of type integer: "string"`). Catching these here is what
// turns a typo like `replica: 3` into an error instead of a silently ignored field.
//
// The table in ./schema/types.json is generated; regenerate it with
//   node scripts/gen-api-schema.mjs
// Its type spellings: string, int32, int64, number, boolean, date-time, byte, int-or-string,
// quantity, any, `[]T` (array of T), `{}T` (map of string to T), or a model name.
//
// Integers are bounded by their Go type, as Go's JSON decoder bounds them in kube-apiserver:
// without that, `replicas: 2147483648` or `1e308` would be stored and a controller would try
// to create that many pods. Kubernetes' Go decoder refuses such a body (`json: cannot unmarshal
// number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32`); kubelab
// reports it as an invalid value of that field (`spec.replicas: Invalid value: 2147483648: must
// be less than or equal to 2147483647 (the range of int32)`), which the API server answers
// with 422 Invalid.

import { type FieldError, FieldPath, fieldErrors } from './field-errors.js';
import table from './schema/types.json' with { type: 'json' };

// Maps, not the parsed JSON objects, so that hostile keys such as `__proto__` or
// `constructor` can never resolve to something on Object.prototype.
const models = new Map<string, Map<string, string>>(
  Object.entries(table.types).map(([name, fields]) => [
    name,
    new Map(Object.entries(fields as Record<string, string>)),
  ]),
);
const kinds = new Map<string, string>(Object.entries(table.kinds));

/** The schema type name for a top-level object, e.g. ('apps/v1', 'Deployment') -> 'V1Deployment'. */
export function schemaTypeForKind(apiVersion: string, kind: string): string | undefined {
  return kinds.get(`${apiVersion}/${kind}`);
}

/** JSON type names as kube-openapi prints them in `must be of type X: "<actual>"`. */
function jsonTypeOf(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  if (typeof value === 'object') return 'object';
  return typeof value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Go's time.Parse(time.RFC3339, ...) shape, which metav1.Time and MicroTime decode with.
const rfc3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** The range of a Go integer type. */
export interface IntegerBounds {
  name: 'int32' | 'int64';
  min: number;
  max: number;
}

export const int32Bounds: IntegerBounds = { name: 'int32', min: -(2 ** 31), max: 2 ** 31 - 1 };
// A JSON number is read as a double, which cannot tell 2^63 - 1 (int64's maximum) from 2^63:
// both arrive as 2^63, so that is the bound. The one number it lets through that Go would
// refuse is 2^63 itself; every larger one (e.g. a 23-digit number) is refused.
export const int64Bounds: IntegerBounds = { name: 'int64', min: -(2 ** 63), max: 2 ** 63 };

export function fitsInteger(value: number, bounds: IntegerBounds): boolean {
  return value >= bounds.min && value <= bounds.max;
}

/**
 * Scalar types: the JSON types each accepts, spelled as the error message lists them, and
 * for integers the Go type whose range an integral number must also fit.
 */
const scalars: Record<
  string,
  { expected: string; accepts: (v: unknown) => boolean; bounds?: IntegerBounds }
> = {
  string: { expected: 'string', accepts: (v) => typeof v === 'string' },
  byte: { expected: 'string', accepts: (v) => typeof v === 'string' },
  int32: { expected: 'integer', accepts: (v) => Number.isInteger(v), bounds: int32Bounds },
  int64: { expected: 'integer', accepts: (v) => Number.isInteger(v), bounds: int64Bounds },
  number: { expected: 'number', accepts: (v) => typeof v === 'number' },
  boolean: { expected: 'boolean', accepts: (v) => typeof v === 'boolean' },
  'date-time': { expected: 'string', accepts: (v) => typeof v === 'string' },
  // intstr.IntOrString and resource.Quantity both decode from a JSON number or string;
  // IntOrString keeps the number in an int32.
  'int-or-string': {
    expected: 'integer,string',
    accepts: (v) => typeof v === 'string' || Number.isInteger(v),
    bounds: int32Bounds,
  },
  quantity: { expected: 'string', accepts: (v) => typeof v === 'string' || typeof v === 'number' },
  any: { expected: '', accepts: () => true },
};

/** Marks a field the schema does not have; reported when popped, to keep document order. */
const UNKNOWN_FIELD = '';

interface Pending {
  value: unknown;
  type: string;
  path: FieldPath;
  /** An array item or map value, where null is not "unset" but a hole in the list. */
  element?: boolean;
}

/** The JSON type a schema type is spelled as in `must be of type X`. */
function expectedJsonType(type: string): string {
  const scalar = scalars[type];
  if (scalar) return scalar.expected;
  return type.startsWith('[]') ? 'array' : 'object';
}

/**
 * Walks `obj` against schema type `typeName` and returns every unknown field and type
 * mismatch, in document order. A null field is accepted (Kubernetes treats it as unset); a
 * null array item or map value is refused as kube-openapi refuses a non-nullable null
 * (`spec.containers[0] in body must be of type object: "null"`): Go would decode it to a zero
 * value, but every rule downstream would have to expect a hole where an item should be.
 * The walk is iterative and never descends below the schema's own depth, so hostile
 * deeply nested input costs no stack and at most one error per over-deep branch.
 */
export function checkSchema(obj: unknown, typeName: string): FieldError[] {
  const errors: FieldError[] = [];
  const stack: Pending[] = [{ value: obj, type: typeName, path: FieldPath.root() }];
  /** kube-openapi's InvalidType: `<path> in body must be of type <expected>: "<shown>"`. */
  const mustBe = (p: Pending, expected: string, shown: unknown) => {
    const subject = p.path.toString() === '' ? 'body' : `${p.path} in body`;
    errors.push(
      fieldErrors.typeInvalid(
        p.path,
        shown,
        `${subject} must be of type ${expected}: ${JSON.stringify(shown)}`,
      ),
    );
  };
  while (stack.length > 0) {
    const p = stack.pop() as Pending;
    const { value, type } = p;
    if (type === UNKNOWN_FIELD) {
      errors.push(fieldErrors.unknown(p.path));
      continue;
    }
    if (value === null || value === undefined) {
      if (value === null && p.element && type !== 'any') mustBe(p, expectedJsonType(type), 'null');
      continue;
    }

    const scalar = scalars[type];
    if (scalar) {
      if (!scalar.accepts(value)) mustBe(p, scalar.expected, jsonTypeOf(value));
      else if (type === 'date-time' && !rfc3339.test(value as string)) mustBe(p, 'date-time', value);
      else if (scalar.bounds && typeof value === 'number' && !fitsInteger(value, scalar.bounds)) {
        const b = scalar.bounds;
        const limit = value > b.max ? `less than or equal to ${b.max}` : `greater than or equal to ${b.min}`;
        errors.push(fieldErrors.invalid(p.path, value, `must be ${limit} (the range of ${b.name})`));
      }
      continue;
    }

    // Children are pushed in reverse so they pop in document order.
    if (type.startsWith('[]')) {
      if (!Array.isArray(value)) {
        mustBe(p, 'array', jsonTypeOf(value));
        continue;
      }
      const item = type.slice(2);
      for (let i = value.length - 1; i >= 0; i--)
        stack.push({ value: value[i], type: item, path: p.path.index(i), element: true });
      continue;
    }
    if (!isPlainObject(value)) {
      mustBe(p, 'object', jsonTypeOf(value));
      continue;
    }
    const entries = Object.entries(value);
    if (type.startsWith('{}')) {
      const item = type.slice(2);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i] as [string, unknown];
        stack.push({ value: v, type: item, path: p.path.key(k), element: true });
      }
      continue;
    }
    const fields = models.get(type);
    if (!fields) throw new Error(`schema-check: no schema type ${type}`);
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, v] = entries[i] as [string, unknown];
      stack.push({ value: v, type: fields.get(k) ?? UNKNOWN_FIELD, path: p.path.child(k) });
    }
  }
  return errors;
}
