/**
 * Plans and credit packs as root defines them: checked here, so that a price is never negative,
 * a currency is a real ISO 4217 code and nothing is a float.
 */
import { formatCredits, MICROS_PER_CREDIT, type Micros } from '../core/amount.js';
import type { Instant } from '../core/period.js';
import { invalid, ok, type Result } from '../core/refusal.js';
import type { Pack, Plan } from './model.js';

/** Far above any real price, far below what 64-bit sums can hold. */
export const MAX_MONEY = 1_000_000_000_000n;
const MAX_CREDITS = 1_000_000_000_000n * MICROS_PER_CREDIT;
const MAX_NAME = 200;
const MAX_DESCRIPTION = 2000;

export interface PlanInput {
  name: string;
  description?: string;
  currency: string;
  pricePerCredit: bigint;
  monthlyFee?: bigint;
  monthlyAllowance?: Micros;
  expires?: boolean;
  archived?: boolean;
}

export interface PackInput {
  name: string;
  credits: Micros;
  price: bigint;
  currency: string;
  archived?: boolean;
}

export function isCatalogId(id: string): boolean {
  return /^[a-z0-9][a-z0-9-]{0,63}$/.test(id);
}

/** ISO 4217 codes that Intl knows, so amounts can be printed with the right decimals. */
export function isCurrency(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  return Intl.supportedValuesOf('currency').includes(code);
}

function checkId(id: string): Result<void> {
  return isCatalogId(id)
    ? ok(undefined)
    : invalid('id', 'an id is 1 to 64 lowercase letters, digits and dashes');
}

function checkName(name: string): Result<string> {
  const trimmed = name.trim();
  return trimmed.length === 0 || trimmed.length > MAX_NAME
    ? invalid('name', `name must be 1 to ${MAX_NAME} characters`)
    : ok(trimmed);
}

function checkMoney(field: string, amount: bigint): Result<void> {
  return amount < 0n || amount > MAX_MONEY
    ? invalid(field, `${field} must be a whole number of minor units from 0 to ${MAX_MONEY}`)
    : ok(undefined);
}

export function planOf(
  id: string,
  input: PlanInput,
  existing: Plan | undefined,
  now: Instant,
): Result<Plan> {
  const checkedId = checkId(id);
  if (!checkedId.ok) return checkedId;
  const name = checkName(input.name);
  if (!name.ok) return name;
  const description = (input.description ?? '').trim();
  if (description.length > MAX_DESCRIPTION) {
    return invalid('description', `description may be at most ${MAX_DESCRIPTION} characters`);
  }
  if (!isCurrency(input.currency)) {
    return invalid('currency', 'currency must be an ISO 4217 code in upper case, like USD');
  }
  const monthlyFee = input.monthlyFee ?? 0n;
  for (const [field, amount] of [
    ['pricePerCredit', input.pricePerCredit],
    ['monthlyFee', monthlyFee],
  ] as const) {
    const money = checkMoney(field, amount);
    if (!money.ok) return money;
  }
  const monthlyAllowance = input.monthlyAllowance ?? 0n;
  if (monthlyAllowance < 0n || monthlyAllowance > MAX_CREDITS) {
    return invalid(
      'monthlyAllowance',
      `monthlyAllowance must be from 0 to ${formatCredits(MAX_CREDITS)} credits`,
    );
  }
  return ok({
    id,
    name: name.value,
    description,
    currency: input.currency,
    pricePerCredit: input.pricePerCredit,
    monthlyFee,
    monthlyAllowance,
    expires: input.expires ?? monthlyFee > 0n,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    archivedAt: archivedAt(input.archived, existing?.archivedAt ?? null, now),
  });
}

export function packOf(
  id: string,
  input: PackInput,
  existing: Pack | undefined,
  now: Instant,
): Result<Pack> {
  const checkedId = checkId(id);
  if (!checkedId.ok) return checkedId;
  const name = checkName(input.name);
  if (!name.ok) return name;
  if (input.credits <= 0n || input.credits > MAX_CREDITS) {
    return invalid(
      'credits',
      `credits must be more than 0 and at most ${formatCredits(MAX_CREDITS)}`,
    );
  }
  if (!isCurrency(input.currency)) {
    return invalid('currency', 'currency must be an ISO 4217 code in upper case, like USD');
  }
  const price = checkMoney('price', input.price);
  if (!price.ok) return price;
  return ok({
    id,
    name: name.value,
    credits: input.credits,
    price: input.price,
    currency: input.currency,
    createdAt: existing?.createdAt ?? now,
    updatedAt: now,
    archivedAt: archivedAt(input.archived, existing?.archivedAt ?? null, now),
  });
}

function archivedAt(archived: boolean | undefined, was: Instant | null, now: Instant) {
  if (archived === undefined) return was;
  return archived ? (was ?? now) : null;
}
