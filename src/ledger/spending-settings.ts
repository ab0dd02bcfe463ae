/**
 * Projects and allowances as an admin sets them: create, rename, archive, budget; give a user an
 * allowance, change it, remove it. Each is a write of the org like any other (idempotent, one
 * writer per org), but it does not move the org's clock: setting a budget is not an entry of the
 * ledger, and must not refuse entries dated before it.
 */
import { MAX_MICROS, type Micros } from '../core/amount.js';
import type { Instant } from '../core/period.js';
import { invalid, ok, refuse, type Result } from '../core/refusal.js';
import {
  isLimitPeriod,
  leftAt,
  usedAt,
  windowOf,
  type LimitPeriod,
  type SpendLimit,
} from '../core/spend-limit.js';
import { MAX_NAME_LENGTH } from './inputs.js';
import type { Allowance, Project } from './model.js';
import type { OrgDraft } from './org-draft.js';

export interface BudgetInput {
  credits: Micros;
  period: 'month' | 'total';
}

export interface CreateProjectInput {
  id: string;
  name: string;
  budget?: BudgetInput | null;
}

export interface UpdateProjectInput {
  name?: string;
  /** Null removes the budget. */
  budget?: BudgetInput | null;
  archived?: boolean;
}

export interface AllowanceInput {
  credits: Micros;
  period: LimitPeriod;
}

/** Where a limit stands at an instant: what it counted in the current window and what is left. */
export interface LimitStatus {
  readonly credits: Micros;
  readonly period: LimitPeriod;
  readonly used: Micros;
  readonly left: Micros;
  readonly windowStart: Instant;
  /** When the window resets; null for a total. */
  readonly resetsAt: Instant | null;
}

export function limitStatus(limit: SpendLimit, at: Instant, timeZone: string): LimitStatus {
  const window = windowOf(limit.period, at, timeZone);
  return {
    credits: limit.credits,
    period: limit.period,
    used: usedAt(limit, at, timeZone),
    left: leftAt(limit, at, timeZone),
    windowStart: window.start,
    resetsAt: window.end,
  };
}

/** A project as callers see it: its budget with what is used and left now. */
export interface ProjectView extends Omit<Project, 'budget'> {
  readonly budget: LimitStatus | null;
}

/** An allowance as callers see it, with what is used and left now. */
export interface AllowanceView extends LimitStatus {
  readonly user: string;
  readonly createdAt: Instant;
}

export function projectView(project: Project, at: Instant, timeZone: string): ProjectView {
  return {
    ...project,
    budget: project.budget ? limitStatus(project.budget, at, timeZone) : null,
  };
}

export function allowanceView(allowance: Allowance, at: Instant, timeZone: string): AllowanceView {
  return {
    ...limitStatus(allowance, at, timeZone),
    user: allowance.user,
    createdAt: allowance.createdAt,
  };
}

const PROJECT_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
export const MAX_USER_LENGTH = 200;

function checkLimitCredits(field: string, credits: Micros): Result<void> {
  if (credits < 0n) return invalid(field, `${field} must not be negative`);
  if (credits > MAX_MICROS) return invalid(field, `${field} is more than Tally can hold`);
  return ok(undefined);
}

function checkName(name: string): Result<string> {
  const trimmed = name.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_NAME_LENGTH) {
    return invalid('name', `name must be 1 to ${MAX_NAME_LENGTH} characters`);
  }
  return ok(trimmed);
}

/**
 * A budget as set at `now`: what the current window already counted stays counted when only the
 * amount changes; a new period starts counting afresh.
 */
function budgetFrom(
  input: BudgetInput,
  previous: Project['budget'],
  now: Instant,
  timeZone: string,
): Result<NonNullable<Project['budget']>> {
  const checked = checkLimitCredits('budget.credits', input.credits);
  if (!checked.ok) return checked;
  if (input.period !== 'month' && input.period !== 'total') {
    return invalid('budget.period', 'a project budget is per month or in total');
  }
  if (previous && previous.period === input.period) {
    return ok({ ...previous, credits: input.credits });
  }
  return ok({
    credits: input.credits,
    period: input.period,
    windowStart: windowOf(input.period, now, timeZone).start,
    used: 0n,
  });
}

export function createProject(
  draft: OrgDraft,
  input: CreateProjectInput,
  now: Instant,
): Result<ProjectView> {
  if (!PROJECT_ID.test(input.id)) {
    return invalid(
      'id',
      'a project id is 1 to 64 lowercase letters, digits, dots, dashes and underscores',
    );
  }
  if (draft.projects.has(input.id)) {
    return refuse('project_exists', `project ${input.id} exists`, { project: input.id });
  }
  const name = checkName(input.name);
  if (!name.ok) return name;
  let budget: Project['budget'] = null;
  if (input.budget) {
    const made = budgetFrom(input.budget, null, now, draft.org.timeZone);
    if (!made.ok) return made;
    budget = made.value;
  }
  const project: Project = {
    id: input.id,
    orgId: draft.org.id,
    name: name.value,
    createdAt: now,
    archivedAt: null,
    budget,
  };
  draft.touchProject(project);
  return ok(projectView(project, now, draft.org.timeZone));
}

export function updateProject(
  draft: OrgDraft,
  projectId: string,
  input: UpdateProjectInput,
  now: Instant,
): Result<ProjectView> {
  const found = draft.projects.get(projectId);
  if (!found) return refuse('unknown_project', `no project ${projectId}`, { project: projectId });
  let project = found;
  if (input.name !== undefined) {
    const name = checkName(input.name);
    if (!name.ok) return name;
    project = { ...project, name: name.value };
  }
  if (input.budget !== undefined) {
    if (input.budget === null) {
      project = { ...project, budget: null };
    } else {
      const budget = budgetFrom(input.budget, project.budget, now, draft.org.timeZone);
      if (!budget.ok) return budget;
      project = { ...project, budget: budget.value };
    }
  }
  if (input.archived !== undefined) {
    const archivedAt = input.archived ? (project.archivedAt ?? now) : null;
    project = { ...project, archivedAt };
  }
  draft.touchProject(project);
  return ok(projectView(project, now, draft.org.timeZone));
}

export function setAllowance(
  draft: OrgDraft,
  user: string,
  input: AllowanceInput,
  now: Instant,
): Result<AllowanceView> {
  if (user.length === 0 || user.length > MAX_USER_LENGTH) {
    return invalid('user', `user must be 1 to ${MAX_USER_LENGTH} characters`);
  }
  const checked = checkLimitCredits('credits', input.credits);
  if (!checked.ok) return checked;
  if (!isLimitPeriod(input.period)) {
    return invalid('period', 'period is day, week, month or total');
  }
  const previous = draft.allowances.get(user);
  const allowance: Allowance =
    previous && previous.period === input.period
      ? { ...previous, credits: input.credits }
      : {
          orgId: draft.org.id,
          user,
          credits: input.credits,
          period: input.period,
          windowStart: windowOf(input.period, now, draft.org.timeZone).start,
          used: 0n,
          createdAt: now,
          removedAt: null,
        };
  draft.touchAllowance(allowance);
  return ok(allowanceView(allowance, now, draft.org.timeZone));
}

export function removeAllowance(
  draft: OrgDraft,
  user: string,
  now: Instant,
): Result<AllowanceView> {
  const found = draft.allowances.get(user);
  if (!found) return refuse('unknown_allowance', `${user} has no allowance`, { user });
  const removed = { ...found, removedAt: now };
  draft.touchAllowance(removed);
  return ok(allowanceView(removed, now, draft.org.timeZone));
}
