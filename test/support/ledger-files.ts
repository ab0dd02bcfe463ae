/**
 * Reads a database file written by other processes (opened read-only with better-sqlite3, never
 * through the store) and lists every broken invariant that must hold whatever happened to the
 * writers: rule 2 grant by grant and org by org, entries summing to their log rows, holds and
 * their reservations agreeing with the grants' held credits, each hold resolved at most once
 * (rule 8), no org clock behind its log (rule 6), and the file itself sound.
 */
import Database from 'better-sqlite3';

export interface TransactionRecord {
  id: string;
  org: string;
  at: bigint;
  type: string;
  status: string;
  credits: bigint;
  held: bigint;
  note: string | null;
  holdId: string | null;
  chargeId: string | null;
  reason: string | null;
}

export interface GrantRecord {
  id: string;
  org: string;
  kind: string;
  amount: bigint;
  remaining: bigint;
  held: bigint;
  note: string | null;
}

export interface HoldRecord {
  id: string;
  org: string;
  status: string;
  credits: bigint;
  chargeId: string | null;
  note: string | null;
}

export interface OrgTotals {
  clock: bigint;
  /** Sum of the grants' remaining and held credits. */
  remaining: bigint;
  held: bigint;
  /** Sum of the org's entries. */
  entries: bigint;
  entriesHeld: bigint;
  /** Sum of the credits of the org's pending holds. */
  pendingHolds: bigint;
}

export interface FileReport {
  integrity: string;
  /** Every broken invariant, one sentence each; empty when the file is sound. */
  violations: string[];
  transactions: Map<string, TransactionRecord>;
  grants: Map<string, GrantRecord>;
  holds: Map<string, HoldRecord>;
  orgs: Map<string, OrgTotals>;
  /** How many log rows carry each note, by type: `${type} ${note}` → count. */
  notes: Map<string, number>;
  /** Idempotency keys kept: `${org} ${key}`. */
  storedKeys: Set<string>;
}

interface DrawJson {
  grantId: string;
  credits: string;
}

const sum = (values: Iterable<bigint>): bigint => {
  let total = 0n;
  for (const value of values) total += value;
  return total;
};

export function inspectFile(path: string): FileReport {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  db.defaultSafeIntegers(true);
  try {
    // One read transaction: every query sees the same snapshot.
    return db.transaction(() => inspect(db))();
  } finally {
    db.close();
  }
}

