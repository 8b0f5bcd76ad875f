// Generates src/api/schema/types.json: the field -> type table that src/api/schema-check.ts
// walks to reject unknown fields and wrongly typed values, the way kube-apiserver's strict
// field validation does. Run after bumping @kubernetes/client-node:
//
//   node scripts/gen-api-schema.mjs
//
// Sources: @kubernetes/client-node's generated models give every field and its JSON type,
// but they flatten resource.Quantity to plain "string"; kubernetes-types still says
// `Quantity`, so its .d.ts files are read to mark those fields (a Quantity accepts a number
// too: `cpu: 1`). Only types reachable from the kinds kubelab serves are kept, so the table
// stays small enough to commit and review.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(join(root, 'package.json'));
const clientNodeDir = dirname(require.resolve('@kubernetes/client-node/package.json'));
const modelsDir = join(clientNodeDir, 'dist/gen/models');
const kubernetesTypesDir = dirname(require.resolve('kubernetes-types/package.json'));
const outFile = join(root, 'src/api/schema/types.json');

/** [apiVersion, kind, client-node class]: every body the API server type-checks. */
const roots = [
  ['v1', 'Namespace', 'V1Namespace'],
  ['v1', 'Node', 'V1Node'],
  ['v1', 'Pod', 'V1Pod'],
  ['v1', 'Service', 'V1Service'],
  ['v1', 'Endpoints', 'V1Endpoints'],
  ['v1', 'ConfigMap', 'V1ConfigMap'],
  ['v1', 'Secret', 'V1Secret'],
  ['v1', 'ServiceAccount', 'V1ServiceAccount'],
  ['v1', 'Event', 'CoreV1Event'],
  ['v1', 'Binding', 'V1Binding'],
  ['coordination.k8s.io/v1', 'Lease', 'V1Lease'],
  ['apps/v1', 'Deployment', 'V1Deployment'],
  ['apps/v1', 'ReplicaSet', 'V1ReplicaSet'],
  ['apps/v1', 'DaemonSet', 'V1DaemonSet'],
  ['apps/v1', 'StatefulSet', 'V1StatefulSet'],
  ['batch/v1', 'Job', 'V1Job'],
  ['batch/v1', 'CronJob', 'V1CronJob'],
  ['networking.k8s.io/v1', 'Ingress', 'V1Ingress'],
  ['autoscaling/v2', 'HorizontalPodAutoscaler', 'V2HorizontalPodAutoscaler'],
  ['rbac.authorization.k8s.io/v1', 'Role', 'V1Role'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRole', 'V1ClusterRole'],
  ['rbac.authorization.k8s.io/v1', 'RoleBinding', 'V1RoleBinding'],
  ['rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'V1ClusterRoleBinding'],
  ['policy/v1', 'Eviction', 'V1Eviction'],
  ['autoscaling/v1', 'Scale', 'V1Scale'],
  // DeleteOptions is registered in every group version; clients send either spelling.
  ['v1', 'DeleteOptions', 'V1DeleteOptions'],
  ['meta.k8s.io/v1', 'DeleteOptions', 'V1DeleteOptions'],
];

const available = new Set(
  readdirSync(modelsDir)
    .filter((f) => f.endsWith('.js'))
    .map((f) => f.slice(0, -3)),
);

async function attributesOf(className) {
  const mod = await import(pathToFileURL(join(modelsDir, `${className}.js`)).href);
  const cls = mod[className];
  if (!cls?.attributeTypeMap) throw new Error(`${className}: no attributeTypeMap in ${modelsDir}`);
  return cls.attributeTypeMap;
}

/**
 * Reads kubernetes-types' declarations and returns `Class.field` keys (client-node class
 * names) whose type is Quantity or a map of Quantity.
 */
function quantityFields() {
  const found = new Set();
  for (const group of readdirSync(kubernetesTypesDir, { withFileTypes: true })) {
    if (!group.isDirectory()) continue;
    for (const file of readdirSync(join(kubernetesTypesDir, group.name))) {
      const m = /^(v\d+\w*)\.d\.ts$/.exec(file);
      if (!m) continue;
      const version = m[1].charAt(0).toUpperCase() + m[1].slice(1);
      const groupPrefix = group.name.charAt(0).toUpperCase() + group.name.slice(1) + version;
      const text = readFileSync(join(kubernetesTypesDir, group.name, file), 'utf8');
      let iface;
      let field;
      for (const line of text.split('\n')) {
        const start = /^export interface (\w+)/.exec(line);
        if (start) {
          iface = start[1];
          continue;
        }
        const member = /^ {4}(\w+)\??: (.*)$/.exec(line);
        if (member) field = member[1];
        if (iface && field && /(^|: )Quantity;$/.test(line.trim())) {
          // client-node disambiguates clashing names with the group (CoreV1Event).
          for (const candidate of [`${version}${iface}`, `${groupPrefix}${iface}`]) {
            if (available.has(candidate)) found.add(`${candidate}.${field}`);
          }
        }
      }
    }
  }
  return found;
}

const quantities = quantityFields();

/** Turns a client-node type string into the table's compact spelling. */
function compact(type, format, owner, field, pending) {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return `[]${compact(array[1], format, owner, field, pending)}`;
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return `{}${compact(map[1], format, owner, field, pending)}`;
  switch (type) {
    case 'string':
      if (quantities.has(`${owner}.${field}`)) return 'quantity';
      return format === 'byte' ? 'byte' : format === 'int-or-string' ? 'int-or-string' : 'string';
    case 'number':
      // Go decodes these into int32 / int64 and refuses a number that does not fit; the
      // format is kept so that schema-check can refuse it too, before it reaches a controller.
      return format === 'int32' || format === 'int64' ? format : 'number';
    case 'boolean':
      return 'boolean';
    case 'Date':
    case 'V1MicroTime':
      return 'date-time';
    case 'IntOrString':
      return 'int-or-string';
    case 'any':
    case 'object':
      return 'any';
    default:
      if (!available.has(type)) throw new Error(`${owner}.${field}: unknown type ${type}`);
      pending.push(type);
      return type;
  }
}

const types = {};
const pending = [...new Set(roots.map((r) => r[2]))];
while (pending.length > 0) {
  const className = pending.pop();
  if (types[className]) continue;
  const fields = {};
  for (const a of await attributesOf(className)) {
    fields[a.baseName] = compact(a.type, a.format, className, a.baseName, pending);
  }
  types[className] = fields;
}

const sortObject = (o) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const kinds = sortObject(
  Object.fromEntries(roots.map(([apiVersion, kind, cls]) => [`${apiVersion}/${kind}`, cls])),
);
// One type per line keeps diffs reviewable after a client-node bump.
const lines = Object.keys(types)
  .sort()
  .map((name) => `    ${JSON.stringify(name)}: ${JSON.stringify(sortObject(types[name]))}`);
const out = `{\n  "kinds": ${JSON.stringify(kinds)},\n  "types": {\n${lines.join(',\n')}\n  }\n}\n`;
writeFileSync(outFile, out);
console.log(`wrote ${outFile}: ${Object.keys(types).length} types, ${out.length} bytes`);
