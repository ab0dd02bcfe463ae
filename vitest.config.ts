import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The race and crash suites start processes of their own and run for tens of seconds.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
