import { describe, expect, it } from 'vitest';
import { credits } from '../core/amount.js';
import { periodNamed } from '../core/period.js';
import { emptyFlows } from '../core/statement.js';
import type { Statement } from '../ledger/ledger.js';
import { isoInZone, statementCsv } from './statement-csv.js';

const ORG = { id: 'org_01csv', name: 'Booth, "Co"', timeZone: 'Europe/Berlin' };

function statement(): Statement {
  const period = periodNamed('2026-03', ORG.timeZone);
  if (!period) throw new Error('no period');
  const byKind = emptyFlows();
  byKind.allowance = {
    opening: 0n,
    added: credits(1500),
    consumed: credits(1200),
    expired: credits(300),
    closing: 0n,
  };
  byKind.purchase = {
    opening: credits(100),
    added: credits(2500),
    consumed: 1_500n, // 0.0015
    expired: 0n,
    closing: credits(2600) - 1_500n,
  };
  return {
    month: '2026-03',
    start: period.start,
    end: period.end,
    final: false,
    asOf: Date.parse('2026-03-15T13:02:11.250Z'),
    opening: credits(100),
    added: credits(4000),
    consumed: credits(1200) + 1_500n,
    expired: credits(300),
    closing: credits(2600) - 1_500n,
    carriedForward: credits(2600) - 1_500n,
    byKind,
    usageCount: 42,
  };
}

describe('statementCsv', () => {
  it('writes the table by kind, a total, then the facts of the period, with CRLF', () => {
    const csv = statementCsv(statement(), ORG);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(csv.split('\r\n')).toEqual([
      'kind,opening,added,consumed,expired,closing',
      'allowance,0,1500,1200,300,0',
      'purchase,100,2500,0.0015,0,2599.9985',
      'trial,0,0,0,0,0',
      'promo,0,0,0,0,0',
      'admin_grant,0,0,0,0,0',
      'refund,0,0,0,0,0',
      'total,100,4000,1200.0015,300,2599.9985',
      '',
      'field,value',
      'org,org_01csv',
      'month,2026-03',
      'timezone,Europe/Berlin',
      'start,2026-03-01T00:00:00.000+01:00',
      'end,2026-04-01T00:00:00.000+02:00',
      'final,false',
      'asOf,2026-03-15T14:02:11.250+01:00',
      'carriedForward,2599.9985',
      'usageCount,42',
      '',
    ]);
    // Free text stays out: the name needs no quoting because it is not there.
    expect(csv).not.toContain('Booth');
  });
});

describe('isoInZone', () => {
  it('writes the wall clock with the offset in force at that instant', () => {
    const instant = Date.parse('2026-07-01T12:00:00Z');
    expect(isoInZone(instant, 'UTC')).toBe('2026-07-01T12:00:00.000Z');
    expect(isoInZone(instant, 'America/New_York')).toBe('2026-07-01T08:00:00.000-04:00');
    expect(isoInZone(instant, 'Asia/Kolkata')).toBe('2026-07-01T17:30:00.000+05:30');
    expect(isoInZone(instant, 'Pacific/Chatham')).toBe('2026-07-02T00:45:00.000+12:45');
    for (const zone of ['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham']) {
      expect(Date.parse(isoInZone(instant, zone))).toBe(instant);
    }
  });
});
