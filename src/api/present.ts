/** Records to the public JSON of DESIGN.md section 4: decimal strings and ISO timestamps. */
import type { ApiKey, Member, Suspension } from '../access/model.js';
import { formatCredits, type Micros } from '../core/amount.js';
import type { Draw, Grant, GrantKind } from '../core/grant.js';
import type { Balance } from '../ledger/balance.js';
import type { GrantResult } from '../ledger/grant-credits.js';
import type { FeaturePrice, Statement } from '../ledger/ledger.js';
import type { Hold, Org, TransactionRow } from '../ledger/model.js';
import type { AllowanceView, LimitStatus, ProjectView } from '../ledger/spending-settings.js';

export const iso = (instant: number): string => new Date(instant).toISOString();
const isoOrNull = (instant: number | null): string | null =>
  instant === null ? null : iso(instant);

function byKind<T, R>(
  record: Readonly<Record<GrantKind, T>>,
  present: (value: T) => R,
): Record<GrantKind, R> {
  return Object.fromEntries(
    Object.entries(record).map(([kind, value]) => [kind, present(value as T)]),
  ) as Record<GrantKind, R>;
}

export const presentDraws = (draws: readonly Draw[]) =>
  draws.map((draw) => ({
    grantId: draw.grantId,
    kind: draw.kind,
    credits: formatCredits(draw.credits),
  }));

export function presentOrg(org: Org, suspension?: Suspension) {
  return {
    id: org.id,
    name: org.name,
    timezone: org.timeZone,
    plan: org.plan,
    createdAt: iso(org.createdAt),
    suspendedAt: suspension ? iso(suspension.suspendedAt) : null,
    suspendReason: suspension?.reason ?? null,
  };
}

export function presentGrant(grant: Grant | GrantResult) {
  return {
    id: grant.id,
    kind: grant.kind,
    credits: formatCredits(grant.amount),
    remaining: formatCredits(grant.remaining),
    held: formatCredits(grant.held),
    effectiveAt: iso(grant.effectiveAt),
    expiresAt: isoOrNull(grant.expiresAt),
    priority: grant.priority,
    note: grant.note,
    recurrence:
      'recurrence' in grant
        ? grant.recurrence
        : grant.scheduleId === null
          ? null
          : ('monthly' as const),
  };
}

export function presentFeature(feature: FeaturePrice) {
  return {
    id: feature.id,
    name: feature.name,
    prices: feature.lines.map((line) => ({
      unit: line.unit,
      credits: formatCredits(line.credits),
      per: decimalText(line.per.units, line.per.scale),
    })),
    effectiveAt: iso(feature.effectiveAt),
  };
}

function decimalText(units: bigint, scale: number): string {
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** A charge: its credits are what it spent, positive. */
export function presentCharge(row: TransactionRow) {
  return {
    id: row.id,
    feature: row.feature ?? '',
    credits: formatCredits(-row.credits),
    status: row.status === 'failed' ? ('failed' as const) : ('succeeded' as const),
    balanceAfter: formatCredits(row.balanceAfter),
    draws: presentDraws(row.draws),
    at: iso(row.at),
    quantities: row.quantities,
    user: row.user,
    project: row.project,
    model: row.model,
    note: row.note,
    metadata: row.metadata,
    holdId: row.holdId,
  };
}

/** A log row: credits signed. */
export function presentTransaction(row: TransactionRow) {
  return {
    id: row.id,
    type: row.type,
    feature: row.feature,
    credits: formatCredits(row.credits),
    held: formatCredits(row.held),
    status: row.status,
    balanceAfter: formatCredits(row.balanceAfter),
    user: row.user,
    project: row.project,
    model: row.model,
    quantities: row.quantities,
    draws: presentDraws(row.draws),
    note: row.note,
    metadata: row.metadata,
    holdId: row.holdId,
    chargeId: row.chargeId,
    reason: row.reason,
    at: iso(row.at),
  };
}

export function presentHold(hold: Hold) {
  return {
    id: hold.id,
    feature: hold.feature,
    credits: formatCredits(hold.credits),
    status: hold.status,
    expiresAt: iso(hold.expiresAt),
    createdAt: iso(hold.createdAt),
    resolvedAt: isoOrNull(hold.resolvedAt),
    chargeId: hold.chargeId,
    quantities: hold.quantities,
    user: hold.user,
    project: hold.project,
    model: hold.model,
    note: hold.note,
  };
}

export function presentBalance(balance: Balance) {
  return {
    available: formatCredits(balance.available),
    held: formatCredits(balance.held),
    byKind: byKind(balance.byKind, (value: Micros) => formatCredits(value)),
    nextExpiry: balance.nextExpiry
      ? { credits: formatCredits(balance.nextExpiry.credits), at: iso(balance.nextExpiry.at) }
      : null,
    at: iso(balance.at),
  };
}

export function presentStatement(statement: Statement) {
  const flows = (row: {
    opening: Micros;
    added: Micros;
    consumed: Micros;
    expired: Micros;
    closing: Micros;
  }) => ({
    opening: formatCredits(row.opening),
    added: formatCredits(row.added),
    consumed: formatCredits(row.consumed),
    expired: formatCredits(row.expired),
    closing: formatCredits(row.closing),
  });
  return {
    month: statement.month,
    start: iso(statement.start),
    end: iso(statement.end),
    final: statement.final,
    ...flows(statement),
    carriedForward: formatCredits(statement.carriedForward),
    byKind: byKind(statement.byKind, flows),
    usageCount: statement.usageCount,
  };
}

export function presentKey(key: ApiKey) {
  return {
    id: key.id,
    name: key.name,
    role: key.role,
    prefix: key.prefix,
    createdAt: iso(key.createdAt),
    lastUsedAt: isoOrNull(key.lastUsedAt),
    revokedAt: isoOrNull(key.revokedAt),
  };
}

export function presentMember(member: Member) {
  return {
    id: member.id,
    email: member.email,
    name: member.name,
    role: member.role,
    createdAt: iso(member.createdAt),
  };
}

function presentLimit(status: LimitStatus) {
  return {
    credits: formatCredits(status.credits),
    period: status.period,
    used: formatCredits(status.used),
    left: formatCredits(status.left),
    periodStart: status.period === 'total' ? null : iso(status.windowStart),
    resetsAt: isoOrNull(status.resetsAt),
  };
}

export function presentProject(project: ProjectView) {
  return {
    id: project.id,
    name: project.name,
    createdAt: iso(project.createdAt),
    archivedAt: isoOrNull(project.archivedAt),
    budget: project.budget ? presentLimit(project.budget) : null,
  };
}

export function presentAllowance(allowance: AllowanceView) {
  return { user: allowance.user, ...presentLimit(allowance), createdAt: iso(allowance.createdAt) };
}
