/**
 * Checks on a database file written by other processes: the rules that must hold whatever
 * happened to the writers (rule 2 grant by grant, entries summing to their log rows, the file
 * itself sound).
 */
import Database from 'better-sqlite3';

export interface FileCheck {
  integrity: string;
  /** Grants whose remaining or held differ from the sum of their entries. */
  grantMismatches: unknown[];
  /** Log rows whose credits differ from the sum of their entries. */
  rowMismatches: unknown[];
  /** Grants below zero or holding more than they have. */
  negative: unknown[];
  /** Every log row: id → { credits, type, status }. */
  rows: Map<string, { credits: bigint; type: string; status: string; org: string }>;
}

export function checkFile(path: string): FileCheck {
  const db = new Database(path, { readonly: true });
  db.defaultSafeIntegers(true);
  try {
    const integrity = String(db.pragma('integrity_check', { simple: true }));
    const grantMismatches = db
      .prepare(
        `SELECT g.id, g.remaining, g.held, COALESCE(SUM(e.amount), 0) AS entries_amount, COALESCE(SUM(e.held), 0) AS entries_held
         FROM grants g LEFT JOIN entries e ON e.grant_id = g.id AND e.org_id = g.org_id
         GROUP BY g.id HAVING g.remaining <> entries_amount OR g.held <> entries_held`,
      )
      .all();
    const rowMismatches = db
      .prepare(
        `SELECT t.id, t.credits, COALESCE(SUM(e.amount), 0) AS entries_amount
         FROM transactions t LEFT JOIN entries e ON e.transaction_id = t.id AND e.org_id = t.org_id AND e.at = t.at
         GROUP BY t.id HAVING t.credits <> entries_amount`,
      )
      .all();
    const negative = db
      .prepare('SELECT id FROM grants WHERE remaining < 0 OR held < 0 OR held > remaining')
      .all();
    const rows = new Map<string, { credits: bigint; type: string; status: string; org: string }>();
    for (const row of db
      .prepare('SELECT id, credits, type, status, org_id FROM transactions')
      .all() as {
      id: string;
      credits: bigint;
      type: string;
      status: string;
      org_id: string;
    }[]) {
      rows.set(row.id, {
        credits: row.credits,
        type: row.type,
        status: row.status,
        org: row.org_id,
      });
    }
    return { integrity, grantMismatches, rowMismatches, negative, rows };
  } finally {
    db.close();
  }
}

/** Sum of grant remainders and helds of an org, straight from the file. */
export function grantTotals(path: string, orgId: string): { remaining: bigint; held: bigint } {
  const db = new Database(path, { readonly: true });
  db.defaultSafeIntegers(true);
  try {
    const row = db
      .prepare(
        'SELECT COALESCE(SUM(remaining), 0) AS remaining, COALESCE(SUM(held), 0) AS held FROM grants WHERE org_id = ?',
      )
      .get(orgId) as { remaining: bigint; held: bigint };
    return row;
  } finally {
    db.close();
  }
}
