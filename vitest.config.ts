import { defineConfig } from 'vitest/config';

// Two cores on the CI machine: two workers, and generous timeouts because
// many tests start real servers (InfluxDB, Mosquitto, PostgreSQL databases).
export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
