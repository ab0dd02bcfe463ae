/**
 * A statement as CSV (RFC 4180: CRLF line ends, quoted only where needed), laid out for a person
 * opening it in a spreadsheet as much as for a program:
 *
 *   kind,opening,added,consumed,expired,closing      the reconciliation, one row per credit kind
 *   allowance,1500,0,1200,300,0                      (every kind, in GRANT_KINDS order, zeros too,
 *   …                                                 so columns and rows never move)
 *   total,…
 *                                                    a blank line
 *   field,value                                      then the period's facts, one per line
 *   org,org_…
 *   month,2026-03
 *   timezone,Europe/Berlin
 *   start,2026-03-01T00:00:00.000+01:00
 *   …
 *
 * Amounts are the exact decimal strings of the JSON API (formatCredits), never floats; times are
 * ISO 8601 with the org's UTC offset at that instant, so they read as the org's wall clock and
 * still name one instant.
 */
import { formatCredits } from '../core/amount.js';
import { GRANT_KINDS } from '../core/grant.js';
import { utcOffsetMs } from '../core/period.js';
import type { KindFlows } from '../core/statement.js';
import type { Statement } from '../ledger/ledger.js';

/** What a statement export says about its org besides the figures. */
export interface StatementOrg {
  readonly id: string;
  readonly name: string;
  readonly timeZone: string;
}

export const STATEMENT_CSV_HEADER = ['kind', 'opening', 'added', 'consumed', 'expired', 'closing'];

const FLOW_FIELDS = ['opening', 'added', 'consumed', 'expired', 'closing'] as const;

/**
 * Cells here are kinds, ids, zone names, decimal amounts and ISO times: none holds a comma, quote
 * or line break in practice, and none can start a spreadsheet formula (`-5` is read as a number).
 * So quoting stays local and minimal, rather than depending on src/reports/csv.ts (the general
 * quoting and formula neutralising of the activity exports), which was being written at the same
 * time. Free text (the org's name) is left out of the CSV on purpose; the file name says the org.
 */
function cell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const line = (cells: readonly string[]): string => `${cells.map(cell).join(',')}\r\n`;

const flowCells = (flows: KindFlows): string[] =>
  FLOW_FIELDS.map((field) => formatCredits(flows[field]));

/** "2026-03-01T00:00:00.000+01:00": the instant as the zone's wall clock and its offset. */
export function isoInZone(instant: number, timeZone: string): string {
  const offset = utcOffsetMs(instant, timeZone);
  const wall = new Date(instant + offset).toISOString().slice(0, -1);
  if (offset === 0) return `${wall}Z`;
  const minutes = Math.round(Math.abs(offset) / 60_000);
  const hours = String(Math.floor(minutes / 60)).padStart(2, '0');
  return `${wall}${offset < 0 ? '-' : '+'}${hours}:${String(minutes % 60).padStart(2, '0')}`;
}

export function statementCsv(statement: Statement, org: StatementOrg): string {
  const zoned = (instant: number) => isoInZone(instant, org.timeZone);
  const rows = [
    line(STATEMENT_CSV_HEADER),
    ...GRANT_KINDS.map((kind) => line([kind, ...flowCells(statement.byKind[kind])])),
    line(['total', ...flowCells(statement)]),
    '\r\n',
    line(['field', 'value']),
    line(['org', org.id]),
    line(['month', statement.month]),
    line(['timezone', org.timeZone]),
    line(['start', zoned(statement.start)]),
    line(['end', zoned(statement.end)]),
    line(['final', String(statement.final)]),
    line(['asOf', zoned(statement.asOf)]),
    line(['carriedForward', formatCredits(statement.carriedForward)]),
    line(['usageCount', String(statement.usageCount)]),
  ];
  return rows.join('');
}
