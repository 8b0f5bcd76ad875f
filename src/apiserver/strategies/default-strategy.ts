// The strategy of a plain kind: defaulting and validation from its rules in
// src/api/kind-rules.ts, no admission or allocation, immediate deletion, and its printer's
// columns. Per-kind strategies start from this one and override what differs.
import { rulesFor } from '../../api/kind-rules.js';
import { apiVersionOf, type ResourceInfo } from '../../api/resources.js';
import { toTable } from '../../api/table/to-table.js';
import type { ResourceStrategy } from './strategy.js';

export function defaultStrategy(r: ResourceInfo): ResourceStrategy {
  const rules = rulesFor(apiVersionOf(r), r.kind);
  return {
    allowCreateOnUpdate: false,
    keepStatusOnCreate: false,
    applyDefaults: (obj) => rules?.applyDefaults(obj),
    admit: () => {},
    prepareForCreate: (obj) => rules?.prepareForCreate(obj),
    prepareForUpdate: () => {},
    validate: (obj, old) => rules?.validate(obj, old) ?? [],
    validateStatus: (obj, old) => rules?.validateStatus(obj, old) ?? [],
    allocate: async () => {},
    deletionGracePeriod: () => 0,
    pendingFinalizers: () => [],
    prepareForDeletion: () => {},
    convertToTable: (objects, opts) => toTable(r, objects, opts),
  };
}
