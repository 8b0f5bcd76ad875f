import { defineConfig } from 'vitest/config';
import E2eSequencer from './test/helpers/e2e-sequencer.js';

// Three projects, as the product card asks: unit (pure, fast), integration (in-process or
// local processes, simulated nodes allowed), e2e (real Docker, real SSH, real VMs).
// The global setup builds the esbuild bundles once so tests that spawn `kubelab` as a
// child process run exactly what users run.
export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    // console.error / console.warn (React's warnings among them) fail the test that caused them.
    setupFiles: ['./test/helpers/console-guard.ts'],
    // Starts the e2e files in the order that lets the long ones begin first (see the file).
    sequence: { sequencer: E2eSequencer },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/unit/**/*.test.tsx'],
          testTimeout: 10_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          // The fixture server: locks over what the machine has one of, the shared clusters.
          globalSetup: ['./test/e2e/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 600_000,
          // Files run side by side: most of an e2e file's time is waiting on machines, pods
          // and timers, not this process's CPU. What they must not do at the same time, they
          // arrange through the locks of test/helpers/e2e-fixtures.ts.
          // Five: up to three of them may be waiting for a lock (the second qemu file, the
          // files that make machines, pod-usage) without holding the others back.
          maxWorkers: 5,
          // After unit and integration (their own group), so their timing-sensitive tests do
          // not share two cores with a cluster's bootstrap.
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
