/**
 * Vitest global setup: one throwaway PostgreSQL cluster for the whole run (each test file makes
 * databases of its own on it), unless `DATABASE_URL` names a server to use instead. Without
 * PostgreSQL binaries the PostgreSQL suites are skipped, loudly, outside CI only.
 */
import type { TestProject } from 'vitest/node';
import {
  findPostgresBinaries,
  startPostgresCluster,
  type PostgresCluster,
} from './postgres-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL to create test databases with; empty when PostgreSQL is unavailable. */
    postgresAdminUrl: string;
  }
}

let cluster: PostgresCluster | undefined;

export async function setup(project: TestProject): Promise<void> {
  if (process.env.DATABASE_URL) {
    project.provide('postgresAdminUrl', process.env.DATABASE_URL);
    return;
  }
  if (!findPostgresBinaries()) {
    if (process.env.CI === 'true') throw new Error('CI needs PostgreSQL: install postgresql');
    console.warn(
      '\n*** PostgreSQL not found: SKIPPING every PostgreSQL suite (set DATABASE_URL or install postgresql) ***\n',
    );
    project.provide('postgresAdminUrl', '');
    return;
  }
  cluster = await startPostgresCluster();
  project.provide('postgresAdminUrl', cluster.url);
}

export async function teardown(): Promise<void> {
  await cluster?.stop();
}
