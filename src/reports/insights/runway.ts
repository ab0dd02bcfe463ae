/**
 * Runway: when the pool runs dry if usage goes on at the recent daily rate. The forecast replays
 * what the ledger would do, local day by local day in the org's time zone: lots join when they
 * become effective, leave when they expire, and each day's demand is drawn in the ledger's spend
 * order (rule 4), so credits that a real spend would leave to expire are seen expiring here too.
 */
import type { Micros } from '../../core/amount.js';
import { compareSpendOrder, type Grant, type GrantKind } from '../../core/grant.js';
import { dayStart, localDate, utcOffsetMs, type Instant } from '../../core/period.js';

/** A grant's credits available now. */
export interface Lot {
  readonly credits: Micros;
  readonly effectiveAt: Instant;
  readonly expiresAt: Instant | null;
  readonly kind: GrantKind;
  readonly priority: number;
}

/** A lot that does not exist yet but will, such as the next months' allowance from a schedule. */
export interface UpcomingLot {
  readonly credits: Micros;
  readonly effectiveAt: Instant;
  readonly expiresAt: Instant | null;
  readonly kind: GrantKind;
  readonly priority: number;
}

export interface RunwayInput {
  readonly now: Instant;
  /** The org's IANA time zone: a day of demand is a local day. */
  readonly timeZone: string;
  readonly lots: readonly Lot[];
  readonly upcoming: readonly UpcomingLot[];
  /** Credits used per local day. */
  readonly dailyRate: Micros;
  /** Local days to look ahead, today included. Default 365. */
  readonly horizonDays?: number;
}

export interface Runway {
  readonly dailyRate: Micros;
  /** When the pool can no longer meet the demand; null when not within the horizon, or no usage. */
  readonly runsOutAt: Instant | null;
  /** Local days from today to the day it runs dry: 0 is today, 1 tomorrow. */
  readonly daysLeft: number | null;
  /** Credits the simulation saw expire before being spent, until it ran dry or hit the horizon. */
  readonly expiringUnused: Micros;
}

export const DEFAULT_HORIZON_DAYS = 365;

interface SimulatedLot {
  readonly grant: Grant;
  readonly joinsAt: Instant;
}

