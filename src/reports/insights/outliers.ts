/**
 * Outliers: days, and single requests, that cost well above what was usual just before them. Each
 * one says why it was flagged, in figures a reader can check against the usage report: the amount,
 * the trailing median it was compared with, and the ratio between them.
 *
 * Pure: the caller reads the daily rollups (keyed by local date in the org's time zone) and passes
 * enough history before `from` to fill the first trailing windows.
 */
import { groupDecimal } from '../../billing/format-money.js';
import { formatCredits, MICROS_PER_CREDIT, type Micros } from '../../core/amount.js';
import { divideRoundHalfUp, parseDecimal, type Decimal } from '../../core/decimal.js';
import { medianOf } from './median.js';

export interface DailyUsage {
  /** Local date 'YYYY-MM-DD' in the org's time zone. */
  readonly day: string;
  readonly used: Micros;
  /** Number of usage transactions. */
  readonly count: number;
}

/** One feature's usage on one local day, with its most expensive single charge. */
export interface FeatureDay {
  readonly day: string;
  readonly feature: string;
  readonly used: Micros;
  readonly count: number;
  readonly largest: Micros;
  /** The charge id of `largest`. */
  readonly largestId: string | null;
}

export interface Outlier {
  readonly kind: 'day' | 'request';
  readonly day: string;
  /** For requests: the feature of the charge. */
  readonly feature: string | null;
  /** For requests: the charge id. */
  readonly transactionId: string | null;
  /** The day's usage, or the request's credits. */
  readonly credits: Micros;
  /** The trailing median it is compared with. */
  readonly baseline: Micros;
  /** credits / baseline with one decimal, rounded half up: "4.2". */
  readonly ratio: string;
  /** A sentence saying why, with exact grouped amounts. */
  readonly why: string;
}

export interface OutlierOptions {
  /** Days before each day that form its baseline. Default 14. */
  readonly trailingDays?: number;
  /** A day is flagged from this many times its baseline. Default 3. */
  readonly minRatio?: number;
  /** A request is flagged from this many times its baseline. Default 5. */
  readonly minRequestRatio?: number;
  /** Trailing days with usage needed before anything is flagged. Default 7. */
  readonly minHistoryDays?: number;
  /** Days and requests below this amount are never flagged. Default 1 credit. */
  readonly floor?: Micros;
}

const DAY_MS = 86_400_000;
const DAY_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;

interface Settings {
  readonly trailingDays: number;
  readonly minRatio: Decimal;
  readonly minRequestRatio: Decimal;
  readonly minHistoryDays: number;
  readonly floor: Micros;
}

interface Ranked {
  readonly dayNumber: number;
  readonly outlier: Outlier;
}

/**
 * Days in [from, to) whose usage is at least `minRatio` times the median of the trailing days that
 * had usage, and feature-days whose largest charge is at least `minRequestRatio` times the median
 * of that feature's average request cost over its trailing days. Newest first, then the largest
 * ratio first.
 *
 * Days without usage are left out of the medians (while still taking their place in the trailing
 * window): a quiet weekend is not the usual level of a weekday business, and counting its zeros
 * would halve the baseline and flag every ordinary Monday. For the same reason nothing is flagged
 * until the window holds `minHistoryDays` days with usage: a new org's second day is not unusual.
 * The threshold is checked on the exact ratio; `ratio` is only its rounded display.
 */
export function findOutliers(
  days: readonly DailyUsage[],
  features: readonly FeatureDay[],
  from: string,
  to: string,
  options: OutlierOptions = {},
): Outlier[] {
  const settings = settingsOf(options);
  const first = dayNumberOf(from);
  const end = dayNumberOf(to);
  const ranked = [
    ...dayOutliers(days, first, end, settings),
    ...requestOutliers(features, first, end, settings),
  ];
  ranked.sort(compareRanked);
  return ranked.map((item) => item.outlier);
}

