// Field-level validation errors, shaped like Kubernetes' field.Error so that the API server
// can turn a list of them into an Invalid (422) Status with `details.causes`, and the CLI can
// map `field` back to a file:line in the manifest the user wrote.

export type FieldErrorType =
  | 'FieldValueRequired'
  | 'FieldValueInvalid'
  | 'FieldValueNotSupported'
  | 'FieldValueDuplicate'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany'
  | 'FieldValueTypeInvalid'
  | 'FieldValueNotFound'
  | 'FieldValueUnknown';

export interface FieldError {
  type: FieldErrorType;
  /** Dotted path with indexes, as Kubernetes prints it: `spec.template.spec.containers[0].image`. */
  field: string;
  /** Full human message, as Kubernetes prints it (`Invalid value: -1: must be greater than or equal to 0`). */
  message: string;
}

/** Builds field paths the way Kubernetes' field.Path does. */
export class FieldPath {
  private constructor(private readonly text: string) {}
  static root(name = ''): FieldPath {
    return new FieldPath(name);
  }
  child(name: string): FieldPath {
    return new FieldPath(this.text ? `${this.text}.${name}` : name);
  }
  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }
  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }
  toString(): string {
    return this.text;
  }
}

function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'null';
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

export const fieldErrors = {
  required: (p: FieldPath, detail = ''): FieldError => ({
    type: 'FieldValueRequired',
    field: p.toString(),
    message: `Required value${detail ? `: ${detail}` : ''}`,
  }),
  invalid: (p: FieldPath, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueInvalid',
    field: p.toString(),
    message: `Invalid value: ${show(value)}: ${detail}`,
  }),
  notSupported: (p: FieldPath, value: unknown, valid: readonly string[]): FieldError => ({
    type: 'FieldValueNotSupported',
    field: p.toString(),
    message: `Unsupported value: ${show(value)}: supported values: ${valid.map((v) => JSON.stringify(v)).join(', ')}`,
  }),
  duplicate: (p: FieldPath, value: unknown): FieldError => ({
    type: 'FieldValueDuplicate',
    field: p.toString(),
    message: `Duplicate value: ${show(value)}`,
  }),
  forbidden: (p: FieldPath, detail: string): FieldError => ({
    type: 'FieldValueForbidden',
    field: p.toString(),
    message: `Forbidden: ${detail}`,
  }),
  tooLong: (p: FieldPath, max: number): FieldError => ({
    type: 'FieldValueTooLong',
    field: p.toString(),
    message: `Too long: may not be more than ${max} bytes`,
  }),
  tooMany: (p: FieldPath, actual: number, max: number): FieldError => ({
    type: 'FieldValueTooMany',
    field: p.toString(),
    message: `Too many: ${actual}: must have at most ${max} items`,
  }),
  typeInvalid: (p: FieldPath, value: unknown, detail: string): FieldError => ({
    type: 'FieldValueTypeInvalid',
    field: p.toString(),
    message: `Invalid value: ${show(value)}: ${detail}`,
  }),
  notFound: (p: FieldPath, value: unknown): FieldError => ({
    type: 'FieldValueNotFound',
    field: p.toString(),
    message: `Not found: ${show(value)}`,
  }),
  unknown: (p: FieldPath): FieldError => ({
    type: 'FieldValueUnknown',
    field: p.toString(),
    message: `unknown field "${p.toString()}"`,
  }),
  /**
   * A key repeated in a body's text, in kube's strict decoding words; `subject` names a
   * document that is not the object itself (`json patch` for a JSON patch's operations).
   */
  duplicateField: (path: string, subject = ''): FieldError => ({
    type: 'FieldValueDuplicate',
    field: path,
    message: `${subject ? `${subject} ` : ''}duplicate field "${path}"`,
  }),
  unknownField: (path: string, subject: string): FieldError => ({
    type: 'FieldValueUnknown',
    field: path,
    message: `${subject} unknown field "${path}"`,
  }),
};
