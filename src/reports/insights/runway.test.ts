import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { credits, type Micros } from '../../core/amount.js';
import { GRANT_KINDS, isFreeKind } from '../../core/grant.js';
import { dayStart, localDate, type Instant } from '../../core/period.js';
import { forecastRunway, type Lot, type Runway, type RunwayInput } from './runway.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const at = (iso: string): Instant => Date.parse(iso);

function lot(fields: Partial<Lot> = {}): Lot {
  return {
    credits: credits(100),
    effectiveAt: 0,
    expiresAt: null,
    kind: 'purchase',
    priority: 50,
    ...fields,
  };
}

function runway(fields: Partial<RunwayInput> & { dailyRate: Micros }): Runway {
  return forecastRunway({
    now: at('2026-01-15T00:00:00Z'),
    timeZone: 'UTC',
    lots: [],
    upcoming: [],
    ...fields,
  });
}

describe('forecastRunway: the basics', () => {
  it('runs dry at the local midnight when the last whole day used the last credit', () => {
    expect(runway({ lots: [lot()], dailyRate: credits(10) })).toEqual({
      dailyRate: credits(10),
      runsOutAt: at('2026-01-25T00:00:00Z'),
      daysLeft: 10,
      expiringUnused: 0n,
    });
  });

  it('interpolates within the day when the pool ends part way through it', () => {
    const result = runway({ lots: [lot({ credits: credits(105) })], dailyRate: credits(10) });
    expect(result.runsOutAt).toBe(at('2026-01-25T12:00:00Z'));
    expect(result.daysLeft).toBe(10);
  });

  it('runs dry now when there is nothing to spend', () => {
    expect(runway({ dailyRate: credits(10) })).toMatchObject({
      runsOutAt: at('2026-01-15T00:00:00Z'),
      daysLeft: 0,
    });
    const now = at('2026-01-15T09:30:00Z');
    expect(runway({ now, dailyRate: 1n })).toMatchObject({ runsOutAt: now, daysLeft: 0 });
  });

  it('never runs dry without usage, but still sees lots expire within the horizon', () => {
    const result = runway({
      lots: [
        lot({ kind: 'allowance', expiresAt: at('2026-02-01T00:00:00Z') }),
        lot({ kind: 'promo', expiresAt: at('2027-06-01T00:00:00Z') }),
        lot(),
      ],
      dailyRate: 0n,
    });
    expect(result).toEqual({
      dailyRate: 0n,
      runsOutAt: null,
      daysLeft: null,
      expiringUnused: credits(100),
    });
  });

  it('pro-rates the first partial day and can run dry within it', () => {
    // 12:00 with 6 credits at 24 a day: six hours left.
    const result = runway({
      now: at('2026-01-15T12:00:00+01:00'),
      timeZone: 'Europe/Paris',
      lots: [lot({ credits: credits(6) })],
      dailyRate: credits(24),
    });
    expect(result.runsOutAt).toBe(at('2026-01-15T18:00:00+01:00'));
    expect(result.daysLeft).toBe(0);
    // 12 credits are exactly today's remaining demand: dry at midnight, tomorrow.
    const exact = runway({
      now: at('2026-01-15T12:00:00+01:00'),
      timeZone: 'Europe/Paris',
      lots: [lot({ credits: credits(12) })],
      dailyRate: credits(24),
    });
    expect(exact.runsOutAt).toBe(at('2026-01-16T00:00:00+01:00'));
    expect(exact.daysLeft).toBe(1);
  });

  it('only looks as far as the horizon', () => {
    // 365 days of credits run dry exactly at the horizon's end: not within it.
    expect(runway({ lots: [lot({ credits: credits(365) })], dailyRate: credits(1) })).toMatchObject(
      { runsOutAt: null, daysLeft: null },
    );
    expect(
      runway({ lots: [lot({ credits: credits(364) + 500_000n })], dailyRate: credits(1) }),
    ).toMatchObject({ runsOutAt: at('2027-01-14T12:00:00Z'), daysLeft: 364 });
    expect(
      runway({ lots: [lot({ credits: credits(400) })], dailyRate: credits(1), horizonDays: 500 }),
    ).toMatchObject({ runsOutAt: at('2027-02-19T00:00:00Z'), daysLeft: 400 });
    expect(
      runway({ lots: [lot({ credits: credits(2) })], dailyRate: credits(1), horizonDays: 1 }),
    ).toMatchObject({ runsOutAt: null });
  });

  it('refuses nonsense input', () => {
    expect(() => runway({ dailyRate: -1n })).toThrow(RangeError);
    expect(() => runway({ dailyRate: 1n, horizonDays: 0 })).toThrow(RangeError);
    expect(() => runway({ dailyRate: 1n, horizonDays: 1.5 })).toThrow(RangeError);
    expect(() => runway({ dailyRate: 1n, now: Number.NaN })).toThrow(RangeError);
  });
});

