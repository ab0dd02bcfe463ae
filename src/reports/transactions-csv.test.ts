import { describe, expect, it } from 'vitest';
import { csvObjects, parseCsv } from '../../test/support/csv.js';
import type { ExportRow } from './ports.js';
import {
  TRANSACTION_CSV_COLUMNS,
  TRANSACTION_CSV_HEADER,
  transactionCsvLine,
} from './transactions-csv.js';

/** A charge as the store gives it to exports: amounts and JSON as the database's text. */
const usage: ExportRow = [
  'chg_1',
  Date.UTC(2026, 2, 1, 8, 30, 0, 5),
  'usage',
  'succeeded',
  'text-to-image',
  '-1234567891234',
  '1',
  '0',
  'Zoë, "the boss"',
  '=cmd|"/c calc"!A1',
  '@sdxl',
  '{"action":"1","input_tokens":"1200.5"}',
  '[{"grantId":"grt_a","kind":"allowance","credits":"1000000"},{"grantId":"grt_b","kind":"purchase","credits":"1234566891234"}]',
  'hld_1',
  null,
  null,
  'two\r\nlines 👩‍👩‍👧 مرحبا',
  '{"job":7,"tags":["a","b"]}',
];

describe('transactions as CSV', () => {
  it('writes the header in the documented order', () => {
    expect(TRANSACTION_CSV_HEADER).toBe(`${TRANSACTION_CSV_COLUMNS.join(',')}\r\n`);
    expect(parseCsv(TRANSACTION_CSV_HEADER)).toEqual([[...TRANSACTION_CSV_COLUMNS]]);
  });

  it('writes one record per row that reads back field by field', () => {
    const { rows } = csvObjects(TRANSACTION_CSV_HEADER + transactionCsvLine(usage));
    expect(rows).toEqual([
      {
        id: 'chg_1',
        at: '2026-03-01T08:30:00.005Z',
        type: 'usage',
        status: 'succeeded',
        feature: 'text-to-image',
        credits: '-1234567.891234',
        balanceAfter: '0.000001',
        held: '0',
        user: 'Zoë, "the boss"',
        project: `'=cmd|"/c calc"!A1`,
        model: "'@sdxl",
        quantities: '{"action":"1","input_tokens":"1200.5"}',
        draws: 'grt_a:allowance:1;grt_b:purchase:1234566.891234',
        holdId: 'hld_1',
        chargeId: '',
        reason: '',
        note: 'two\r\nlines 👩‍👩‍👧 مرحبا',
        metadata: '{"job":7,"tags":["a","b"]}',
      },
    ]);
  });

  it('writes nulls and no draws as empty cells', () => {
    const grant: ExportRow = [
      'txn_2',
      usage[1],
      'grant',
      'succeeded',
      null,
      '2500000000',
      '1',
      '0',
      null,
      null,
      null,
      null,
      '[]',
      null,
      null,
      null,
      null,
      null,
    ];
    expect(transactionCsvLine(grant)).toBe(
      'txn_2,2026-03-01T08:30:00.005Z,grant,succeeded,,2500,0.000001,0,,,,,,,,,,\r\n',
    );
  });
});
