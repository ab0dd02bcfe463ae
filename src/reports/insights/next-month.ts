/**
 * The credits likely needed next month, and how many of them the org would have to buy: the
 * recent daily rate carried over the next month's days, set against what the org will already
 * have then. The estimate is deliberately simple, and `basis` says in one sentence how it was made,
 * so an admin can judge it rather than trust it.
 */
import { groupDecimal } from '../../billing/format-money.js';
import { formatCredits, MICROS_PER_CREDIT, type Micros } from '../../core/amount.js';
import { divideRoundHalfUp } from '../../core/decimal.js';
import { localDate, type Instant } from '../../core/period.js';
import type { DailyUsage } from './outliers.js';

export interface MonthUsage {
  /** 'YYYY-MM' */
  readonly month: string;
  readonly used: Micros;
}

export interface NextMonthInput {
  readonly now: Instant;
  readonly timeZone: string;
  /** The last 30 complete local days; missing days had no usage. */
  readonly recentDays: readonly DailyUsage[];
  /** Up to the last 3 complete months, oldest first. */
  readonly completeMonths: readonly MonthUsage[];
  /** Credits still usable next month: never-expiring, or expiring after it. */
  readonly carriedIntoNextMonth: Micros;
  /** Free credits the next month will bring. */
  readonly nextAllowance: Micros;
}

export interface NextMonthNeed {
  /** 'YYYY-MM' of next month. */
  readonly month: string;
  readonly days: number;
  readonly expectedUse: Micros;
  /** How the estimate was made, in one sentence. */
  readonly basis: string;
  /** min(expectedUse, carried + allowance). */
  readonly covered: Micros;
  /** max(0, expectedUse − carried − allowance), rounded up to whole credits. */
  readonly toBuy: Micros;
}

export const RECENT_DAYS = 30;
const MONTHS_CONSIDERED = 3;
const DAY_MS = 86_400_000;

interface Rate {
  readonly used: Micros;
  readonly days: number;
}

/**
 * Expected use = the daily rate of the last 30 complete local days × the days of next month. When
 * the complete months averaged more per day than the last 30 days, the dip may be a holiday rather
 * than a lasting change, and running dry costs more than buying a little early: the estimate is
 * then the mean of both rates, unless the months show a steady decline (each month below the one
 * before, and the last 30 days below the last month), which the recent rate already reflects.
 * A rising trend needs nothing more: the recent rate is the highest evidence and is used as is.
 *
 * Only entries of `recentDays` dated in the 30 local days before today count, so a partial today
 * or a stray older row cannot skew the rate; only the last 3 of `completeMonths` count.
 */
export function nextMonthNeed(input: NextMonthInput): NextMonthNeed {
  const { carriedIntoNextMonth, nextAllowance } = input;
  if (carriedIntoNextMonth < 0n || nextAllowance < 0n) {
    throw new RangeError('carriedIntoNextMonth and nextAllowance must not be negative');
  }
  const today = localDate(input.now, input.timeZone);
  const [year, month] = today.month === 12 ? [today.year + 1, 1] : [today.year, today.month + 1];
  const nextMonth = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
  const days = daysInMonth(year, month);

  const recent = recentRate(input.recentDays, Date.UTC(today.year, today.month - 1, today.day));
  const months = input.completeMonths.slice(-MONTHS_CONSIDERED).map(monthRate);
  const longer = months.reduce<Rate>(
    (sum, rate) => ({ used: sum.used + rate.used, days: sum.days + rate.days }),
    { used: 0n, days: 0 },
  );
  const recentUse = divideRoundHalfUp(recent.used * BigInt(days), BigInt(recent.days));
  const over = `× ${days} days in ${nextMonth}`;

  let expectedUse: Micros;
  let basis: string;
  if (recent.used === 0n && longer.used === 0n) {
    expectedUse = 0n;
    basis =
      months.length === 0
        ? `no usage in the last ${RECENT_DAYS} days`
        : `no usage in the last ${RECENT_DAYS} days or in ${monthsText(input.completeMonths)}`;
  } else if (months.length > 0 && isAbove(longer, recent) && !isDeclining(months, recent)) {
    const longerUse = divideRoundHalfUp(longer.used * BigInt(days), BigInt(longer.days));
    expectedUse = divideRoundHalfUp(recentUse + longerUse, 2n);
    basis =
      `the mean of ${rateText(recent)} over the last ${RECENT_DAYS} days and ${rateText(longer)} ` +
      `over ${monthsText(input.completeMonths)}, ${over}: recent usage is below the longer ` +
      `average but not in a steady decline, so both count half`;
  } else {
    expectedUse = recentUse;
    basis = `${rateText(recent)} over the last ${RECENT_DAYS} days ${over}`;
    if (months.length > 0 && isAbove(longer, recent)) {
      basis += `; usage fell month after month over ${monthsText(input.completeMonths)} and again since, so the lower recent rate is used`;
    } else if (months.length > 0) {
      basis += `, at or above the average of ${monthsText(input.completeMonths)} (${rateText(longer)})`;
    }
  }

  const usable = carriedIntoNextMonth + nextAllowance;
  const shortfall = expectedUse - usable;
  return {
    month: nextMonth,
    days,
    expectedUse,
    basis,
    covered: expectedUse < usable ? expectedUse : usable,
    toBuy: shortfall > 0n ? roundUpToCredit(shortfall) : 0n,
  };
}

