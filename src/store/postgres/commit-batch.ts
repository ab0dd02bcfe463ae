/**
 * The argument of `tally_commit`: one JSON document with every org of a batch (the version its
 * writes were decided on, its org row when it changed, the idempotency keys it assumed unused)
 * and every row to write. Amounts and instants travel as strings, so nothing passes through a
 * float.
 */
import type { Allowance, Hold, Org, Project, Schedule, Transaction } from '../../ledger/model.js';
import type { OrgChanges } from '../../ledger/ports.js';
import type { Grant } from '../../core/grant.js';
import { RollupAccumulator } from '../../core/rollup.js';
import { drawsToJson, jsonOrNull } from '../rows.js';
import { rollupRows } from './postgres-rollups.js';

export interface OrgInBatch {
  readonly id: string;
  /** The version the writes were decided on; null when the org did not exist. */
  readonly expected: bigint | null;
  /** The org after the batch, when the batch changed it. */
  readonly org: Org | null;
  /** Idempotency keys decided as unused, checked again inside the commit. */
  readonly keys: readonly string[];
  readonly changes: readonly OrgChanges[];
}

const orgRow = (org: Org) => ({
  name: org.name,
  time_zone: org.timeZone,
  plan: org.plan,
  created_at: org.createdAt,
  clock: org.clock,
});

const grantRow = (grant: Grant) => ({
  id: grant.id,
  org_id: grant.orgId,
  kind: grant.kind,
  amount: grant.amount,
  remaining: grant.remaining,
  held: grant.held,
  effective_at: grant.effectiveAt,
  expires_at: grant.expiresAt,
  priority: grant.priority,
  note: grant.note,
  schedule_id: grant.scheduleId,
});

const scheduleRow = (schedule: Schedule) => ({
  id: schedule.id,
  org_id: schedule.orgId,
  kind: schedule.kind,
  credits: schedule.credits,
  priority: schedule.priority,
  note: schedule.note,
  next_at: schedule.nextAt,
  end_at: schedule.endAt,
});

const holdRow = (hold: Hold) => ({
  id: hold.id,
  org_id: hold.orgId,
  status: hold.status,
  feature: hold.feature,
  quantities: jsonOrNull(hold.quantities),
  credits: hold.credits,
  reservations: drawsToJson(hold.reservations),
  created_at: hold.createdAt,
  expires_at: hold.expiresAt,
  resolved_at: hold.resolvedAt,
  charge_id: hold.chargeId,
  user: hold.user,
  project: hold.project,
  model: hold.model,
  note: hold.note,
  metadata: jsonOrNull(hold.metadata),
});

const transactionRow = (transaction: Transaction) => ({
  org_id: transaction.orgId,
  at: transaction.at,
  id: transaction.id,
  type: transaction.type,
  status: transaction.status,
  feature: transaction.feature,
  credits: transaction.credits,
  held: transaction.held,
  balance_after: transaction.balanceAfter,
  user: transaction.user,
  project: transaction.project,
  model: transaction.model,
  quantities: jsonOrNull(transaction.quantities),
  draws: drawsToJson(transaction.draws),
  note: transaction.note,
  metadata: jsonOrNull(transaction.metadata),
  hold_id: transaction.holdId,
  charge_id: transaction.chargeId,
  reason: transaction.reason,
});

/** Last write wins: a row changed twice in one batch is written once, as it ended. */
function latestBy<T>(rows: Iterable<T>, keyOf: (row: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const row of rows) {
    const key = keyOf(row);
    byKey.delete(key);
    byKey.set(key, row);
  }
  return [...byKey.values()];
}

function latestById<T extends { id: string }>(rows: Iterable<T>): T[] {
  return latestBy(rows, (row) => row.id);
}

const projectRow = (project: Project) => ({
  org_id: project.orgId,
  id: project.id,
  name: project.name,
  created_at: project.createdAt,
  archived_at: project.archivedAt,
  budget_credits: project.budget?.credits ?? null,
  budget_period: project.budget?.period ?? null,
  budget_window_start: project.budget?.windowStart ?? null,
  budget_used: project.budget?.used ?? null,
});

const allowanceRow = (allowance: Allowance) => ({
  org_id: allowance.orgId,
  user: allowance.user,
  credits: allowance.credits,
  period: allowance.period,
  window_start: allowance.windowStart,
  used: allowance.used,
  created_at: allowance.createdAt,
  removed_at: allowance.removedAt,
});

const bigintsAsText = (_key: string, value: unknown) =>
  typeof value === 'bigint' ? value.toString() : value;

export function commitDocument(orgs: readonly OrgInBatch[], pricesVersion: bigint): string {
  const sorted = [...orgs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const changes = sorted.flatMap((org) => org.changes);
  const transactions = changes.flatMap((change) => change.transactions);
  const rollups = new RollupAccumulator();
  for (const change of changes) {
    for (const transaction of change.transactions) rollups.add(transaction, change.org.timeZone);
  }
  return JSON.stringify(
    {
      ...rollupRows(rollups),
      pricesVersion,
      orgs: sorted.map((org) => ({
        id: org.id,
        expected: org.expected,
        org: org.org ? orgRow(org.org) : null,
        keys: org.keys,
      })),
      grants: latestById(changes.flatMap((change) => change.grants)).map(grantRow),
      schedules: latestById(changes.flatMap((change) => change.schedules)).map(scheduleRow),
      holds: latestById(changes.flatMap((change) => change.holds)).map(holdRow),
      projects: latestBy(
        changes.flatMap((change) => change.projects),
        (project) => `${project.orgId}\u0000${project.id}`,
      ).map(projectRow),
      allowances: latestBy(
        changes.flatMap((change) => change.allowances),
        (allowance) => `${allowance.orgId}\u0000${allowance.user}`,
      ).map(allowanceRow),
      transactions: transactions.map(transactionRow),
      entries: transactions.flatMap((transaction) =>
        transaction.entries.map((entry, line) => ({
          org_id: transaction.orgId,
          at: entry.at,
          transaction_id: transaction.id,
          line,
          grant_id: entry.grantId,
          kind: entry.kind,
          type: entry.type,
          amount: entry.amount,
          held: entry.held,
        })),
      ),
      stored: changes.flatMap((change) =>
        change.stored
          ? [
              {
                org_id: change.org.id,
                key: change.stored.key,
                request_hash: change.stored.requestHash,
                response: change.stored.response,
                created_at: change.stored.at,
              },
            ]
          : [],
      ),
    },
    bigintsAsText,
  );
}
