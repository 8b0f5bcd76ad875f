// `describe` for Namespace, ConfigMap and Secret. Secret values are never printed, only
// their sizes, exactly as kubectl does.
import type { ConfigMap, Namespace, Secret } from 'kubernetes-types/core/v1.js';
import type { DescribeContext } from './context.js';
import { DescribeWriter } from './describe-writer.js';

/** kubectl's namespace describer shows no events (and no quota or LimitRange: kubelab serves neither). */
export function describeNamespace(ns: Namespace, _ctx: DescribeContext): string {
  const w = new DescribeWriter();
  w.line(0, 'Name:', ns.metadata?.name ?? '');
  w.labels('Labels', ns.metadata?.labels);
  w.annotations('Annotations', ns.metadata?.annotations);
  w.line(0, 'Status:', ns.status?.phase ?? '');
  return w.toString();
}

export function describeConfigMap(cm: ConfigMap, ctx: DescribeContext): string {
  const w = new DescribeWriter();
  w.line(0, 'Name:', cm.metadata?.name ?? '');
  w.line(0, 'Namespace:', cm.metadata?.namespace ?? '');
  w.labels('Labels', cm.metadata?.labels);
  w.annotations('Annotations', cm.metadata?.annotations);
  w.write(0, '\nData\n====\n');
  for (const key of Object.keys(cm.data ?? {}).sort()) w.write(0, `${key}:\n----\n${cm.data![key]}\n\n`);
  w.write(0, '\nBinaryData\n====\n');
  for (const key of Object.keys(cm.binaryData ?? {}).sort()) {
    w.write(0, `${key}: ${Buffer.from(cm.binaryData![key]!, 'base64').length} bytes\n`);
  }
  w.write(0, '\n');
  w.events(ctx.events, ctx.now);
  return w.toString();
}

/** Secrets have no events section in kubectl's describer. */
export function describeSecret(secret: Secret, _ctx: DescribeContext): string {
  const w = new DescribeWriter();
  w.line(0, 'Name:', secret.metadata?.name ?? '');
  w.line(0, 'Namespace:', secret.metadata?.namespace ?? '');
  w.labels('Labels', secret.metadata?.labels);
  w.annotations('Annotations', secret.metadata?.annotations);
  w.write(0, `\nType:\t${secret.type ?? ''}\n`);
  w.write(0, '\nData\n====\n');
  for (const key of Object.keys(secret.data ?? {}).sort()) {
    const value = Buffer.from(secret.data![key]!, 'base64');
    // A service account token is meant to be read from describe output, as kubectl shows it.
    if (key === 'token' && secret.type === 'kubernetes.io/service-account-token')
      w.line(0, `${key}:`, value.toString());
    else w.line(0, `${key}:`, `${value.length} bytes`);
  }
  return w.toString();
}
