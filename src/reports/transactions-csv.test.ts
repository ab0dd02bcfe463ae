import { describe, expect, it } from 'vitest';
import { csvObjects, parseCsv } from '../../test/support/csv.js';
import type { TransactionRow } from '../ledger/model.js';
import {
  drawsText,
  TRANSACTION_CSV_COLUMNS,
  TRANSACTION_CSV_HEADER,
  transactionCsvLine,
  transactionsCsv,
} from './transactions-csv.js';

const usage: TransactionRow = {
  id: 'chg_1',
  orgId: 'org_1',
  type: 'usage',
  at: Date.UTC(2026, 2, 1, 8, 30, 0, 5),
  status: 'succeeded',
  feature: 'text-to-image',
  credits: -1_234_567_891_234n,
  held: 0n,
  balanceAfter: 1n,
  user: 'Zoë, "the boss"',
  project: '=cmd|"/c calc"!A1',
  model: '@sdxl',
  quantities: { action: '1', input_tokens: '1200.5' },
  draws: [
    { grantId: 'grt_a', kind: 'allowance', credits: 1_000_000n },
    { grantId: 'grt_b', kind: 'purchase', credits: 1_234_566_891_234n },
  ],
  note: 'two\r\nlines 👩‍👩‍👧 مرحبا',
  metadata: { job: 7, tags: ['a', 'b'] },
  holdId: 'hld_1',
  chargeId: null,
  reason: null,
};

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

  it('writes nulls as empty cells and a page as its lines', () => {
    const grant: TransactionRow = {
      ...usage,
      id: 'txn_2',
      type: 'grant',
      feature: null,
      credits: 2_500_000_000n,
      user: null,
      project: null,
      model: null,
      quantities: null,
      draws: [],
      note: null,
      metadata: null,
      holdId: null,
    };
    const page = transactionsCsv([usage, grant]);
    expect(page).toBe(transactionCsvLine(usage) + transactionCsvLine(grant));
    expect(transactionCsvLine(grant)).toBe(
      'txn_2,2026-03-01T08:30:00.005Z,grant,succeeded,,2500,0.000001,0,,,,,,,,,,\r\n',
    );
    expect(transactionsCsv([])).toBe('');
    expect(drawsText([])).toBe('');
  });
});
