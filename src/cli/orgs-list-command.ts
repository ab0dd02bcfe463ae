/** `tally orgs list` (root): every org of the installation, following the cursors. */
import type { Command } from 'commander';
import type { OrgBody } from './api-types.js';
import type { CommandContext } from './command-context.js';
import { listEveryOrg } from './org-pages.js';
import { formatTable } from './table.js';
import { formatZoned } from './zoned-time.js';

export function registerOrgsListCommand(
  orgs: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  orgs
    .command('list')
    .description('every org, by id: time zone, plan, created, suspended (root key)')
    .action(async (_flags: unknown, command: Command) => {
      const context = contextOf(command);
      const all = await listEveryOrg(context.client);
      context.print({ data: all, nextCursor: null }, () => renderOrgList(all));
    });
}

/**
 * One line per org. Times are in UTC: each org has its own zone, and one column in several
 * zones could not be compared at a glance.
 */
export function renderOrgList(orgs: readonly OrgBody[]): string {
  if (orgs.length === 0) return 'No orgs yet: create one with tally orgs create <name>.\n';
  const suspended = orgs.filter((org) => org.suspendedAt !== null).length;
  const table = formatTable(
    orgs,
    [
      { header: 'ORG', value: (org) => org.id },
      { header: 'NAME', value: (org) => org.name },
      { header: 'TIMEZONE', value: (org) => org.timezone },
      { header: 'PLAN', value: (org) => org.plan ?? '-' },
      { header: 'CREATED (UTC)', value: (org) => formatZoned(org.createdAt, 'UTC') },
      {
        header: 'SUSPENDED (UTC)',
        value: (org) =>
          org.suspendedAt === null
            ? ''
            : `${formatZoned(org.suspendedAt, 'UTC')}${org.suspendReason ? `: ${org.suspendReason}` : ''}`,
      },
    ],
    { hideEmpty: true },
  );
  const count = `${orgs.length.toLocaleString('en-US')} ${orgs.length === 1 ? 'org' : 'orgs'}`;
  return `${table}${count}${suspended > 0 ? `, ${suspended.toLocaleString('en-US')} suspended` : ''}\n`;
}
