// The store line of `kubelab status`, from /metrics text as the API server writes it.
import { describe, expect, it } from 'vitest';
import { storeSummary } from '../../src/cli/printers/store-summary.js';

const metrics = `# HELP apiserver_storage_size_bytes Size of the storage database file physically allocated in bytes.
# TYPE apiserver_storage_size_bytes gauge
apiserver_storage_size_bytes{storage_cluster_id="sqlite"} 13107200
apiserver_storage_objects{resource="pods"} 40
apiserver_storage_objects{resource="namespaces"} 5
apiserver_storage_current_revision 40211
apiserver_storage_compacted_revision 38877
`;

describe('store summary', () => {
  it('gives size, objects, revision and the oldest revision kept', () => {
    expect(storeSummary(metrics)).toBe('12.5 MiB, 45 objects, revision 40211 (history kept from 38877)');
    expect(storeSummary(metrics.replace('compacted_revision 38877', 'compacted_revision 0'))).toBe(
      '12.5 MiB, 45 objects, revision 40211 (nothing compacted yet)',
    );
  });

  it('says nothing when the server has no such metrics (an older server, or not allowed)', () => {
    expect(storeSummary('')).toBeUndefined();
    expect(storeSummary('{"kind":"Status","code":403}')).toBeUndefined();
  });
});
