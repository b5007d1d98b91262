import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { include: ['src/**/*.test.ts'], testTimeout: 60_000, pool: 'forks', env: { TF_CPP_MIN_LOG_LEVEL: '2' } },
});
