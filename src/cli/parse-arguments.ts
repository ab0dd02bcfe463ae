/** Reading command-line values; each mistake is a `UsageError` naming the option. */
import { UsageError } from './cli-errors.js';
import { zonedInstant } from './zoned-time.js';

const DECIMAL = /^\d+(\.\d+)?$/;
const UNIT = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface PriceLineArg {
  unit: string;
  credits: string;
  per: string;
}

/** `--price action=2`, `--price input_tokens=0.5/1000`, or a bare `--price 8` (one action). */
export function parsePriceLine(text: string): PriceLineArg {
  const bare = DECIMAL.test(text) ? `action=${text}` : text;
  const match = /^([^=]+)=([^/]+)(?:\/(.+))?$/.exec(bare);
  const [, unit = '', credits = '', per = '1'] = match ?? [];
  if (!match || !UNIT.test(unit) || !DECIMAL.test(credits) || !DECIMAL.test(per)) {
    throw new UsageError(
      `--price takes <unit>=<credits>[/<per>], e.g. action=2 or input_tokens=0.5/1000, not "${text}"`,
    );
  }
  return { unit, credits, per };
}

/** `--qty input_tokens=1200` → ["input_tokens", "1200"]. */
export function parseQuantity(text: string): [string, string] {
  const match = /^([^=]+)=(.+)$/.exec(text);
  const [, unit = '', quantity = ''] = match ?? [];
  if (!match || !UNIT.test(unit) || !DECIMAL.test(quantity)) {
    throw new UsageError(`--qty takes <unit>=<number>, e.g. output_tokens=350, not "${text}"`);
  }
  return [unit, quantity];
}

export function parseQuantities(texts: readonly string[] | undefined): Record<string, string> {
  const quantities: Record<string, string> = {};
  for (const text of texts ?? []) {
    const [unit, quantity] = parseQuantity(text);
    if (unit in quantities) throw new UsageError(`--qty names ${unit} twice`);
    quantities[unit] = quantity;
  }
  return quantities;
}

export function parseCredits(text: string, option: string): string {
  if (!DECIMAL.test(text)) {
    throw new UsageError(`${option} takes credits as a decimal number (1500, 0.25), not "${text}"`);
  }
  return text;
}

export function parseInteger(
  text: string,
  option: string,
  range: { min: number; max: number },
): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < range.min || value > range.max) {
    throw new UsageError(
      `${option} takes a whole number from ${range.min} to ${range.max}, not "${text}"`,
    );
  }
  return value;
}

export function parseMonth(text: string): string {
  const match = /^(\d{4})-(\d{2})$/.exec(text);
  const month = Number(match?.[2]);
  if (!match || month < 1 || month > 12) {
    throw new UsageError(`the month is YYYY-MM, e.g. 2026-03, not "${text}"`);
  }
  return text;
}

/** A local date, YYYY-MM-DD, as the reports take them (in the org's time zone). */
export function parseDay(text: string, option: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = match ? new Date(`${text}T00:00:00Z`) : undefined;
  if (!date || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
    throw new UsageError(
      `${option} takes a date, YYYY-MM-DD (in the org's time zone), not "${text}"`,
    );
  }
  return text;
}

/** One of `allowed`, or a usage error listing them. */
export function parseChoice<T extends string>(
  text: string,
  option: string,
  allowed: readonly T[],
): T {
  const found = allowed.find((value) => value === text);
  if (found === undefined) {
    throw new UsageError(`${option} takes ${allowed.join(', ')}, not "${text}"`);
  }
  return found;
}

const WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;
const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/** Whether `parseInstant` needs the org's time zone to read `text` (no offset given). */
export function needsTimeZone(text: string | undefined): boolean {
  return text !== undefined && WALL_CLOCK.test(text.trim());
}

/**
 * An instant for the API, as ISO 8601 with an offset. Accepts `now`, a timestamp with an offset
 * (`2026-03-01T09:30:00+01:00`, `…Z`), or a date or wall-clock time without one
 * (`2026-03-01`, `2026-03-01 09:30`), read in `timeZone` (the org's).
 */
export function parseInstant(text: string, option: string, timeZone = 'UTC'): string {
  const trimmed = text.trim();
  if (trimmed === 'now') return new Date().toISOString();
  if (WITH_OFFSET.test(trimmed) && !Number.isNaN(Date.parse(trimmed))) return trimmed;
  const wall = WALL_CLOCK.exec(trimmed);
  if (wall) {
    const [year, month, day, hour, minute, second] = wall.slice(1).map((part) => Number(part ?? 0));
    const calendar = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1));
    const valid =
      calendar.getUTCMonth() + 1 === month &&
      calendar.getUTCDate() === day &&
      (hour ?? 0) <= 23 &&
      (minute ?? 0) <= 59 &&
      (second ?? 0) <= 59;
    if (valid) {
      const msOfDay = (((hour ?? 0) * 60 + (minute ?? 0)) * 60 + (second ?? 0)) * 1000;
      const instant = zonedInstant(year ?? 0, month ?? 1, day ?? 1, msOfDay, timeZone);
      if (!Number.isNaN(instant)) return new Date(instant).toISOString();
    }
  }
  throw new UsageError(
    `${option} takes a time such as 2026-03-01, "2026-03-01 09:30" (in the org's time zone) or 2026-03-01T09:30:00+01:00, not "${text}"`,
  );
}
