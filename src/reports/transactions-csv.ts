/**
 * The activity log as CSV: one record per log row, with the fields of `GET …/transactions` in the
 * same spelling (ISO 8601 UTC instants, signed exact decimal credits), so a spreadsheet and the
 * API agree to the micro-credit. Free text from users is neutralised against formulas; ids,
 * types, statuses and amounts are written as they are.
 */
import { csvCell, csvLine, csvTextCell } from './csv.js';
import { isoInstant, microsText } from './csv-values.js';
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

/** One log row (an export row, see ExportRow) as one CSV record. */
export function transactionCsvLine(row: ExportRow): string {
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
