import { defineConfig } from 'vitest/config';

/** The HTTP suites, which run once more with every server on a PostgreSQL database of its own. */
const HTTP_SUITES = [
  'test/reports-http.test.ts',
  'test/api-routes.test.ts',
  'test/api-smoke.test.ts',
  'test/security.test.ts',
  'test/cli.test.ts',
  'test/users-numbers.test.ts',
  'test/spending-limits-http.test.ts',
  'test/org-lifecycle.test.ts',
  'test/purchases-http.test.ts',
  'test/exports-http.test.ts',
  'test/statement-exports-http.test.ts',
  'test/orgs-list-http.test.ts',
];

export default defineConfig({
  test: {
    // One throwaway PostgreSQL cluster per project (or DATABASE_URL's server).
    globalSetup: ['test/support/postgres-global-setup.ts'],
    // The race and crash suites start processes of their own and run for tens of seconds.
    testTimeout: 120_000,
    hookTimeout: 60_000,
    projects: [
      {
        extends: true,
        test: { name: 'all', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'http-on-postgres',
          include: HTTP_SUITES,
          env: { TALLY_TEST_DATABASE: 'postgres' },
        },
      },
    ],
  },
});
