/**
 * Rows to records and back. Integers arrive as `bigint` (the connection reads every integer
 * safely); instants become numbers of milliseconds, amounts stay `bigint`.
 */
import type { Draw, Grant, GrantKind } from '../core/grant.js';
import type { PriceLine } from '../core/price.js';
import type { LimitPeriod } from '../core/spend-limit.js';
import type {
  Allowance,
  Hold,
  HoldStatus,
  Org,
  PriceVersion,
  Project,
  Schedule,
  Transaction,
  TransactionStatus,
  TransactionType,
} from '../ledger/model.js';

type Row = Record<string, unknown>;

const instant = (value: unknown): number => Number(value as bigint);
const optionalInstant = (value: unknown): number | null => (value === null ? null : instant(value));
const amount = (value: unknown): bigint => value as bigint;
const text = (value: unknown): string => value as string;
const optionalText = (value: unknown): string | null => (value === null ? null : (value as string));

export function drawsToJson(draws: readonly Draw[]): string {
  return JSON.stringify(draws.map((draw) => ({ ...draw, credits: draw.credits.toString() })));
}

export function drawsFromJson(json: unknown): Draw[] {
  return (
    JSON.parse(json as string) as { grantId: string; kind: GrantKind; credits: string }[]
  ).map((draw) => ({ grantId: draw.grantId, kind: draw.kind, credits: BigInt(draw.credits) }));
}

export function jsonOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function parsedOrNull<T>(value: unknown): T | null {
  return value === null ? null : (JSON.parse(value as string) as T);
}

export function orgFromRow(row: Row): Org {
  return {
    id: text(row.id),
    name: text(row.name),
    timeZone: text(row.time_zone),
    plan: optionalText(row.plan),
    createdAt: instant(row.created_at),
    clock: instant(row.clock),
  };
}

export function grantFromRow(row: Row): Grant {
  return {
    id: text(row.id),
    orgId: text(row.org_id),
    kind: text(row.kind) as GrantKind,
    amount: amount(row.amount),
    remaining: amount(row.remaining),
    held: amount(row.held),
    effectiveAt: instant(row.effective_at),
    expiresAt: optionalInstant(row.expires_at),
    priority: Number(row.priority as bigint),
    note: optionalText(row.note),
    scheduleId: optionalText(row.schedule_id),
  };
}

export function scheduleFromRow(row: Row): Schedule {
  return {
    id: text(row.id),
    orgId: text(row.org_id),
    kind: text(row.kind) as GrantKind,
    credits: amount(row.credits),
    priority: Number(row.priority as bigint),
    note: optionalText(row.note),
    nextAt: instant(row.next_at),
    endAt: optionalInstant(row.end_at),
  };
}

export function holdFromRow(row: Row): Hold {
  return {
    id: text(row.id),
    orgId: text(row.org_id),
    status: text(row.status) as HoldStatus,
    feature: text(row.feature),
    quantities: parsedOrNull(row.quantities),
    credits: amount(row.credits),
    reservations: drawsFromJson(row.reservations),
    createdAt: instant(row.created_at),
    expiresAt: instant(row.expires_at),
    resolvedAt: optionalInstant(row.resolved_at),
    chargeId: optionalText(row.charge_id),
    user: optionalText(row.user),
    project: optionalText(row.project),
    model: optionalText(row.model),
    note: optionalText(row.note),
    metadata: parsedOrNull(row.metadata),
  };
}

export function transactionFromRow(row: Row): Transaction {
  return {
    id: text(row.id),
    orgId: text(row.org_id),
    type: text(row.type) as TransactionType,
    at: instant(row.at),
    status: text(row.status) as TransactionStatus,
    feature: optionalText(row.feature),
    credits: amount(row.credits),
    held: amount(row.held),
    balanceAfter: amount(row.balance_after),
    user: optionalText(row.user),
    project: optionalText(row.project),
    model: optionalText(row.model),
    quantities: parsedOrNull(row.quantities),
    draws: drawsFromJson(row.draws),
    note: optionalText(row.note),
    metadata: parsedOrNull(row.metadata),
    holdId: optionalText(row.hold_id),
    chargeId: optionalText(row.charge_id),
    reason: optionalText(row.reason),
    entries: [],
  };
}

export function priceLinesToJson(lines: readonly PriceLine[]): string {
  return JSON.stringify(
    lines.map((line) => ({
      unit: line.unit,
      credits: line.credits.toString(),
      per: { units: line.per.units.toString(), scale: line.per.scale },
    })),
  );
}

export function priceVersionFromRow(row: Row): PriceVersion {
  const lines = JSON.parse(text(row.lines)) as {
    unit: string;
    credits: string;
    per: { units: string; scale: number };
  }[];
  return {
    featureId: text(row.feature_id),
    name: text(row.name),
    effectiveAt: instant(row.effective_at),
    lines: lines.map((line) => ({
      unit: line.unit,
      credits: BigInt(line.credits),
      per: { units: BigInt(line.per.units), scale: line.per.scale },
    })),
  };
}

export function projectFromRow(row: Row): Project {
  return {
    id: text(row.id),
    orgId: text(row.org_id),
    name: text(row.name),
    createdAt: instant(row.created_at),
    archivedAt: optionalInstant(row.archived_at),
    budget:
      row.budget_credits === null
        ? null
        : {
            credits: amount(row.budget_credits),
            period: text(row.budget_period) as 'month' | 'total',
            windowStart: instant(row.budget_window_start),
            used: amount(row.budget_used),
          },
  };
}

/** A project as the columns of its row, in the order of `PROJECT_COLUMNS`. */
export function projectToRow(project: Project): unknown[] {
  const { budget } = project;
  return [
    project.orgId,
    project.id,
    project.name,
    project.createdAt,
    project.archivedAt,
    budget?.credits ?? null,
    budget?.period ?? null,
    budget?.windowStart ?? null,
    budget?.used ?? null,
  ];
}

export const PROJECT_COLUMNS =
  'org_id, id, name, created_at, archived_at, budget_credits, budget_period, budget_window_start, budget_used';

export function allowanceFromRow(row: Row): Allowance {
  return {
    orgId: text(row.org_id),
    user: text(row.user),
    credits: amount(row.credits),
    period: text(row.period) as LimitPeriod,
    windowStart: instant(row.window_start),
    used: amount(row.used),
    createdAt: instant(row.created_at),
    removedAt: optionalInstant(row.removed_at),
  };
}

/** An allowance as the columns of its row, in the order of `ALLOWANCE_COLUMNS`. */
export function allowanceToRow(allowance: Allowance): unknown[] {
  return [
    allowance.orgId,
    allowance.user,
    allowance.credits,
    allowance.period,
    allowance.windowStart,
    allowance.used,
    allowance.createdAt,
    allowance.removedAt,
  ];
}

export const ALLOWANCE_COLUMNS =
  'org_id, "user", credits, period, window_start, used, created_at, removed_at';
