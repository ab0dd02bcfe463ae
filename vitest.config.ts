import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One throwaway PostgreSQL cluster for the run (or DATABASE_URL's server).
    globalSetup: ['test/support/postgres-global-setup.ts'],
    // The race and crash suites start processes of their own and run for tens of seconds.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
