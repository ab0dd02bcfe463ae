/** The PostgreSQL server the test run provides, for suites that need one. */
import { inject } from 'vitest';

/** The admin URL, or undefined (outside CI only) when the run has no PostgreSQL. */
export function postgresAdminUrl(): string | undefined {
  const url = inject('postgresAdminUrl');
  return url === '' ? undefined : url;
}