describe('forecastRunway: local days and DST', () => {
  it('spreads a day of demand over 23 hours on the spring-forward day in Paris', () => {
    // Midnight of 29 March 2026 in Paris is 23:00 UTC the day before; the day lasts 23 hours.
    const result = runway({
      now: at('2026-03-29T00:00:00+01:00'),
      timeZone: 'Europe/Paris',
      lots: [lot({ credits: credits(23) })],
      dailyRate: credits(46),
    });
    expect(result.runsOutAt).toBe(at('2026-03-29T10:30:00Z'));
    expect(result.daysLeft).toBe(0);
  });

  it('counts local midnights across the change, not 24-hour steps', () => {
    const now = at('2026-03-27T12:00:00+01:00');
    const base = { now, timeZone: 'Europe/Paris', dailyRate: credits(24) };
    // Half of the 27th, the 28th, the 23-hour 29th: dry at midnight of the 30th, CEST.
    expect(runway({ ...base, lots: [lot({ credits: credits(60) })] })).toMatchObject({
      runsOutAt: at('2026-03-30T00:00:00+02:00'),
      daysLeft: 3,
    });
    // Half of the 29th is 11.5 hours after its midnight.
    expect(runway({ ...base, lots: [lot({ credits: credits(48) })] })).toMatchObject({
      runsOutAt: at('2026-03-29T10:30:00Z'),
      daysLeft: 2,
    });
  });

  it('spreads a day over 25 hours on the fall-back day, and 23 in spring, in New York', () => {
    const fall = runway({
      now: at('2026-11-01T00:00:00-04:00'),
      timeZone: 'America/New_York',
      lots: [lot({ credits: credits(25) })],
      dailyRate: credits(50),
    });
    expect(fall.runsOutAt).toBe(at('2026-11-01T16:30:00Z'));
    const spring = runway({
      now: at('2026-03-08T00:00:00-05:00'),
      timeZone: 'America/New_York',
      lots: [lot({ credits: credits(23) })],
      dailyRate: credits(46),
    });
    expect(spring.runsOutAt).toBe(at('2026-03-08T16:30:00Z'));
  });

  it('lands on exact local midnights after long stretches across a change', () => {
    expect(
      runway({
        now: at('2026-03-01T00:00:00+01:00'),
        timeZone: 'Europe/Paris',
        lots: [lot({ credits: credits(24 * 40) })],
        dailyRate: credits(24),
      }),
    ).toMatchObject({ runsOutAt: at('2026-04-10T00:00:00+02:00'), daysLeft: 40 });
    expect(
      runway({
        now: at('2026-10-20T00:00:00-04:00'),
        timeZone: 'America/New_York',
        lots: [lot({ credits: credits(305) })],
        dailyRate: credits(10),
      }),
    ).toMatchObject({ runsOutAt: at('2026-11-19T12:00:00-05:00'), daysLeft: 30 });
  });

  it('starts a day whose midnight does not exist when the clocks jump (Santiago)', () => {
    // Chile springs forward at 00:00 on 6 September 2026: that day starts at 01:00 (-03:00).
    const result = runway({
      now: at('2026-09-05T00:00:00-04:00'),
      timeZone: 'America/Santiago',
      lots: [lot({ credits: credits(10) })],
      dailyRate: credits(10),
    });
    expect(result).toMatchObject({ runsOutAt: at('2026-09-06T01:00:00-03:00'), daysLeft: 1 });
  });
});

