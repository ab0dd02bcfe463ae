/**
 * Reading what the schemas let through: exact amounts and instants. Each refusal names its
 * field, and is raised as a `RefusalError` for the error handler to render.
 */
import { parseCredits, type Micros } from '../core/amount.js';
import type { Result } from '../core/refusal.js';
import { RefusalError, refusalError } from './errors.js';

export function valueOf<T>(result: Result<T>): T {
  if (!result.ok) throw new RefusalError(result.refusal);
  return result.value;
}

export function creditsField(
  value: unknown,
  field: string,
  options: { allowZero?: boolean } = {},
): Micros {
  return valueOf(parseCredits(value, { field, allowZero: options.allowZero ?? false }));
}

export function optionalCredits(
  value: unknown,
  field: string,
  options: { allowZero?: boolean } = {},
): Micros | undefined {
  return value === undefined ? undefined : creditsField(value, field, options);
}

const WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** Whether the fields name a real time of a real day: no February 30th, no 24:00 (RFC 3339). */
function realDateTime(fields: number[]): boolean {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, offsetH = 0, offsetM = 0] =
    fields;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return (
    day >= 1 &&
    day <= days &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetH <= 23 &&
    offsetM <= 59
  );
}

/** An ISO 8601 timestamp with an offset, to the millisecond. */
export function instantField(value: string, field: string): number {
  const match = WITH_OFFSET.exec(value);
  const parsed = Date.parse(value);
  if (
    !match ||
    Number.isNaN(parsed) ||
    !realDateTime(match.slice(1).map((part) => Number(part ?? 0)))
  ) {
    throw refusalError('invalid_request', `${field} must be an ISO 8601 timestamp with an offset`, {
      field,
    });
  }
  return parsed;
}

export function optionalInstant(value: string | undefined, field: string): number | undefined {
  return value === undefined ? undefined : instantField(value, field);
}

/** Keyset cursors are opaque to clients: base64url of the last row's position. */
export function encodeCursor(cursor: { at: number; id: string }): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.id])).toString('base64url');
}

/** A cursor over rows ordered by id alone (the org list): base64url of the last id. */
export function encodeIdCursor(id: string): string {
  return Buffer.from(JSON.stringify([id])).toString('base64url');
}

export function decodeIdCursor(text: string): string {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString());
    if (Array.isArray(parsed) && parsed.length === 1 && typeof parsed[0] === 'string') {
      return parsed[0];
    }
  } catch {
    // fall through to the refusal
  }
  throw refusalError('invalid_request', 'cursor is not one this API gave', { field: 'cursor' });
}

export function decodeCursor(text: string): { at: number; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(text, 'base64url').toString()) as unknown[];
    if (typeof at === 'number' && Number.isSafeInteger(at) && typeof id === 'string')
      return { at, id };
  } catch {
    // fall through to the refusal
  }
  throw refusalError('invalid_request', 'cursor is not one this API gave', { field: 'cursor' });
}
