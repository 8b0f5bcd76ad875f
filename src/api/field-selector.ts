// Field selectors (`--field-selector`, `?fieldSelector=`) with k8s.io/apimachinery/pkg/fields
// syntax and kube-apiserver's per-kind field lists (pkg/apis/*/v1 field label conversions
// and each registry's ToSelectableFields). Only the listed fields are selectable; anything
// else is refused with kube-apiserver's own message, which the API server returns as 400.

export interface FieldRequirement {
  field: string;
  operator: '=' | '==' | '!=';
  value: string;
}

export interface FieldSelector {
  readonly requirements: readonly FieldRequirement[];
  matches(obj: unknown): boolean;
  isEverything(): boolean;
  toString(): string;
}

type Getter = (obj: Record<string, unknown>) => string;

/** Reads a dotted path; absent or null values read as "" (fields.Set.Get of a missing key). */
function at(path: string): Getter {
  const parts = path.split('.');
  return (obj) => {
    let cur: unknown = obj;
    for (const p of parts) {
      if (typeof cur !== 'object' || cur === null) return '';
      cur = (cur as Record<string, unknown>)[p];
    }
    return cur === undefined || cur === null ? '' : String(cur);
  };
}

/** Go's strconv.FormatBool of a field that defaults to false. */
function boolAt(path: string): Getter {
  const get = at(path);
  return (obj) => (get(obj) === 'true' ? 'true' : 'false');
}

/** An int32 status counter that defaults to 0, as strconv.Itoa prints it. */
function countAt(path: string): Getter {
  const get = at(path);
  return (obj) => get(obj) || '0';
}

const name = at('metadata.name');
const namespace = at('metadata.namespace');
const namespaced = { 'metadata.name': name, 'metadata.namespace': namespace };

const fieldsByKind: Record<string, Record<string, Getter>> = {
  Pod: {
    ...namespaced,
    'spec.nodeName': at('spec.nodeName'),
    'spec.restartPolicy': at('spec.restartPolicy'),
    'spec.schedulerName': at('spec.schedulerName'),
    'spec.serviceAccountName': at('spec.serviceAccountName'),
    'spec.hostNetwork': boolAt('spec.hostNetwork'),
    'status.phase': at('status.phase'),
    // Kubernetes reads the first of status.podIPs, which mirrors status.podIP.
    'status.podIP': (obj) => at('status.podIPs.0.ip')(obj) || at('status.podIP')(obj),
    'status.nominatedNodeName': at('status.nominatedNodeName'),
  },
  Event: {
    ...namespaced,
    'involvedObject.kind': at('involvedObject.kind'),
    'involvedObject.namespace': at('involvedObject.namespace'),
    'involvedObject.name': at('involvedObject.name'),
    'involvedObject.uid': at('involvedObject.uid'),
    'involvedObject.apiVersion': at('involvedObject.apiVersion'),
    'involvedObject.resourceVersion': at('involvedObject.resourceVersion'),
    'involvedObject.fieldPath': at('involvedObject.fieldPath'),
    reason: at('reason'),
    reportingComponent: at('reportingComponent'),
    // Events written through events.k8s.io carry only the reporting controller.
    source: (obj) => at('source.component')(obj) || at('reportingComponent')(obj),
    type: at('type'),
  },
  Secret: { ...namespaced, type: at('type') },
  Service: { ...namespaced, 'spec.clusterIP': at('spec.clusterIP'), 'spec.type': at('spec.type') },
  // Cluster-scoped kinds with their own conversion accept no metadata.namespace.
  Node: { 'metadata.name': name, 'spec.unschedulable': boolAt('spec.unschedulable') },
  Namespace: { 'metadata.name': name, 'status.phase': at('status.phase') },
  ReplicaSet: { ...namespaced, 'status.replicas': countAt('status.replicas') },
  Job: { ...namespaced, 'status.successful': countAt('status.succeeded') },
};

function fieldsFor(kind: string): Record<string, Getter> {
  return fieldsByKind[kind] ?? namespaced;
}

/** Splits on commas that are not escaped with a backslash (fields.splitTerms). */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      current += c + text[i + 1];
      i++;
    } else if (c === ',') {
      terms.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  terms.push(current);
  return terms;
}

/** Finds the first unescaped `!=`, `==` or `=` (fields.splitTerm). */
function splitTerm(term: string): [string, FieldRequirement['operator'], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const op of ['!=', '==', '='] as const) {
      if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
    }
  }
  return undefined;
}

/** fields.UnescapeValue: only `\\`, `\,` and `\=` are escapes; a bare `,` or `=` is an error. */
function unescapeValue(value: string): string {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\') {
      const next = value[i + 1];
      if (next === '\\' || next === ',' || next === '=') {
        out += next;
        i++;
        continue;
      }
      throw new Error(`invalid field selector: invalid escape sequence: \\${next ?? ''}`);
    }
    if (c === ',' || c === '=') throw new Error(`invalid field selector: unescaped character in value: ${c}`);
    out += c;
  }
  return out;
}

function escapeValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

class RequirementsSelector implements FieldSelector {
  constructor(
    readonly requirements: readonly FieldRequirement[],
    private readonly getters: readonly Getter[],
  ) {}
  matches(obj: unknown): boolean {
    if (typeof obj !== 'object' || obj === null) return this.requirements.length === 0;
    const o = obj as Record<string, unknown>;
    return this.requirements.every((r, i) => {
      const actual = (this.getters[i] as Getter)(o);
      return r.operator === '!=' ? actual !== r.value : actual === r.value;
    });
  }
  isEverything(): boolean {
    return this.requirements.length === 0;
  }
  toString(): string {
    return this.requirements
      .map((r) => `${r.field}${r.operator === '!=' ? '!=' : '='}${escapeValue(r.value)}`)
      .join(',');
  }
}

/**
 * Parses `metadata.name=web,status.phase!=Running` for objects of `kind`. The empty string
 * selects everything. Throws `field label not supported: X` for fields Kubernetes does not
 * index for that kind, and `invalid selector: ...` for bad syntax.
 */
export function parseFieldSelector(text: string, kind: string): FieldSelector {
  const supported = fieldsFor(kind);
  const requirements: FieldRequirement[] = [];
  const getters: Getter[] = [];
  // Kubernetes sorts the terms before parsing, which also fixes the order toString prints.
  for (const term of splitTerms(text).sort()) {
    if (term === '') continue;
    const split = splitTerm(term);
    if (!split) throw new Error(`invalid selector: '${text}'; can't understand '${term}'`);
    const [field, operator, rawValue] = split;
    const value = unescapeValue(rawValue);
    const getter = Object.hasOwn(supported, field) ? supported[field] : undefined;
    if (!getter) throw new Error(`field label not supported: ${field}`);
    requirements.push({ field, operator, value });
    getters.push(getter);
  }
  return new RequirementsSelector(requirements, getters);
}