/** Usage of the 30 local dates before `todayUtc` (today's date at UTC midnight), per day. */
function recentRate(recentDays: readonly DailyUsage[], todayUtc: number): Rate {
  const first = todayUtc - RECENT_DAYS * DAY_MS;
  let used = 0n;
  for (const usage of recentDays) {
    const day = utcMidnightOf(usage.day);
    if (day >= first && day < todayUtc) used += usage.used;
  }
  return { used, days: RECENT_DAYS };
}

function monthRate({ month, used }: MonthUsage): Rate {
  const match = /^(\d{4})-(\d{2})$/.exec(month);
  const number = Number(match?.[2]);
  if (!match || number < 1 || number > 12) {
    throw new RangeError(`not a month 'YYYY-MM': ${JSON.stringify(month)}`);
  }
  return { used, days: daysInMonth(Number(match[1]), number) };
}

/** Whether a's daily rate is above b's, exactly. */
function isAbove(a: Rate, b: Rate): boolean {
  return a.used * BigInt(b.days) > b.used * BigInt(a.days);
}

/** Each month below the one before (two months at least), and the recent days below the last. */
function isDeclining(months: readonly Rate[], recent: Rate): boolean {
  if (months.length < 2) return false;
  for (let index = 1; index < months.length; index += 1) {
    if (!isAbove(months[index - 1] as Rate, months[index] as Rate)) return false;
  }
  return isAbove(months[months.length - 1] as Rate, recent);
}

/** "about 33.33 credits a day": rounded to the hundredth of a credit for reading. */
function rateText({ used, days }: Rate): string {
  const step = BigInt(days) * (MICROS_PER_CREDIT / 100n);
  const rounded = divideRoundHalfUp(used, step) * (MICROS_PER_CREDIT / 100n);
  const about = used % step === 0n ? '' : 'about ';
  const unit = rounded === MICROS_PER_CREDIT ? 'credit' : 'credits';
  return `${about}${groupDecimal(formatCredits(rounded))} ${unit} a day`;
}

function monthsText(months: readonly MonthUsage[]): string {
  const considered = months.slice(-MONTHS_CONSIDERED);
  const first = considered[0]?.month ?? '';
  const last = considered[considered.length - 1]?.month ?? '';
  if (considered.length === 1) return first;
  return `the ${considered.length} complete months ${first} to ${last}`;
}

function roundUpToCredit(micros: Micros): Micros {
  return ((micros + MICROS_PER_CREDIT - 1n) / MICROS_PER_CREDIT) * MICROS_PER_CREDIT;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function utcMidnightOf(day: string): number {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  const midnight = match
    ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))
    : Number.NaN;
  if (Number.isNaN(midnight) || new Date(midnight).toISOString().slice(0, 10) !== day) {
    throw new RangeError(`not a local date 'YYYY-MM-DD': ${JSON.stringify(day)}`);
  }
  return midnight;
}
