import { describe, expect, it } from 'vitest';
import { pdfText } from '../../test/support/pdf-text.js';
import { STANDARD_INVOICE_FONT } from '../billing/invoice-font.js';
import { credits } from '../core/amount.js';
import { periodNamed } from '../core/period.js';
import { emptyFlows, type KindFlows } from '../core/statement.js';
import type { Statement } from '../ledger/ledger.js';
import { monthTitle, renderStatementPdf } from './statement-pdf.js';

const ORG = { id: 'org_01statement', name: 'Snapshot Booths Zoë', timeZone: 'Europe/Berlin' };

/** March 2026 in Berlin (the clocks go forward on the 29th): the figures of a busy month. */
function march(overrides: Partial<Statement> = {}): Statement {
  const period = periodNamed('2026-03', ORG.timeZone);
  if (!period) throw new Error('no period');
  const byKind = emptyFlows();
  const set = (kind: keyof typeof byKind, flows: Omit<KindFlows, 'closing'>) => {
    byKind[kind] = {
      ...flows,
      closing: flows.opening + flows.added - flows.consumed - flows.expired,
    };
  };
  set('allowance', {
    opening: 0n,
    added: credits(1500),
    consumed: credits(1200),
    expired: credits(300),
  });
  set('purchase', {
    opening: credits(10_000),
    added: credits(2500),
    consumed: 1_234_567_890n, // 1,234.56789
    expired: 0n,
  });
  set('refund', { opening: 0n, added: 8_000_000n, consumed: 0n, expired: 0n });
  const sum = (field: keyof KindFlows) =>
    Object.values(byKind).reduce((total, row) => total + row[field], 0n);
  return {
    month: period.month,
    start: period.start,
    end: period.end,
    final: true,
    asOf: period.end,
    opening: sum('opening'),
    added: sum('added'),
    consumed: sum('consumed'),
    expired: sum('expired'),
    closing: sum('closing'),
    carriedForward: sum('closing'),
    byKind,
    usageCount: 12_345,
    ...overrides,
  };
}

describe('renderStatementPdf', () => {
  it('renders a one-page PDF whose text carries every figure of the statement', async () => {
    const bytes = await renderStatementPdf(march(), ORG);
    expect(bytes.subarray(0, 5).toString('latin1')).toBe('%PDF-');
    const text = await pdfText(new Uint8Array(bytes));
    expect(text).toContain('Statement March 2026');
    expect(text).toContain('FINAL');
    expect(text).toContain('Snapshot Booths Zoë');
    expect(text).toContain('org_01statement');
    // The period on Berlin's wall clock: winter time at its start, summer time at its end.
    expect(text).toContain('2026-03-01 00:00 to 2026-04-01 00:00');
    expect(text).toContain('Europe/Berlin (UTC+01:00 to UTC+02:00)');
    for (const figure of [
      '1,500', // allowance added
      '1,200', // allowance consumed
      '300', // allowance expired
      '10,000', // purchase opening
      '1,234.56789', // purchase consumed, exact
      '11,265.43211', // purchase closing
      '8', // refund added
      '4,008', // total added
      '2,434.56789', // total consumed
      '11,273.43211', // total closing
    ]) {
      expect(text).toContain(figure);
    }
    expect(text).toContain('11,273.43211 credits'); // carried forward
    expect(text).toContain('12,345'); // usage transactions
    for (const label of ['Allowance', 'Purchase', 'Trial', 'Promo', 'Admin grant', 'Refund']) {
      expect(text).toContain(label);
    }
    expect(text).toContain('Total');
    expect(text).toContain(
      'For every kind: opening + added − consumed − expired = closing, to the micro-credit.',
    );
    expect(text).toContain('Page 1 of 1');
  });

  it('says when a month is still running, and as of when', async () => {
    const statement = march({ final: false, asOf: Date.parse('2026-03-15T13:02:11Z') });
    const text = await pdfText(new Uint8Array(await renderStatementPdf(statement, ORG)));
    expect(text).toContain('RUNNING');
    expect(text).toContain('Running, as of 2026-03-15 14:02:11 (UTC+01:00)');
    expect(text).not.toContain('FINAL');
  });

  it('prints with the standard font where no system font is found', async () => {
    const bytes = await renderStatementPdf(march(), ORG, { font: STANDARD_INVOICE_FONT });
    const text = await pdfText(new Uint8Array(bytes));
    expect(text).toContain('Snapshot Booths Zoë');
    expect(text).toContain('opening + added - consumed - expired = closing');
    expect(text).toContain('11,273.43211');
  });

  it('keeps huge amounts on one line, every digit', async () => {
    const huge = 999_999_999_999_999_999n; // 999,999,999,999.999999 credits
    const byKind = emptyFlows();
    byKind.promo = { opening: 0n, added: huge, consumed: 0n, expired: 0n, closing: huge };
    const statement = march({
      byKind,
      opening: 0n,
      added: huge,
      consumed: 0n,
      expired: 0n,
      closing: huge,
      carriedForward: huge,
    });
    const text = await pdfText(new Uint8Array(await renderStatementPdf(statement, ORG)));
    expect(text.split('\n')).toContain('999,999,999,999.999999');
  });

  it('renders the same statement to the same bytes', async () => {
    expect(
      (await renderStatementPdf(march(), ORG)).equals(await renderStatementPdf(march(), ORG)),
    ).toBe(true);
  });

  it('refuses a statement that does not reconcile: the footer must stay true', async () => {
    const statement = march();
    const broken = {
      ...statement,
      byKind: { ...statement.byKind, trial: { ...statement.byKind.trial, closing: 1n } },
    };
    await expect(renderStatementPdf(broken, ORG)).rejects.toThrow(/trial does not reconcile/);
    await expect(renderStatementPdf({ ...statement, closing: 0n }, ORG)).rejects.toThrow(
      /total does not reconcile/,
    );
  });
});

describe('monthTitle', () => {
  it('names the month in English', () => {
    expect(monthTitle('2026-01')).toBe('January 2026');
    expect(monthTitle('2026-12')).toBe('December 2026');
  });
});