function dayOutliers(
  days: readonly DailyUsage[],
  first: number,
  end: number,
  settings: Settings,
): Ranked[] {
  const usedByDay = new Map<number, Micros>();
  for (const usage of days) {
    const day = dayNumberOf(usage.day);
    usedByDay.set(day, (usedByDay.get(day) ?? 0n) + usage.used);
  }
  const found: Ranked[] = [];
  for (let day = first; day < end; day += 1) {
    const used = usedByDay.get(day) ?? 0n;
    if (used <= 0n || used < settings.floor) continue;
    const history = trailing(day, settings.trailingDays, (past) => {
      const value = usedByDay.get(past);
      return value !== undefined && value > 0n ? value : undefined;
    });
    if (history.length < settings.minHistoryDays) continue;
    const baseline = medianOf(history);
    if (!reaches(used, baseline, settings.minRatio)) continue;
    const ratio = ratioText(used, baseline);
    const compared =
      history.length === settings.trailingDays
        ? `the median day of the ${settings.trailingDays} before`
        : `the median of the ${daysText(history.length)} with usage in the ${settings.trailingDays} before`;
    found.push({
      dayNumber: day,
      outlier: {
        kind: 'day',
        day: dayNameOf(day),
        feature: null,
        transactionId: null,
        credits: used,
        baseline,
        ratio,
        why: `${creditsText(used)} used, ${groupDecimal(ratio)}× ${compared} (${creditsText(baseline)})`,
      },
    });
  }
  return found;
}

function requestOutliers(
  features: readonly FeatureDay[],
  first: number,
  end: number,
  settings: Settings,
): Ranked[] {
  const found: Ranked[] = [];
  for (const [feature, byDay] of featureDaysOf(features)) {
    for (const [day, usage] of byDay) {
      if (day < first || day >= end) continue;
      const largest = usage.largest;
      if (largest <= 0n || largest < settings.floor) continue;
      const history = trailing(day, settings.trailingDays, (past) => {
        const pastUsage = byDay.get(past);
        if (pastUsage === undefined || pastUsage.count <= 0 || pastUsage.used <= 0n) {
          return undefined;
        }
        return divideRoundHalfUp(pastUsage.used, BigInt(pastUsage.count));
      });
      if (history.length < settings.minHistoryDays) continue;
      const baseline = medianOf(history);
      // Costs below half a micro-credit average to zero; no ratio can be said against nothing.
      if (baseline <= 0n || !reaches(largest, baseline, settings.minRequestRatio)) continue;
      const ratio = ratioText(largest, baseline);
      const compared =
        history.length === settings.trailingDays
          ? `the median request of the ${settings.trailingDays} days before`
          : `the median request of the ${daysText(history.length)} with ${feature} usage in the ${settings.trailingDays} before`;
      found.push({
        dayNumber: day,
        outlier: {
          kind: 'request',
          day: dayNameOf(day),
          feature,
          transactionId: usage.largestId,
          credits: largest,
          baseline,
          ratio,
          why: `one ${feature} request of ${creditsText(largest)}, ${groupDecimal(ratio)}× ${compared} (${creditsText(baseline)})`,
        },
      });
    }
  }
  return found;
}

interface MergedFeatureDay {
  used: Micros;
  count: number;
  largest: Micros;
  largestId: string | null;
}

/** Feature → day number → usage; rows repeated for one feature and day are merged. */
function featureDaysOf(
  features: readonly FeatureDay[],
): Map<string, Map<number, MergedFeatureDay>> {
  const byFeature = new Map<string, Map<number, MergedFeatureDay>>();
  for (const row of features) {
    const day = dayNumberOf(row.day);
    let byDay = byFeature.get(row.feature);
    if (!byDay) {
      byDay = new Map();
      byFeature.set(row.feature, byDay);
    }
    const merged = byDay.get(day);
    if (!merged) {
      const { used, count, largest, largestId } = row;
      byDay.set(day, { used, count, largest, largestId });
      continue;
    }
    merged.used += row.used;
    merged.count += row.count;
    if (row.largest > merged.largest) {
      merged.largest = row.largest;
      merged.largestId = row.largestId;
    }
  }
  return byFeature;
}

