/**
 * Allowances and project budgets at charge time. A charge or hold attributed to a user with an
 * allowance, or to a project with a budget, is checked against both in the same decision as the
 * pool (so concurrent charges can never push either past its limit), and counted in both when it
 * goes through. Voids, lapses, the unused part of captures and refunds give back what they had
 * counted, within the window it was counted in.
 */
import { formatCredits, type Micros } from '../core/amount.js';
import type { Instant } from '../core/period.js';
import { ok, refuse, type Result } from '../core/refusal.js';
import { giveBack, leftAt, spend, usedAt, windowOf, type SpendLimit } from '../core/spend-limit.js';
import type { Attribution } from './model.js';
import type { OrgDraft } from './org-draft.js';

type Spender = Pick<Attribution, 'user' | 'project'>;

/** The project a charge or hold names must exist and be open. */
export function checkProject(draft: OrgDraft, project: string | null): Result<void> {
  if (project === null) return ok(undefined);
  const found = draft.projects.get(project);
  if (!found) {
    return refuse('unknown_project', `no project ${project}: create it first`, { project });
  }
  if (found.archivedAt !== null) {
    return refuse('project_archived', `project ${project} is archived`, { project });
  }
  return ok(undefined);
}

function limitDetails(limit: SpendLimit, at: Instant, timeZone: string, required: Micros) {
  const window = windowOf(limit.period, at, timeZone);
  return {
    limit: limit.credits,
    period: limit.period,
    used: usedAt(limit, at, timeZone),
    left: leftAt(limit, at, timeZone),
    required,
    resetsAt: window.end === null ? null : new Date(window.end).toISOString(),
  };
}

/** Refuses `credits` more at `at` when the user's allowance or the project's budget lacks room. */
export function checkLimits(
  draft: OrgDraft,
  spender: Spender,
  credits: Micros,
  at: Instant,
): Result<void> {
  const zone = draft.org.timeZone;
  const allowance = spender.user === null ? undefined : draft.allowances.get(spender.user);
  if (allowance && credits > leftAt(allowance, at, zone)) {
    return refuse(
      'allowance_exceeded',
      `${spender.user} has ${formatCredits(leftAt(allowance, at, zone))} credits left of a ${allowance.period} allowance of ${formatCredits(allowance.credits)}`,
      { user: spender.user, ...limitDetails(allowance, at, zone, credits) },
    );
  }
  const budget = spender.project === null ? null : draft.projects.get(spender.project)?.budget;
  if (budget && credits > leftAt(budget, at, zone)) {
    return refuse(
      'project_budget_exceeded',
      `project ${spender.project} has ${formatCredits(leftAt(budget, at, zone))} credits left of its ${budget.period === 'total' ? 'total' : 'monthly'} budget of ${formatCredits(budget.credits)}`,
      { project: spender.project, ...limitDetails(budget, at, zone, credits) },
    );
  }
  return ok(undefined);
}

/** Counts `credits` spent at `at` against the user's allowance and the project's budget. */
export function countSpend(draft: OrgDraft, spender: Spender, credits: Micros, at: Instant): void {
  adjust(draft, spender, (limit) => spend(limit, at, draft.org.timeZone, credits));
}

/** Gives back `credits` counted at `spentAt`, if its window is still the current one. */
export function giveBackSpend(
  draft: OrgDraft,
  spender: Spender,
  credits: Micros,
  spentAt: Instant,
): void {
  adjust(draft, spender, (limit) => giveBack(limit, spentAt, draft.org.timeZone, credits));
}

function adjust(
  draft: OrgDraft,
  spender: Spender,
  change: <L extends SpendLimit>(limit: L) => L,
): void {
  const allowance = spender.user === null ? undefined : draft.allowances.get(spender.user);
  if (allowance) draft.touchAllowance(change(allowance));
  const project = spender.project === null ? undefined : draft.projects.get(spender.project);
  if (project?.budget) draft.touchProject({ ...project, budget: change(project.budget) });
}