function inspect(db: Database.Database): FileReport {
  const violations: string[] = [];
  const integrity = (db.pragma('integrity_check') as { integrity_check: string }[])
    .map((row) => row.integrity_check)
    .join('; ');
  const fkProblems = db.pragma('foreign_key_check') as unknown[];
  if (fkProblems.length > 0) violations.push(`foreign_key_check: ${JSON.stringify(fkProblems)}`);

  const orgs = new Map<string, OrgTotals>();
  for (const row of db.prepare('SELECT id, clock FROM orgs').all() as {
    id: string;
    clock: bigint;
  }[]) {
    orgs.set(row.id, {
      clock: row.clock,
      remaining: 0n,
      held: 0n,
      entries: 0n,
      entriesHeld: 0n,
      pendingHolds: 0n,
    });
  }
  const orgOf = (id: string): OrgTotals => {
    const org = orgs.get(id);
    if (!org) throw new Error(`row of unknown org ${id}`);
    return org;
  };

  const grants = new Map<string, GrantRecord>();
  for (const row of db
    .prepare('SELECT id, org_id, kind, amount, remaining, held, note FROM grants')
    .all() as (Omit<GrantRecord, 'org'> & { org_id: string })[]) {
    const grant = { ...row, org: row.org_id };
    grants.set(grant.id, grant);
    const totals = orgOf(grant.org);
    totals.remaining += grant.remaining;
    totals.held += grant.held;
    if (grant.remaining < 0n || grant.held < 0n || grant.held > grant.remaining) {
      violations.push(`grant ${grant.id} is negative or holds more than it has`);
    }
    if (grant.remaining > grant.amount) {
      violations.push(`grant ${grant.id} has ${grant.remaining} left of ${grant.amount}`);
    }
  }

  const transactions = new Map<string, TransactionRecord>();
  const notes = new Map<string, number>();
  const refundedByCharge = new Map<string, bigint>();
  for (const row of db
    .prepare(
      `SELECT id, org_id, at, type, status, credits, held, note, hold_id, charge_id, reason, draws
       FROM transactions`,
    )
    .all() as {
    id: string;
    org_id: string;
    at: bigint;
    type: string;
    status: string;
    credits: bigint;
    held: bigint;
    note: string | null;
    hold_id: string | null;
    charge_id: string | null;
    reason: string | null;
    draws: string;
  }[]) {
    if (transactions.has(row.id)) violations.push(`transaction ${row.id} appears twice`);
    transactions.set(row.id, {
      id: row.id,
      org: row.org_id,
      at: row.at,
      type: row.type,
      status: row.status,
      credits: row.credits,
      held: row.held,
      note: row.note,
      holdId: row.hold_id,
      chargeId: row.charge_id,
      reason: row.reason,
    });
    if (row.note !== null) {
      const key = `${row.type} ${row.note}`;
      notes.set(key, (notes.get(key) ?? 0) + 1);
    }
    if (row.at > orgOf(row.org_id).clock) {
      violations.push(`transaction ${row.id} is dated after its org's clock`);
    }
    const drawn = sum((JSON.parse(row.draws) as DrawJson[]).map((draw) => BigInt(draw.credits)));
    if (row.type === 'usage' && row.status === 'succeeded' && drawn !== -row.credits) {
      violations.push(`charge ${row.id} of ${-row.credits} lists draws of ${drawn}`);
    }
    if (row.type === 'usage' && row.credits > 0n) {
      violations.push(`usage ${row.id} adds credits`);
    }
    if (row.status === 'refused' && (row.credits !== 0n || row.held !== 0n)) {
      violations.push(`refusal ${row.id} changed the pool`);
    }
    if (row.type === 'refund') {
      if (row.credits <= 0n) violations.push(`refund ${row.id} returns nothing`);
      if (row.charge_id === null) violations.push(`refund ${row.id} names no charge`);
      else {
        refundedByCharge.set(
          row.charge_id,
          (refundedByCharge.get(row.charge_id) ?? 0n) + row.credits,
        );
      }
    }
  }
  for (const [chargeId, refunded] of refundedByCharge) {
    const charge = transactions.get(chargeId);
    if (!charge || charge.type !== 'usage' || charge.status !== 'succeeded') {
      violations.push(`refunds of ${chargeId}, which is no succeeded charge`);
    } else if (refunded > -charge.credits) {
      violations.push(`charge ${chargeId} of ${-charge.credits} refunded ${refunded}`);
    }
  }

  // Entries: each belongs to a log row of its org and instant, and to a grant of its org and kind.
  const byTransaction = new Map<string, { amount: bigint; held: bigint }>();
  const byGrant = new Map<string, { amount: bigint; held: bigint }>();
  for (const entry of db
    .prepare('SELECT org_id, at, transaction_id, grant_id, kind, amount, held FROM entries')
    .iterate() as IterableIterator<{
    org_id: string;
    at: bigint;
    transaction_id: string;
    grant_id: string;
    kind: string;
    amount: bigint;
    held: bigint;
  }>) {
    const transaction = transactions.get(entry.transaction_id);
    if (!transaction) {
      violations.push(`entry of missing transaction ${entry.transaction_id}`);
    } else if (transaction.org !== entry.org_id || transaction.at !== entry.at) {
      violations.push(`entry of ${entry.transaction_id} has another org or instant`);
    }
    const grant = grants.get(entry.grant_id);
    if (!grant) violations.push(`entry on missing grant ${entry.grant_id}`);
    else if (grant.org !== entry.org_id || grant.kind !== entry.kind) {
      violations.push(`entry on grant ${entry.grant_id} has another org or kind`);
    }
    for (const [map, id] of [
      [byTransaction, entry.transaction_id],
      [byGrant, entry.grant_id],
    ] as const) {
      const seen = map.get(id) ?? { amount: 0n, held: 0n };
      map.set(id, { amount: seen.amount + entry.amount, held: seen.held + entry.held });
    }
    const totals = orgOf(entry.org_id);
    totals.entries += entry.amount;
    totals.entriesHeld += entry.held;
  }
  for (const transaction of transactions.values()) {
    const entries = byTransaction.get(transaction.id) ?? { amount: 0n, held: 0n };
    if (entries.amount !== transaction.credits || entries.held !== transaction.held) {
      violations.push(
        `transaction ${transaction.id} says ${transaction.credits}/${transaction.held}, its entries ${entries.amount}/${entries.held}`,
      );
    }
  }
  for (const grant of grants.values()) {
    const entries = byGrant.get(grant.id) ?? { amount: 0n, held: 0n };
    if (entries.amount !== grant.remaining || entries.held !== grant.held) {
      violations.push(
        `grant ${grant.id} has ${grant.remaining}/${grant.held}, its entries ${entries.amount}/${entries.held}`,
      );
    }
  }

  // Holds: pending ones reserve exactly what the grants hold; each resolves at most once.
  const holds = new Map<string, HoldRecord>();
  const reservedByGrant = new Map<string, bigint>();
  const resolutions = new Map<string, TransactionRecord[]>();
  for (const transaction of transactions.values()) {
    if (transaction.holdId === null || transaction.type === 'hold') continue;
    if (transaction.type !== 'usage' && transaction.type !== 'void') continue;
    resolutions.set(transaction.holdId, [
      ...(resolutions.get(transaction.holdId) ?? []),
      transaction,
    ]);
  }
  for (const row of db
    .prepare('SELECT id, org_id, status, credits, charge_id, note, reservations FROM holds')
    .all() as {
    id: string;
    org_id: string;
    status: string;
    credits: bigint;
    charge_id: string | null;
    note: string | null;
    reservations: string;
  }[]) {
    const hold: HoldRecord = {
      id: row.id,
      org: row.org_id,
      status: row.status,
      credits: row.credits,
      chargeId: row.charge_id,
      note: row.note,
    };
    holds.set(hold.id, hold);
    const reservations = JSON.parse(row.reservations) as DrawJson[];
    if (sum(reservations.map((draw) => BigInt(draw.credits))) !== hold.credits) {
      violations.push(`hold ${hold.id} reserves other than its credits`);
    }
    const done = resolutions.get(hold.id) ?? [];
    if (hold.status === 'pending') {
      orgOf(hold.org).pendingHolds += hold.credits;
      for (const draw of reservations) {
        reservedByGrant.set(
          draw.grantId,
          (reservedByGrant.get(draw.grantId) ?? 0n) + BigInt(draw.credits),
        );
      }
      if (done.length > 0) violations.push(`pending hold ${hold.id} has a resolution`);
    } else if (hold.status === 'captured') {
      const only = done[0];
      if (done.length !== 1 || only?.type !== 'usage' || only.id !== hold.chargeId) {
        violations.push(`captured hold ${hold.id} has ${done.length} resolutions`);
      }
    } else if (hold.status === 'voided') {
      if (done.length !== 1 || done[0]?.type !== 'void') {
        violations.push(`voided hold ${hold.id} has ${done.length} resolutions`);
      }
    } else {
      violations.push(`hold ${hold.id} is ${hold.status}`);
    }
  }
  for (const holdId of resolutions.keys()) {
    if (!holds.has(holdId)) violations.push(`resolution of missing hold ${holdId}`);
  }
  for (const grant of grants.values()) {
    const reserved = reservedByGrant.get(grant.id) ?? 0n;
    if (reserved !== grant.held) {
      violations.push(`grant ${grant.id} holds ${grant.held}, pending holds reserve ${reserved}`);
    }
  }
  for (const [id, totals] of orgs) {
    if (totals.entries !== totals.remaining || totals.entriesHeld !== totals.held) {
      violations.push(`org ${id}: grants ${totals.remaining}, entries ${totals.entries}`);
    }
    if (totals.pendingHolds !== totals.held) {
      violations.push(`org ${id}: grants hold ${totals.held}, holds ${totals.pendingHolds}`);
    }
  }

  const storedKeys = new Set<string>();
  for (const row of db.prepare('SELECT org_id, key FROM stored_responses').all() as {
    org_id: string;
    key: string;
  }[]) {
    storedKeys.add(`${row.org_id} ${row.key}`);
  }
  return { integrity, violations, transactions, grants, holds, orgs, notes, storedKeys };
}