describe('forecastRunway: lots joining and expiring', () => {
  it('sees a lot expire unspent when the spend order draws another first', () => {
    const result = runway({
      now: at('2026-01-01T00:00:00Z'),
      lots: [
        lot({ credits: credits(1000), priority: 0 }),
        lot({ kind: 'promo', expiresAt: at('2026-01-03T12:00:00Z') }),
      ],
      dailyRate: credits(10),
    });
    expect(result).toEqual({
      dailyRate: credits(10),
      runsOutAt: at('2026-04-11T00:00:00Z'),
      daysLeft: 100,
      expiringUnused: credits(100),
    });
  });

  it('spends the soonest-expiring lot first and lets its rest expire mid-day', () => {
    const result = runway({
      now: at('2026-01-01T00:00:00Z'),
      lots: [
        lot({ credits: credits(1000) }),
        lot({ kind: 'promo', expiresAt: at('2026-01-03T12:00:00Z') }),
      ],
      dailyRate: credits(10),
    });
    // 25 credits of the promo are spent by its expiry at noon of the 3rd; 75 expire.
    expect(result).toMatchObject({
      runsOutAt: at('2026-04-13T12:00:00Z'),
      daysLeft: 102,
      expiringUnused: credits(75),
    });
  });

  it('spends free kinds before purchased ones, then the oldest, at equal priority and expiry', () => {
    const expiresAt = at('2026-01-02T00:00:00Z');
    const result = runway({
      now: at('2026-01-01T00:00:00Z'),
      lots: [
        lot({ credits: credits(10), expiresAt, effectiveAt: 0 }),
        lot({ credits: credits(10), expiresAt, kind: 'trial', effectiveAt: 5 }),
        lot({ credits: credits(10), expiresAt, kind: 'promo', effectiveAt: 1 }),
      ],
      dailyRate: credits(15),
    });
    // The two free lots pay the day; the purchased one expires whole.
    expect(result.expiringUnused).toBe(credits(15));
  });

  it('extends the runway with the upcoming monthly allowance', () => {
    const allowance = (from: string, to: string, amount: number) => ({
      credits: credits(amount),
      effectiveAt: at(from),
      expiresAt: at(to),
      kind: 'allowance' as const,
      priority: 50,
    });
    const base = { lots: [lot({ credits: credits(40) })], dailyRate: credits(2) };
    expect(runway(base)).toMatchObject({ runsOutAt: at('2026-02-04T00:00:00Z'), daysLeft: 20 });
    expect(
      runway({
        ...base,
        upcoming: [allowance('2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z', 30)],
      }),
    ).toMatchObject({ runsOutAt: at('2026-02-19T00:00:00Z'), daysLeft: 35, expiringUnused: 0n });
    expect(
      runway({
        ...base,
        upcoming: [
          allowance('2026-02-01T00:00:00Z', '2026-03-01T00:00:00Z', 60),
          allowance('2026-03-01T00:00:00Z', '2026-04-01T00:00:00Z', 60),
        ],
      }),
    ).toMatchObject({
      runsOutAt: at('2026-04-03T00:00:00Z'),
      daysLeft: 78,
      expiringUnused: credits(4),
    });
  });

  it('reports the first dry spell even if a later lot would refill the pool', () => {
    const result = runway({
      lots: [lot({ credits: credits(10) })],
      upcoming: [lot({ effectiveAt: at('2026-02-01T00:00:00Z') })],
      dailyRate: credits(2),
    });
    expect(result).toMatchObject({ runsOutAt: at('2026-01-20T00:00:00Z'), daysLeft: 5 });
  });

  it('lets a future-dated lot join when effective, and ignores lots never live', () => {
    const result = runway({
      lots: [
        lot({ credits: credits(10) }),
        lot({ credits: credits(10), effectiveAt: at('2026-01-20T00:00:00Z') }),
        lot({ expiresAt: at('2026-01-15T00:00:00Z') }),
        lot({ effectiveAt: at('2026-01-16T00:00:00Z'), expiresAt: at('2026-01-16T00:00:00Z') }),
        lot({ credits: 0n }),
        lot({ credits: -credits(5) }),
      ],
      dailyRate: credits(2),
    });
    expect(result).toEqual({
      dailyRate: credits(2),
      runsOutAt: at('2026-01-25T00:00:00Z'),
      daysLeft: 10,
      expiringUnused: 0n,
    });
  });

  it('stays exact with pools near 10^18 micro-credits', () => {
    const big = 10n ** 18n;
    expect(
      runway({ lots: [lot({ credits: big })], dailyRate: 10n ** 15n, horizonDays: 2000 }),
    ).toMatchObject({ runsOutAt: at('2026-01-15T00:00:00Z') + 1000 * DAY, daysLeft: 1000 });
    // 3,333 days and a third.
    expect(
      runway({ lots: [lot({ credits: big })], dailyRate: 3n * 10n ** 14n, horizonDays: 4000 }),
    ).toMatchObject({ runsOutAt: at('2026-01-15T08:00:00Z') + 3333 * DAY, daysLeft: 3333 });
    expect(runway({ lots: [lot({ credits: big })], dailyRate: big })).toMatchObject({
      runsOutAt: at('2026-01-16T00:00:00Z'),
      daysLeft: 1,
    });
  });
});

