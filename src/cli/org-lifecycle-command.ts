/**
 * `tally orgs suspend|resume|deletion|delete`: pausing an org (its credits kept), seeing what
 * deleting it would remove, and deleting it with its name typed back.
 */
import type { Command } from 'commander';
import type { OrgBody, OrgDeletedBody, OrgDeletionBody } from './api-types.js';
import { orgPath, type CommandContext } from './command-context.js';
import { groupCredits } from './credits-text.js';
import { formatPairs } from './table.js';

type Counts = OrgDeletionBody['counts'];

/** Adds the commands to `tally orgs`, whose `renderOrg` shows an org (given, to import no cycle). */
export function registerOrgLifecycleCommands(
  orgs: Command,
  contextOf: (command: Command) => CommandContext,
  renderOrg: (org: OrgBody) => string,
): void {
  orgs
    .command('suspend <org>')
    .description(
      "refuse the org's writes until it is resumed; credits and history are kept (admin)",
    )
    .option('--reason <text>', 'why, shown with the org and in the refusals')
    .action(async (id: string, flags: { reason?: string }, command: Command) => {
      const context = contextOf(command);
      const org = (
        await context.client.post<OrgBody>(
          orgPath(id, '/suspend'),
          flags.reason === undefined ? {} : { reason: flags.reason },
        )
      ).body;
      context.print(org, () => renderOrg(org));
    });
  orgs
    .command('resume <org>')
    .description("take the org's writes again (admin)")
    .action(async (id: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const org = (await context.client.post<OrgBody>(orgPath(id, '/resume'), {})).body;
      context.print(org, () => renderOrg(org));
    });
  orgs
    .command('deletion <org>')
    .description('what deleting the org would remove, for good (admin)')
    .action(async (id: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const preview = (await context.client.get<OrgDeletionBody>(orgPath(id, '/deletion'))).body;
      context.print(preview, () => renderDeletion(preview));
      if (!context.json) {
        context.note(
          `To delete it for good: tally orgs delete ${preview.org.id} --confirm ${shellQuoted(preview.confirmWith)}\n` +
            `To keep the credits instead: tally orgs suspend ${preview.org.id}`,
        );
      }
    });
  orgs
    .command('delete <org>')
    .description('delete the org with its credits, history, keys and members, for good (admin)')
    .requiredOption('--confirm <name>', "the org's name exactly, as `tally orgs deletion` shows it")
    .action(async (id: string, flags: { confirm: string }, command: Command) => {
      const context = contextOf(command);
      // No Idempotency-Key and so no retry: once the org is gone, a repeat could only be refused.
      const deleted = (
        await context.client.request<OrgDeletedBody>('DELETE', orgPath(id), {
          body: { confirm: flags.confirm },
        })
      ).body;
      context.print(deleted, () =>
        formatPairs([['deleted', deleted.org], ...countPairs(deleted.removed)], {
          alignNumbers: true,
        }),
      );
    });
}

/** Quoted for a POSIX shell, so that the hint can be pasted whatever the name holds. */
function shellQuoted(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

function renderDeletion(preview: OrgDeletionBody): string {
  return formatPairs(
    [
      ['org', preview.org.id],
      ['name', preview.org.name],
      ['credits lost', groupCredits(preview.credits.available)],
      ['held', groupCredits(preview.credits.held)],
      ...countPairs(preview.counts),
      ['permanent', 'yes: nothing can be restored'],
    ],
    { alignNumbers: true },
  );
}

function countPairs(counts: Counts): (readonly [string, string])[] {
  return [
    ['grants', String(counts.grants)],
    ['transactions', String(counts.transactions)],
    ['holds', String(counts.holds)],
    ['projects', String(counts.projects)],
    ['allowances', String(counts.allowances)],
    ['members', String(counts.members)],
    ['api keys', String(counts.apiKeys)],
    ['purchases', String(counts.purchases)],
  ];
}
