import { defineConfig } from 'vitest/config';

// End-to-end tests: real `mlflow server` processes, the real CLI, the native backend. Run one file at a
// time — each starts its own server and trains, and the machine has two cores.
export default defineConfig({
  test: {
    root: new URL('.', import.meta.url).pathname,
    include: ['e2e/**/*.test.ts'],
    testTimeout: 300_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
