/**
 * The activity log as CSV: one record per log row, with the fields of `GET …/transactions` in the
 * same spelling (ISO 8601 UTC instants, signed exact decimal credits), so a spreadsheet and the
 * API agree to the micro-credit. Free text from users is neutralised against formulas; ids,
 * types, statuses and amounts are written as they are.
 */
import type { Draw } from '../core/grant.js';
import type { TransactionRow } from '../ledger/model.js';
import { csvCell, csvLine, csvTextCell } from './csv.js';
import { creditsText, isoInstant } from './csv-values.js';

export const TRANSACTION_CSV_COLUMNS = [
  'id',
  'at',
  'type',
  'status',
  'feature',
  'credits',
  'balanceAfter',
  'held',
  'user',
  'project',
  'model',
  'quantities',
  'draws',
  'holdId',
  'chargeId',
  'reason',
  'note',
  'metadata',
] as const;

export const TRANSACTION_CSV_HEADER = csvLine(TRANSACTION_CSV_COLUMNS.map(csvCell));

/** `grantId:kind:credits` for each draw, joined by `;`: which grants paid, and how much. */
export function drawsText(draws: readonly Draw[]): string {
  let text = '';
  for (let index = 0; index < draws.length; index += 1) {
    const draw = draws[index] as Draw;
    text += `${index === 0 ? '' : ';'}${draw.grantId}:${draw.kind}:${creditsText(draw.credits)}`;
  }
  return text;
}

const jsonText = (value: unknown): string | null => (value === null ? null : JSON.stringify(value));

/** One log row as one CSV record, in the order of `TRANSACTION_CSV_COLUMNS`. */
export function transactionCsvLine(row: TransactionRow): string {
  // A template rather than csvLine(array): this runs once per exported row.
  return `${csvCell(row.id)},${isoInstant(row.at)},${row.type},${row.status},${csvTextCell(row.feature)},${creditsText(row.credits)},${creditsText(row.balanceAfter)},${creditsText(row.held)},${csvTextCell(row.user)},${csvTextCell(row.project)},${csvTextCell(row.model)},${csvTextCell(jsonText(row.quantities))},${csvCell(drawsText(row.draws))},${csvCell(row.holdId)},${csvCell(row.chargeId)},${csvTextCell(row.reason)},${csvTextCell(row.note)},${csvTextCell(jsonText(row.metadata))}\r\n`;
}

/** Several rows as one chunk of CSV (a page of the log), header not included. */
export function transactionsCsv(rows: readonly TransactionRow[]): string {
  let text = '';
  for (const row of rows) text += transactionCsvLine(row);
  return text;
}