/**
 * The forecast the slow and obvious way: every local day from `dayStart`, cut at every lot event,
 * drawn in rule 4's order. The real one skips quiet stretches and guesses midnights.
 */
function reference(input: RunwayInput): Runway {
  const { now, timeZone, dailyRate } = input;
  const horizonDays = input.horizonDays ?? 365;
  const lots = [...input.lots, ...input.upcoming]
    .map((item, index) => ({
      ...item,
      index,
      remaining: item.credits,
      joinsAt: Math.max(item.effectiveAt, now),
      gone: false,
    }))
    .filter(
      (item) => item.credits > 0n && (item.expiresAt === null || item.expiresAt > item.joinsAt),
    );
  type Simulated = (typeof lots)[number];
  const order = (a: Simulated, b: Simulated): number => {
    if (a.priority !== b.priority) return a.priority - b.priority;
    if (a.expiresAt !== b.expiresAt) {
      if (a.expiresAt === null) return 1;
      if (b.expiresAt === null) return -1;
      return a.expiresAt - b.expiresAt;
    }
    if (isFreeKind(a.kind) !== isFreeKind(b.kind)) return isFreeKind(a.kind) ? -1 : 1;
    return a.effectiveAt - b.effectiveAt || a.index - b.index;
  };
  let expiringUnused = 0n;
  const today = localDate(now, timeZone);
  for (let index = 0; index < horizonDays; index += 1) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + index));
    const start = dayStart(
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate(),
      timeZone,
    );
    const end = dayStart(
      date.getUTCFullYear(),
      date.getUTCMonth() + 1,
      date.getUTCDate() + 1,
      timeZone,
    );
    const from = Math.max(now, start);
    const length = BigInt(end - start);
    const demandUntil = (instant: Instant) => (dailyRate * BigInt(instant - start)) / length;
    const events = lots.flatMap((item) => [item.joinsAt, item.expiresAt ?? end]);
    const cuts = [...new Set([from, end, ...events.filter((e) => e > from && e < end)])].sort(
      (a, b) => a - b,
    );
    for (let cut = 0; cut + 1 < cuts.length; cut += 1) {
      const a = cuts[cut] as Instant;
      const b = cuts[cut + 1] as Instant;
      for (const item of lots) {
        if (!item.gone && item.expiresAt !== null && item.expiresAt <= a) {
          expiringUnused += item.remaining;
          item.gone = true;
        }
      }
      const live = lots.filter((item) => !item.gone && item.joinsAt <= a).sort(order);
      const demand = demandUntil(b) - demandUntil(a);
      const available = live.reduce((sum, item) => sum + item.remaining, 0n);
      if (demand > available) {
        const crossing = start + Number(((demandUntil(a) + available) * length) / dailyRate);
        return { dailyRate, runsOutAt: Math.max(a, crossing), daysLeft: index, expiringUnused };
      }
      let left = demand;
      for (const item of live) {
        const take = item.remaining < left ? item.remaining : left;
        item.remaining -= take;
        left -= take;
      }
    }
  }
  return { dailyRate, runsOutAt: null, daysLeft: null, expiringUnused };
}

