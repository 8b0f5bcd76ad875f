import { defineConfig } from 'vitest/config';

// Three projects, as the product card asks: unit (pure, fast), integration (in-process or
// local processes, simulated nodes allowed), e2e (real Docker, real SSH, real VMs).
// The global setup builds the esbuild bundles once so tests that spawn `kubelab` as a
// child process run exactly what users run.
export default defineConfig({
  test: {
    globalSetup: ['./test/global-setup.ts'],
    // console.error / console.warn (React's warnings among them) fail the test that caused them.
    setupFiles: ['./test/helpers/console-guard.ts'],
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
          testTimeout: 300_000,
          hookTimeout: 600_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
