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
import type { ExportRow } from './ports.js';

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

/** "-2000000" (micro-credits as integer text) as "-2"; the text of `formatCredits`. */
export function microsText(text: string): string {
  const negative = text.charCodeAt(0) === 45; // '-'
  const digits = negative ? text.slice(1) : text;
  const sign = negative ? '-' : '';
  if (digits.length <= 6) {
    if (digits === '0') return '0';
    let fraction = digits.padStart(6, '0');
    let end = fraction.length;
    while (end > 0 && fraction.charCodeAt(end - 1) === 48) end -= 1;
    fraction = fraction.slice(0, end);
    return `${sign}0.${fraction}`;
  }
  const whole = digits.slice(0, -6);
  const fraction = digits.slice(-6);
  let end = 6;
  while (end > 0 && fraction.charCodeAt(end - 1) === 48) end -= 1;
  return end === 0 ? `${sign}${whole}` : `${sign}${whole}.${fraction.slice(0, end)}`;
}

/** Draws as stored (JSON, credits as micro-credit text) in the `grantId:kind:credits` form. */
function storedDrawsText(json: string): string {
  if (json === '[]') return '';
  const draws = JSON.parse(json) as { grantId: string; kind: string; credits: string }[];
  let text = '';
  for (let index = 0; index < draws.length; index += 1) {
    const draw = draws[index] as { grantId: string; kind: string; credits: string };
    text += `${index === 0 ? '' : ';'}${draw.grantId}:${draw.kind}:${microsText(draw.credits)}`;
  }
  return text;
}

/** One export row (see ExportRow) as one CSV record: the same text as `transactionCsvLine`. */
export function exportRowCsvLine(row: ExportRow): string {
  const [id, at, type, status, feature, credits, balanceAfter, held, user, project, model] = row;
  const [quantities, draws, holdId, chargeId, reason, note, metadata] = row.slice(11) as [
    string | null,
    string,
    string | null,
    string | null,
    string | null,
    string | null,
    string | null,
  ];
  return `${csvCell(id)},${isoInstant(at)},${type},${status},${csvTextCell(feature)},${microsText(credits)},${microsText(balanceAfter)},${microsText(held)},${csvTextCell(user)},${csvTextCell(project)},${csvTextCell(model)},${csvTextCell(quantities)},${csvCell(storedDrawsText(draws))},${csvCell(holdId)},${csvCell(chargeId)},${csvTextCell(reason)},${csvTextCell(note)},${csvTextCell(metadata)}\r\n`;
}
