import type { OrgChanges, OrgState } from './ports.js';

/**
 * The org's live state after a write: what a store that keeps states in memory would load again.
 * Spent grants, resolved holds, finished schedules and removed allowances leave the live state.
 */
export function applyChanges(state: OrgState | undefined, changes: OrgChanges): OrgState {
  const grants = new Map((state?.grants ?? []).map((grant) => [grant.id, grant]));
  for (const grant of changes.grants) {
    if (grant.remaining > 0n) grants.set(grant.id, { ...grant });
    else grants.delete(grant.id);
  }
  const holds = new Map((state?.holds ?? []).map((hold) => [hold.id, hold]));
  for (const hold of changes.holds) {
    if (hold.status === 'pending') holds.set(hold.id, { ...hold });
    else holds.delete(hold.id);
  }
  const schedules = new Map((state?.schedules ?? []).map((schedule) => [schedule.id, schedule]));
  for (const schedule of changes.schedules) {
    if (schedule.endAt === null || schedule.nextAt < schedule.endAt) {
      schedules.set(schedule.id, { ...schedule });
    } else {
      schedules.delete(schedule.id);
    }
  }
  const projects = new Map((state?.projects ?? []).map((project) => [project.id, project]));
  for (const project of changes.projects) projects.set(project.id, project);
  const allowances = new Map(
    (state?.allowances ?? []).map((allowance) => [allowance.user, allowance]),
  );
  for (const allowance of changes.allowances) {
    if (allowance.removedAt === null) allowances.set(allowance.user, allowance);
    else allowances.delete(allowance.user);
  }
  return {
    org: changes.org,
    grants: [...grants.values()],
    holds: [...holds.values()],
    schedules: [...schedules.values()],
    projects: [...projects.values()],
    allowances: [...allowances.values()],
  };
}
