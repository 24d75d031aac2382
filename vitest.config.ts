import { defineConfig } from 'vitest/config';

// Three projects: fast unit tests beside the code; tests in test/ that start
// real servers (nats-server, clickhouse-server, Chromium) and so run one file at
// a time; and the fault suite, in a group of its own (groupOrder) so that it
// never runs beside the integration tests.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          // Projects run by group (groupOrder); one without a group would run beside all of them.
          sequence: { groupOrder: 0 },
          include: ['engine/**/*.test.ts', 'console/src/**/*.test.ts'],
          environment: 'node',
          // Unit tests share the machine's cores with the integration project's servers; a property
          // test that takes 1.3 s alone took over 5 s (vitest's default) in CI on 2 cores. The
          // timeout only catches a hang: speed is the benchmark's business, never a test's.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 0 },
          include: ['test/**/*.test.ts'],
          exclude: ['test/fault/**', '**/node_modules/**'],
          environment: 'node',
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The fault suite (issue 7): kills and restarts the engine, NATS and ClickHouse under a steady
        // feed; about two minutes. It runs after the other projects (groupOrder), alone on the machine.
        test: {
          name: 'fault',
          include: ['test/fault/**/*.test.ts'],
          environment: 'node',
          fileParallelism: false,
          sequence: { groupOrder: 1 },
          testTimeout: 480_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
