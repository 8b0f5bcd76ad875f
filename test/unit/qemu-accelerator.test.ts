import { describe, expect, it } from 'vitest';
import { kvmProbeVerdict } from '../../src/provision/providers/qemu-accelerator.js';

const base = { serial: '', stderr: '', elapsedMs: 900, timeoutMs: 10_000 };

describe('kvmProbeVerdict', () => {
  it('picks KVM when the test kernel booted to its end (the expected panic) in time', () => {
    const verdict = kvmProbeVerdict({
      ...base,
      exit: 0,
      serial: '[    0.61] Kernel panic - not syncing: VFS: Unable to mount root fs on unknown-block(0,0)\n',
    });
    expect(verdict).toEqual({ accelerator: 'kvm', reason: 'KVM booted a test kernel in 0.9 s' });
  });

  it('falls back to TCG when the KVM guest hangs (the failure shared/ENVIRONMENT.md measured)', () => {
    const verdict = kvmProbeVerdict({ ...base, exit: 'timeout', elapsedMs: 10_000 });
    expect(verdict.accelerator).toBe('tcg');
    expect(verdict.reason).toMatch(/did not boot within 10\.0 s \(KVM hangs on this host\)/);
  });

  it("falls back to TCG with qemu's own words when it refuses KVM, leaving out its warnings", () => {
    const verdict = kvmProbeVerdict({
      ...base,
      exit: 1,
      stderr:
        "qemu-system-x86_64: warning: host doesn't support requested feature: CPUID.01H:ECX.pni [bit 0]\n" +
        'qemu-system-x86_64: -accel kvm: Could not access KVM kernel module: Permission denied\n',
    });
    expect(verdict).toEqual({
      accelerator: 'tcg',
      reason:
        'TCG (software emulation, slow): qemu could not boot with KVM (exit 1: -accel kvm: Could not access KVM kernel module: Permission denied)',
    });
  });

  it('does not take an exit without the panic for a boot', () => {
    expect(kvmProbeVerdict({ ...base, exit: 0, serial: '' }).accelerator).toBe('tcg');
  });
});
