/**
 * `tally orgs create` and `tally orgs show`; listing in orgs-list-command.ts, suspending and
 * deleting in org-lifecycle-command.ts.
 */
import type { Command } from 'commander';
import type { OrgBody } from './api-types.js';
import { orgPath, type CommandContext } from './command-context.js';
import { parseCredits, parseInstant } from './parse-arguments.js';
import { registerOrgLifecycleCommands } from './org-lifecycle-command.js';
import { registerOrgsListCommand } from './orgs-list-command.js';
import { formatPairs } from './table.js';
import { formatZoned } from './zoned-time.js';

interface CreateFlags {
  timezone?: string;
  plan?: string;
  allowance?: string;
  at?: string;
  idempotencyKey?: string;
}

export function registerOrgsCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  const orgs = program
    .command('orgs')
    .description('create, list, show, suspend, resume and delete orgs');
  orgs
    .command('create <name>')
    .description('create an org (root key)')
    .option('--timezone <zone>', 'IANA time zone of its months (default UTC)')
    .option('--plan <plan>', 'plan name')
    .option('--allowance <credits>', 'free credits granted every month, valid in their month')
    .option('--at <time>', 'date the creation in the past (default now)')
    .option('--idempotency-key <key>', 'make a retry of this command safe')
    .action(async (name: string, flags: CreateFlags, command: Command) => {
      const context = contextOf(command);
      const body = {
        name,
        ...(flags.timezone === undefined ? {} : { timezone: flags.timezone }),
        ...(flags.plan === undefined ? {} : { plan: flags.plan }),
        ...(flags.allowance === undefined
          ? {}
          : { allowance: { credits: parseCredits(flags.allowance, '--allowance') } }),
        ...(flags.at === undefined
          ? {}
          : { at: parseInstant(flags.at, '--at', flags.timezone ?? 'UTC') }),
      };
      const org = (await context.client.post<OrgBody>('/v1/orgs', body, flags.idempotencyKey)).body;
      context.print(org, () => renderOrg(org));
    });
  orgs
    .command('show <org>')
    .description('an org: name, time zone, plan')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const org = (await context.client.get<OrgBody>(orgPath(id))).body;
      context.print(org, () => renderOrg(org));
    });
  registerOrgsListCommand(orgs, contextOf);
  registerOrgLifecycleCommands(orgs, contextOf, renderOrg);
}

export function renderOrg(org: OrgBody): string {
  return formatPairs([
    ['org', org.id],
    ['name', org.name],
    ['timezone', org.timezone],
    ['plan', org.plan ?? '-'],
    ['created', `${formatZoned(org.createdAt, org.timezone)} (${org.timezone})`],
    ...(org.suspendedAt
      ? ([
          ['suspended', `${formatZoned(org.suspendedAt, org.timezone)} (${org.timezone})`],
          ['reason', org.suspendReason ?? '-'],
        ] as const)
      : []),
  ]);
}
