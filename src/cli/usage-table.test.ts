import { describe, expect, it } from 'vitest';
import type { UsageBucketBody, UsageReportBody } from './api-types.js';
import { groupLabel, rangeText, renderUsage, shareText } from './usage-table.js';

const figures = (used: string, usageCount = 0, failures = 0) => ({
  used,
  usageCount,
  failures,
  refused: 0,
  refunded: '0',
});

/** A bucket with its named groups and, when given, what the server summed as others. */
function bucket(
  day: string,
  groups: [string | null, string, number][] = [],
  others?: [string, number],
): UsageBucketBody {
  let used = 0;
  let count = 0;
  for (const [, credits, usage] of [...groups, ...(others ? [[null, ...others] as const] : [])]) {
    used += Number(credits);
    count += usage;
  }
  return {
    start: `${day}T00:00:00.000Z`,
    end: `${day}T00:00:00.000Z`,
    day,
    ...figures(String(used), count),
    groups: groups.map(([key, credits, usage]) => ({ key, ...figures(credits, usage) })),
    others: others ? figures(...others) : null,
  };
}

function report(overrides: Partial<UsageReportBody>): UsageReportBody {
  return {
    org: 'org_1',
    timezone: 'Europe/Paris',
    from: '2026-08-01',
    to: '2026-08-04',
    start: '2026-07-31T22:00:00.000Z',
    end: '2026-08-03T22:00:00.000Z',
    interval: 'day',
    groupBy: null,
    totals: figures('0'),
    groups: [],
    others: null,
    buckets: [],
    ...overrides,
  };
}

describe('renderUsage', () => {
  it('has a line per bucket and a total line, and names the range with its last day', () => {
    const text = renderUsage(
      report({
        totals: { ...figures('1234.5', 12, 1), refused: 2, refunded: '3' },
        buckets: [
          { ...bucket('2026-08-01'), ...figures('1234.5', 11, 1) },
          { ...bucket('2026-08-02'), ...figures('0', 1) },
          bucket('2026-08-03'),
        ],
      }),
    );
    expect(text.split('\n')).toEqual([
      'Usage of org_1, 2026-08-01 to 2026-08-03 (Europe/Paris), per day',
      '',
      'DAY            USED  USAGE  FAILURES',
      '2026-08-01  1,234.5     11         1',
      '2026-08-02        0      1         0',
      '2026-08-03        0      0         0',
      'TOTAL       1,234.5     12         1',
      '',
      'refused   2 charges or holds',
      'refunded  3 credits',
      '',
    ]);
  });

  it('gives the top 5 groups a column each and folds the rest into OTHERS, exactly', () => {
    // The server named the top five and summed f and the unattributed usage as others.
    const keys = ['a', 'b', 'c', 'd', 'e'];
    const groups = keys.map((key, index) => ({
      key,
      ...figures(`${70 - index * 10}.000001`, 1),
      share: '0.0',
    }));
    const text = renderUsage(
      report({
        interval: 'month',
        from: '2026-07-15',
        to: '2026-09-01',
        groupBy: 'user',
        totals: figures('280.000007', 7),
        groups,
        others: { ...figures('30.000002', 2), values: 2 },
        buckets: [
          bucket('2026-07-15', [['a', '70.000001', 1]], ['20.000001', 1]),
          bucket(
            '2026-08-01',
            [
              ['b', '60.000001', 1],
              ['c', '50.000001', 1],
              ['d', '40.000001', 1],
              ['e', '30.000001', 1],
            ],
            ['10.000001', 1],
          ),
        ],
      }),
    );
    const lines = text.split('\n');
    expect(lines[0]).toBe(
      'Usage of org_1, 2026-07-15 to 2026-08-31 (Europe/Paris), per month, by member',
    );
    expect(lines.slice(2, 6)).toEqual([
      'MONTH             USED  USAGE  FAILURES          a          b          c          d          e     OTHERS',
      // A month cut by the range is named by its first day; a whole one by its month.
      '2026-07-15   90.000002      2         0  70.000001          0          0          0          0  20.000001',
      '2026-08     190.000005      5         0          0  60.000001  50.000001  40.000001  30.000001  10.000001',
      'TOTAL       280.000007      7         0  70.000001  60.000001  50.000001  40.000001  30.000001  30.000002',
    ]);
    // The table of groups: the top 5 with their shares, the rest summed with its own.
    expect(lines).toContain('MEMBER           USED  SHARE  USAGE  FAILURES');
    expect(lines).toContain('others (2)  30.000002  10.7%      2         0');
  });

  it('shows no OTHERS column when every group has one', () => {
    const text = renderUsage(
      report({
        groupBy: 'feature',
        totals: figures('8', 1),
        groups: [{ key: 'image', ...figures('8', 1), share: '100.0' }],
        buckets: [bucket('2026-08-01', [['image', '8', 1]])],
      }),
    );
    expect(text).toMatch(/^DAY\s+USED\s+USAGE\s+FAILURES\s+image$/m);
    expect(text).not.toMatch(/OTHERS|others/);
    expect(text).toMatch(/^image\s+8\s+100\.0%\s+1\s+0$/m);
  });
});

describe('groupLabel', () => {
  it('names usage without a value, and shortens long or unsafe values', () => {
    expect(groupLabel(null)).toBe('(none)');
    expect(groupLabel('ana')).toBe('ana');
    expect(groupLabel('a-very-long-project-name-indeed')).toBe('a-very-long-proje…');
    expect(groupLabel('写真写真写真写真写真写真', 9)).toBe('写真写真…');
    expect(groupLabel('evil\u001b[31mred')).toBe('evil [31mred');
  });
});

describe('rangeText and shareText', () => {
  it('says the last day, not the day after', () => {
    expect(rangeText('2026-02-01', '2026-03-01')).toBe('2026-02-01 to 2026-02-28');
    expect(rangeText('2026-12-31', '2027-01-01')).toBe('2026-12-31');
  });

  it('rounds shares half up, exactly', () => {
    expect(shareText(1n, 8n)).toBe('12.5%');
    expect(shareText(1n, 16n)).toBe('6.3%');
    expect(shareText(2n, 3n)).toBe('66.7%');
    expect(shareText(0n, 0n)).toBe('0.0%');
    expect(shareText(10n ** 18n, 10n ** 18n)).toBe('100.0%');
  });
});