interface LocalDay {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/**
 * Simulates the pool from `now` to the end of the horizon (the local midnight `horizonDays` dates
 * after today). Demand is spread evenly over each local day, so a 23-hour DST day uses its rate
 * faster than a 25-hour one, and today's demand is the part of the rate that falls after `now`.
 * Between local midnights the demand is cut at every instant a lot joins or expires, and drawn in
 * spend order; the run ends at the first instant the pool holds less than the demand, found by
 * linear interpolation within the day. All amounts stay in bigint micro-credits.
 *
 * A lot joins at `max(effectiveAt, now)`; one that is already expired, or expires before it
 * becomes effective, is never live. The caller lists each lot once, in `lots` or `upcoming`.
 */
export function forecastRunway(input: RunwayInput): Runway {
  const { now, timeZone, dailyRate } = input;
  const horizonDays = input.horizonDays ?? DEFAULT_HORIZON_DAYS;
  if (!Number.isSafeInteger(now)) throw new RangeError(`now must be epoch milliseconds: ${now}`);
  if (dailyRate < 0n) throw new RangeError('dailyRate must not be negative');
  if (!Number.isInteger(horizonDays) || horizonDays < 1) {
    throw new RangeError(`horizonDays must be a positive integer, not ${horizonDays}`);
  }

  const pending = simulatedLots([...input.lots, ...input.upcoming], now);
  let nextPending = 0;
  let live: Grant[] = [];
  let expiringUnused = 0n;

  /** Lets in the lots effective at `at` and out those expired by then (rule 5). */
  const settle = (at: Instant): void => {
    let joined = false;
    for (; nextPending < pending.length; nextPending += 1) {
      const lot = pending[nextPending] as SimulatedLot;
      if (lot.joinsAt > at) break;
      live.push(lot.grant);
      joined = true;
    }
    if (joined) live.sort(compareSpendOrder);
    const stillLive: Grant[] = [];
    for (const lot of live) {
      if (lot.expiresAt !== null && lot.expiresAt <= at) expiringUnused += lot.remaining;
      else stillLive.push(lot);
    }
    live = stillLive;
  };

  let date: LocalDay = localDate(now, timeZone);
  let start = dayStart(date.year, date.month, date.day, timeZone);
  let offset = utcOffsetMs(start, timeZone);
  let cursor = now;
  let dayIndex = 0;

  while (dayIndex < horizonDays) {
    if (cursor === start) {
      // Whole days with no lot joining or expiring, that the pool can pay for, need no
      // simulating: they draw the rate once each, in an order that does not change.
      settle(cursor);
      const skip = Math.min(
        daysUntil(nextEventAfter(cursor, live, pending[nextPending]), date, timeZone),
        daysPaidFor(live, dailyRate, horizonDays),
        horizonDays - dayIndex,
      );
      if (skip >= MIN_DAYS_TO_SKIP) {
        live = draw(live, dailyRate * BigInt(skip));
        date = dateAfter(date, skip);
        start = dayStart(date.year, date.month, date.day, timeZone);
        offset = utcOffsetMs(start, timeZone);
        cursor = start;
        dayIndex += skip;
        continue;
      }
    }

    const nextDate = dateAfter(date, 1);
    const { start: end, offset: endOffset } = nextMidnight(nextDate, offset, timeZone);
    const length = BigInt(end - start);
    // Demand from the day's start to `at`, rounded down; its differences sum to the whole rate.
    const demandUntil = (at: Instant): Micros => (dailyRate * BigInt(at - start)) / length;

    while (cursor < end) {
      settle(cursor);
      const segmentEnd = Math.min(end, nextEventAfter(cursor, live, pending[nextPending]));
      const demand = demandUntil(segmentEnd) - demandUntil(cursor);
      const available = availableIn(live);
      if (demand > available) {
        // The instant the pool reaches zero: where the day's demand line crosses what was left.
        const crossing = start + Number(((demandUntil(cursor) + available) * length) / dailyRate);
        return {
          dailyRate,
          runsOutAt: Math.max(cursor, crossing),
          daysLeft: dayIndex,
          expiringUnused,
        };
      }
      live = draw(live, demand);
      cursor = segmentEnd;
    }
    date = nextDate;
    start = end;
    offset = endOffset;
    dayIndex += 1;
  }
  return { dailyRate, runsOutAt: null, daysLeft: null, expiringUnused };
}

/**
 * Below this many days, stepping day by day (one Intl call a day) is cheaper than a skip, which
 * looks up a date and an exact local midnight (a dozen calls).
 */
const MIN_DAYS_TO_SKIP = 12;

function availableIn(live: readonly Grant[]): Micros {
  let available = 0n;
  for (const lot of live) available += lot.remaining;
  return available;
}

/** Whole local days from the start of `date` to the start of the day containing `event`. */
function daysUntil(event: Instant, date: LocalDay, timeZone: string): number {
  if (event === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  const eventDate = localDate(event, timeZone);
  const eventDay = Date.UTC(eventDate.year, eventDate.month - 1, eventDate.day);
  return Math.round((eventDay - Date.UTC(date.year, date.month - 1, date.day)) / DAY_MS);
}

/** Whole days of demand the live lots can meet, capped at the horizon. */
function daysPaidFor(live: readonly Grant[], dailyRate: Micros, horizonDays: number): number {
  if (dailyRate === 0n) return horizonDays;
  const days = availableIn(live) / dailyRate;
  return days > BigInt(horizonDays) ? horizonDays : Number(days);
}

const DAY_MS = 86_400_000;

/** The lots that will ever be live, as grants the spend order understands, by joining time. */
function simulatedLots(lots: readonly (Lot | UpcomingLot)[], now: Instant): SimulatedLot[] {
  const simulated: SimulatedLot[] = [];
  const width = String(lots.length).length;
  lots.forEach((lot, index) => {
    const joinsAt = Math.max(lot.effectiveAt, now);
    if (lot.credits <= 0n || (lot.expiresAt !== null && lot.expiresAt <= joinsAt)) return;
    simulated.push({
      joinsAt,
      grant: {
        // The spend order's last tie-break is the id: the input order, padded to sort as text.
        id: String(index).padStart(width, '0'),
        orgId: '',
        kind: lot.kind,
        amount: lot.credits,
        remaining: lot.credits,
        held: 0n,
        effectiveAt: lot.effectiveAt,
        expiresAt: lot.expiresAt,
        priority: lot.priority,
        note: null,
        scheduleId: null,
      },
    });
  });
  return simulated.sort((a, b) => a.joinsAt - b.joinsAt);
}

/** The next instant after `cursor` at which a lot joins or a live lot expires. */
function nextEventAfter(
  cursor: Instant,
  live: readonly Grant[],
  nextPending: SimulatedLot | undefined,
): Instant {
  let next = nextPending ? nextPending.joinsAt : Number.POSITIVE_INFINITY;
  for (const lot of live) {
    if (lot.expiresAt !== null && lot.expiresAt > cursor && lot.expiresAt < next) {
      next = lot.expiresAt;
    }
  }
  return next;
}

/** Draws `amount` from `live` (in spend order, holding at least `amount`); drops emptied lots. */
function draw(live: Grant[], amount: Micros): Grant[] {
  let left = amount;
  for (const lot of live) {
    if (left === 0n) break;
    const take = lot.remaining < left ? lot.remaining : left;
    lot.remaining -= take;
    left -= take;
  }
  return live.filter((lot) => lot.remaining > 0n);
}

function dateAfter({ year, month, day }: LocalDay, days: number): LocalDay {
  const next = new Date(Date.UTC(year, month - 1, day + days));
  return { year: next.getUTCFullYear(), month: next.getUTCMonth() + 1, day: next.getUTCDate() };
}

/**
 * The start of local `date`, knowing the UTC offset at the start of the day before. `dayStart`
 * asks Intl half a dozen times; on the ordinary day the offset has not changed, and one question
 * confirms that midnight is 24 wall-clock hours later. Only around a DST change (or a zone's
 * change of rules) does it take the slow, exact path.
 */
function nextMidnight(date: LocalDay, previousOffset: number, timeZone: string): Midnight {
  let known = midnights.get(timeZone);
  if (!known) {
    known = new Map();
    midnights.set(timeZone, known);
  }
  const key = `${date.year}-${date.month}-${date.day}`;
  const remembered = known.get(key);
  if (remembered) return remembered;
  const guess = Date.UTC(date.year, date.month - 1, date.day) - previousOffset;
  let found: Midnight;
  if (utcOffsetMs(guess, timeZone) === previousOffset) {
    found = { start: guess, offset: previousOffset };
  } else {
    const start = dayStart(date.year, date.month, date.day, timeZone);
    found = { start, offset: utcOffsetMs(start, timeZone) };
  }
  if (known.size >= MIDNIGHTS_KEPT) known.clear();
  known.set(key, found);
  return found;
}

interface Midnight {
  readonly start: Instant;
  /** The zone's offset from UTC at that instant. */
  readonly offset: number;
}

/**
 * Local midnights found, per zone: every forecast walks the same year of days, so after the
 * first one a day costs a lookup instead of a question to Intl. A few years' worth per zone.
 */
const midnights = new Map<string, Map<string, Midnight>>();
const MIDNIGHTS_KEPT = 2000;
