/**
 * The ledger's tables that hold an org's rows (each by its `org_id`), named as `OrgRowCounts`
 * counts them. Children come before what they reference, so deleting in this order and then the
 * org row breaks no foreign key.
 */
import type { OrgRowCounts } from '../ledger/ports.js';

export const ORG_TABLES: readonly (readonly [keyof OrgRowCounts, string])[] = [
  ['entries', 'entries'],
  ['transactions', 'transactions'],
  ['holds', 'holds'],
  ['grants', 'grants'],
  ['schedules', 'schedules'],
  ['projects', 'projects'],
  ['allowances', 'allowances'],
  ['storedResponses', 'stored_responses'],
  ['usageRollups', 'usage_rollups'],
  ['entryRollups', 'entry_rollups'],
];

/** One statement counting the org's rows of every table, its one parameter the org id. */
export function countOrgRowsSql(placeholder: string): string {
  const counts = ORG_TABLES.map(
    ([name, table]) => `(SELECT count(*) FROM ${table} WHERE org_id = ${placeholder}) AS "${name}"`,
  );
  return `SELECT ${counts.join(', ')} FROM orgs WHERE id = ${placeholder}`;
}

/** Counts read as `bigint` by the connection, as numbers. */
export function orgRowCountsFrom(row: Record<string, unknown>): OrgRowCounts {
  return Object.fromEntries(
    ORG_TABLES.map(([name]) => [name, Number(row[name] as bigint | number)]),
  ) as unknown as OrgRowCounts;
}
