import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildKubeconfig, loadKubeconfig, parseKubeconfig } from '../../src/client/kubeconfig.js';

const pem = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

describe('kubeconfig', () => {
  it('round-trips through buildKubeconfig and loadKubeconfig', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    const path = join(dir, 'admin.kubeconfig');
    writeFileSync(
      path,
      buildKubeconfig({
        server: 'https://127.0.0.1:6443',
        caData: pem,
        token: 's3cret',
        clusterName: 'lab',
        namespace: 'team',
      }),
    );
    expect(loadKubeconfig(path)).toEqual({
      path,
      contextName: 'lab',
      clusterName: 'lab',
      userName: 'lab-admin',
      server: 'https://127.0.0.1:6443',
      caData: pem,
      insecureSkipTLSVerify: false,
      token: 's3cret',
      namespace: 'team',
    });
  });

  it('writes the standard shape kubectl reads', () => {
    const text = buildKubeconfig({
      server: 'https://10.0.0.1:6443',
      caData: pem,
      token: 't',
      clusterName: 'c',
      userName: 'me',
    });
    expect(text).toContain('current-context: c');
    expect(text).toContain(`certificate-authority-data: ${Buffer.from(pem).toString('base64')}`);
    expect(text).toContain('kind: Config');
    expect(parseKubeconfig(text).namespace).toBe('default');
  });

  it('reads certificate-authority and tokenFile relative to the kubeconfig, and honours insecure-skip-tls-verify', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
    writeFileSync(join(dir, 'ca.crt'), pem);
    writeFileSync(join(dir, 'token'), 'from-file\n');
    const path = join(dir, 'config');
    writeFileSync(
      path,
      [
        'current-context: other',
        'clusters:',
        '- name: c1',
        '  cluster: {server: "https://a:6443/", certificate-authority: ca.crt, insecure-skip-tls-verify: true}',
        'users:',
        '- name: u1',
        '  user: {tokenFile: token}',
        'contexts:',
        '- name: other',
        '  context: {cluster: c1, user: u1, namespace: kube-system}',
      ].join('\n'),
    );
    const config = loadKubeconfig(path);
    expect(config).toMatchObject({
      server: 'https://a:6443',
      caData: pem,
      token: 'from-file',
      insecureSkipTLSVerify: true,
      namespace: 'kube-system',
    });
  });

  it.each([
    ['no current-context', 'clusters: []', /current-context is not set/],
    ['a missing context', 'current-context: x\ncontexts: []', /context "x" does not exist/],
    [
      'a missing cluster',
      'current-context: x\ncontexts: [{name: x, context: {cluster: gone, user: u}}]',
      /cluster "gone" does not exist/,
    ],
    ['invalid YAML', 'a: [', /not valid YAML/],
  ])('names the file and the problem for %s', (_name, text, message) => {
    expect(() => parseKubeconfig(text, { path: '/tmp/k.yaml' })).toThrow(message);
    expect(() => parseKubeconfig(text, { path: '/tmp/k.yaml' })).toThrow('/tmp/k.yaml');
  });

  it('explains a missing file and the next step', () => {
    expect(() => loadKubeconfig('/nonexistent/kubeconfig')).toThrow(/cannot read kubeconfig .*kubelab up/);
  });
});
