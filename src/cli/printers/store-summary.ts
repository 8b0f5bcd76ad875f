// The "store" line of `kubelab status`, from the API server's /metrics: how big the store is,
// where its revision stands and how much history compaction keeps.

/** The value of an unlabelled or labelled sample, e.g. `apiserver_storage_size_bytes{...}`. */
function samples(text: string, name: string): number[] {
  const values: number[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || !/^[{ ]/.test(line.slice(name.length))) continue;
    values.push(Number(line.slice(line.lastIndexOf(' ') + 1)));
  }
  return values;
}

function mebibytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** e.g. `12.3 MiB, 845 objects, revision 40211 (history kept from 38877)`; undefined without the metrics. */
export function storeSummary(metricsText: string): string | undefined {
  const [size] = samples(metricsText, 'apiserver_storage_size_bytes');
  const [revision] = samples(metricsText, 'apiserver_storage_current_revision');
  const [compacted] = samples(metricsText, 'apiserver_storage_compacted_revision');
  if (size === undefined || revision === undefined || compacted === undefined) return undefined;
  const objects = samples(metricsText, 'apiserver_storage_objects').reduce((a, b) => a + b, 0);
  const history = compacted > 0 ? `history kept from ${compacted}` : 'nothing compacted yet';
  return `${mebibytes(size)}, ${objects} objects, revision ${revision} (${history})`;
}