describe('forecastRunway: properties', () => {
  const zones = [
    'UTC',
    'Europe/Paris',
    'America/New_York',
    'Australia/Lord_Howe',
    'America/Santiago',
  ];
  const now = fc.integer({ min: at('2026-01-01T00:00:00Z'), max: at('2027-01-01T00:00:00Z') });
  const lotAround = (base: Instant) =>
    fc
      .record({
        credits: fc.bigInt({ min: 0n, max: credits(500) }),
        effectiveIn: fc.integer({ min: -30 * DAY, max: 60 * DAY }),
        lasts: fc.option(fc.integer({ min: HOUR, max: 90 * DAY }), { nil: null }),
        kind: fc.constantFrom(...GRANT_KINDS),
        priority: fc.constantFrom(0, 50, 100),
      })
      .map(({ credits: amount, effectiveIn, lasts, kind, priority }): Lot => ({
        credits: amount,
        effectiveAt: base + effectiveIn,
        expiresAt: lasts === null ? null : base + effectiveIn + lasts,
        kind,
        priority,
      }));
  const inputs = fc
    .record({ now, timeZone: fc.constantFrom(...zones) })
    .chain(({ now: base, timeZone }) =>
      fc.record({
        now: fc.constant(base),
        timeZone: fc.constant(timeZone),
        lots: fc.array(lotAround(base), { maxLength: 6 }),
        upcoming: fc.array(lotAround(base), { maxLength: 3 }),
        dailyRate: fc.oneof(
          fc.constant(0n),
          fc.bigInt({ min: 1n, max: credits(200) }),
          // Slow enough to reach the quiet stretches that the forecast skips.
          fc.bigInt({ min: 1n, max: credits(20) }),
        ),
        horizonDays: fc.integer({ min: 1, max: 120 }),
      }),
    );

  it('agrees with a plain day-by-day simulation', () => {
    fc.assert(
      fc.property(inputs, (input) => {
        expect(forecastRunway(input)).toEqual(reference(input));
      }),
      { numRuns: 150 },
    );
  });

  it('never runs dry sooner with more credits, nor later at a higher rate', () => {
    fc.assert(
      fc.property(inputs, fc.bigInt({ min: 1n, max: credits(1000) }), (input, extra) => {
        const base = forecastRunway(input);
        const richer = forecastRunway({ ...input, lots: [...input.lots, lot({ credits: extra })] });
        const faster = forecastRunway({ ...input, dailyRate: input.dailyRate + extra });
        const never = Number.POSITIVE_INFINITY;
        // To the minute: the instant within a day is interpolated by integer division, per
        // stretch of the day, so two forecasts may round a few milliseconds apart.
        const slack = 60_000;
        expect(richer.runsOutAt ?? never).toBeGreaterThanOrEqual((base.runsOutAt ?? never) - slack);
        expect(faster.runsOutAt ?? never).toBeLessThanOrEqual((base.runsOutAt ?? never) + slack);
        if (base.runsOutAt !== null) {
          expect(base.runsOutAt).toBeGreaterThanOrEqual(input.now);
          expect(base.daysLeft).toBeLessThan(input.horizonDays);
        }
      }),
      { numRuns: 100 },
    );
  });
});
