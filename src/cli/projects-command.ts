/** `tally projects …`: what an org's AI actions are for, and their budgets. */
import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import { orgPath, type CommandContext } from './command-context.js';
import { groupCredits } from './credits-text.js';
import { parseCredits } from './parse-arguments.js';
import { formatPairs, formatTable } from './table.js';

export interface LimitBody {
  credits: string;
  period: 'day' | 'week' | 'month' | 'total';
  used: string;
  left: string;
  periodStart: string | null;
  resetsAt: string | null;
}

interface ProjectBody {
  id: string;
  name: string;
  createdAt: string;
  archivedAt: string | null;
  budget: LimitBody | null;
}

/** "120 of 500 a month, 380 left until 2026-12-01T00:00:00.000Z". */
export function describeLimit(limit: LimitBody | null): string {
  if (!limit) return 'none';
  const per = limit.period === 'total' ? 'in total' : `a ${limit.period}`;
  const until = limit.resetsAt ? ` until ${limit.resetsAt}` : '';
  return `${groupCredits(limit.used)} of ${groupCredits(limit.credits)} ${per}, ${groupCredits(limit.left)} left${until}`;
}

function renderProject(project: ProjectBody): string {
  return formatPairs([
    ['project', project.id],
    ['name', project.name],
    ['budget', describeLimit(project.budget)],
    ['archived', project.archivedAt ?? 'no'],
  ]);
}

const budgetPeriod = () =>
  new Option('--period <period>', 'budget per calendar month or in total')
    .choices(['month', 'total'])
    .default('month');

export function registerProjectsCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  const projects = program.command('projects').description("an org's projects and their budgets");
  projects
    .command('create <org> <id>')
    .description('a project that charges can name (admin)')
    .requiredOption('--name <name>', 'name people see, e.g. "Garcia–Lee wedding"')
    .option('--budget <credits>', 'at most this many credits per --period')
    .addOption(budgetPeriod())
    .action(
      async (
        org: string,
        id: string,
        flags: { name: string; budget?: string; period: string },
        command: Command,
      ) => {
        const context = contextOf(command);
        const budget =
          flags.budget === undefined
            ? null
            : { credits: parseCredits(flags.budget, '--budget'), period: flags.period };
        const project = (
          await context.client.post<ProjectBody>(orgPath(org, '/projects'), {
            id,
            name: flags.name,
            budget,
          })
        ).body;
        context.print(project, () => renderProject(project));
      },
    );
  projects
    .command('update <org> <id>')
    .description('rename, archive or reopen a project, or change its budget (admin)')
    .option('--name <name>', 'a new name')
    .option('--budget <credits>', 'a new budget per --period')
    .addOption(budgetPeriod())
    .option('--no-budget', 'remove the budget')
    .option('--archive', 'take no new charges')
    .option('--reopen', 'take charges again')
    .action(
      async (
        org: string,
        id: string,
        flags: {
          name?: string;
          budget?: string | false;
          period: string;
          archive?: boolean;
          reopen?: boolean;
        },
        command: Command,
      ) => {
        const context = contextOf(command);
        const body: Record<string, unknown> = {};
        if (flags.name !== undefined) body.name = flags.name;
        if (flags.budget === false) body.budget = null;
        else if (flags.budget !== undefined) {
          body.budget = { credits: parseCredits(flags.budget, '--budget'), period: flags.period };
        }
        if (flags.archive) body.archived = true;
        if (flags.reopen) body.archived = false;
        const project = (
          await context.client.request<ProjectBody>(
            'PATCH',
            orgPath(org, `/projects/${encodeURIComponent(id)}`),
            { body, idempotencyKey: `cli-${randomUUID()}` },
          )
        ).body;
        context.print(project, () => renderProject(project));
      },
    );
  projects
    .command('list <org>')
    .description('every project, archived ones included, with its budget now')
    .action(async (org: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const list = (await context.client.get<{ data: ProjectBody[] }>(orgPath(org, '/projects')))
        .body;
      context.print(list, () =>
        list.data.length === 0
          ? 'No projects yet: tally projects create <org> <id> --name …\n'
          : formatTable(list.data, [
              { header: 'PROJECT', value: (project) => project.id },
              { header: 'NAME', value: (project) => project.name },
              { header: 'BUDGET', value: (project) => describeLimit(project.budget) },
              { header: 'ARCHIVED', value: (project) => project.archivedAt ?? '' },
            ]),
      );
    });
}