/** The defined values of `valueOn` over the `length` days before `day`. */
function trailing(
  day: number,
  length: number,
  valueOn: (day: number) => Micros | undefined,
): Micros[] {
  const values: Micros[] = [];
  for (let past = day - length; past < day; past += 1) {
    const value = valueOn(past);
    if (value !== undefined) values.push(value);
  }
  return values;
}

/** Whether amount ≥ ratio × baseline, exactly: ratio is a decimal units / 10^scale. */
function reaches(amount: Micros, baseline: Micros, ratio: Decimal): boolean {
  return amount * 10n ** BigInt(ratio.scale) >= ratio.units * baseline;
}

/** amount / baseline with one decimal, rounded half up: "4.2". */
function ratioText(amount: Micros, baseline: Micros): string {
  const tenths = divideRoundHalfUp(amount * 10n, baseline);
  return `${tenths / 10n}.${tenths % 10n}`;
}

function creditsText(micros: Micros): string {
  const unit = micros === MICROS_PER_CREDIT ? 'credit' : 'credits';
  return `${groupDecimal(formatCredits(micros))} ${unit}`;
}

function daysText(count: number): string {
  return count === 1 ? '1 day' : `${count} days`;
}

function compareRanked(a: Ranked, b: Ranked): number {
  if (a.dayNumber !== b.dayNumber) return b.dayNumber - a.dayNumber;
  // Larger ratio first, compared exactly: a.credits / a.baseline vs b.credits / b.baseline.
  const left = a.outlier.credits * b.outlier.baseline;
  const right = b.outlier.credits * a.outlier.baseline;
  if (left !== right) return left > right ? -1 : 1;
  if (a.outlier.kind !== b.outlier.kind) return a.outlier.kind === 'day' ? -1 : 1;
  return (
    compareText(a.outlier.feature ?? '', b.outlier.feature ?? '') ||
    compareText(a.outlier.transactionId ?? '', b.outlier.transactionId ?? '')
  );
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function settingsOf(options: OutlierOptions): Settings {
  const trailingDays = options.trailingDays ?? 14;
  const minHistoryDays = options.minHistoryDays ?? 7;
  const floor = options.floor ?? MICROS_PER_CREDIT;
  if (!Number.isInteger(trailingDays) || trailingDays < 1) {
    throw new RangeError(`trailingDays must be a positive integer, not ${trailingDays}`);
  }
  if (!Number.isInteger(minHistoryDays) || minHistoryDays < 1) {
    throw new RangeError(`minHistoryDays must be a positive integer, not ${minHistoryDays}`);
  }
  if (floor < 0n) throw new RangeError('floor must not be negative');
  return {
    trailingDays,
    minHistoryDays,
    floor,
    minRatio: ratioOption('minRatio', options.minRatio ?? 3),
    minRequestRatio: ratioOption('minRequestRatio', options.minRequestRatio ?? 5),
  };
}

/** A threshold as an exact decimal, so 2.5 compares as two and a half, not as a float. */
function ratioOption(name: string, value: number): Decimal {
  const decimal = parseDecimal(value);
  if (!decimal.ok || decimal.value.units <= 0n) {
    throw new RangeError(`${name} must be a positive number, not ${value}`);
  }
  return decimal.value;
}

/** Days since 1970-01-01 of a local date 'YYYY-MM-DD': calendar arithmetic, no time zone. */
function dayNumberOf(day: string): number {
  const match = DAY_TEXT.exec(day);
  if (match) {
    const number = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
    if (dayNameOf(number) === day) return number;
  }
  throw new RangeError(`not a local date 'YYYY-MM-DD': ${JSON.stringify(day)}`);
}

function dayNameOf(dayNumber: number): string {
  return new Date(dayNumber * DAY_MS).toISOString().slice(0, 10);
}
