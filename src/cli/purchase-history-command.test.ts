import { describe, expect, it } from 'vitest';
import type { HistoryItemBody } from './api-types.js';
import { invoiceFileName, renderHistory } from './purchase-history-command.js';

describe('invoiceFileName', () => {
  it("takes the server's file name when it is a plain PDF name", () => {
    expect(invoiceFileName('attachment; filename="TALLY-000042.pdf"', 'pur_1')).toBe(
      'TALLY-000042.pdf',
    );
  });

  it('never lets the server choose a path, and falls back to the purchase id', () => {
    for (const header of [
      'attachment; filename="../../etc/passwd.pdf"',
      'attachment; filename="/tmp/x.pdf"',
      'attachment; filename=".hidden.pdf"',
      'attachment; filename="invoice.exe"',
      'attachment',
      null,
    ]) {
      expect(invoiceFileName(header, 'pur_01abc')).toBe('invoice-pur_01abc.pdf');
    }
    expect(invoiceFileName(null, '../x/y')).toBe('invoice-___x_y.pdf');
  });
});

describe('renderHistory', () => {
  const item = (overrides: Partial<HistoryItemBody>): HistoryItemBody => ({
    type: 'purchase',
    id: 'pur_1',
    at: '2026-03-01T09:30:00.000Z',
    credits: '2500',
    money: { amount: 2500, currency: 'USD', formatted: '25.00' },
    status: 'paid',
    kind: 'purchase',
    description: 'Starter pack (2,500 credits)',
    invoiceNumber: 'TALLY-000001',
    expiresAt: null,
    ...overrides,
  });

  it('shows type, date in the zone, credits, money, status, description and invoice', () => {
    const text = renderHistory(
      [
        item({}),
        item({
          type: 'free_credits',
          id: 'grt_1',
          credits: '1500',
          money: null,
          status: 'added',
          description: 'Basic plan',
          invoiceNumber: null,
        }),
      ],
      'Europe/Paris',
    );
    expect(text.split('\n')).toEqual([
      'TYPE          DATE (Europe/Paris)  CREDITS      MONEY  STATUS  DESCRIPTION                   INVOICE',
      'purchase      2026-03-01 10:30:00    2,500  25.00 USD  paid    Starter pack (2,500 credits)  TALLY-000001',
      'free_credits  2026-03-01 10:30:00    1,500             added   Basic plan',
      '',
    ]);
  });

  it('says so when there is nothing yet', () => {
    expect(renderHistory([], 'UTC')).toBe('No purchases or grants yet.\n');
  });
});
