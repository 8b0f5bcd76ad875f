import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { formatSeconds, machineLabel } from '../../src/provision/ssh/machine-step-error.js';
import { asRootCommand, shellQuote } from '../../src/provision/ssh/shell-quote.js';

describe('shellQuote', () => {
  it('leaves plain words bare', () => {
    expect(shellQuote('/usr/local/bin/kubelab-agent.mjs')).toBe('/usr/local/bin/kubelab-agent.mjs');
  });

  it('gives a real sh back exactly the word, whatever is in it', () => {
    for (const word of ['', 'two words', "it's", "'", '$(rm -rf /)', '`x`', 'a\nb', '*', '\\', '"q"', '-n'])
      expect(execFileSync('sh', ['-c', `printf %s ${shellQuote(word)}`]).toString()).toBe(word);
  });
});

describe('asRootCommand', () => {
  it('runs as-is for root and through sudo -n for anyone else', () => {
    expect(asRootCommand('id -u', 'root')).toBe('id -u');
    expect(asRootCommand("echo 'x' > /etc/y", 'debian')).toBe(`sudo -n sh -c 'echo '\\''x'\\'' > /etc/y'`);
  });
});

describe('machine labels and durations in messages', () => {
  it('write addresses as OpenSSH does', () => {
    expect(machineLabel({ name: 'worker-1', address: '10.0.0.3', port: 22 })).toBe('worker-1 (10.0.0.3:22)');
    expect(machineLabel({ name: 'cp', address: '::1', port: 2222 })).toBe('cp ([::1]:2222)');
  });

  it('round seconds sensibly', () => {
    expect(formatSeconds(60_000)).toBe('60 s');
    expect(formatSeconds(61_400)).toBe('61 s');
    expect(formatSeconds(2_500)).toBe('2.5 s');
    expect(formatSeconds(500)).toBe('0.5 s');
  });
});
