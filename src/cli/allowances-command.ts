/** `tally allowances …`: at most so many credits per day, week, month or in total, per user. */
import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import { orgPath, type CommandContext } from './command-context.js';
import { parseCredits } from './parse-arguments.js';
import { describeLimit, type LimitBody } from './projects-command.js';
import { formatPairs, formatTable } from './table.js';

interface AllowanceBody extends LimitBody {
  user: string;
  createdAt: string;
}

function renderAllowance(allowance: AllowanceBody): string {
  return formatPairs([
    ['user', allowance.user],
    ['allowance', describeLimit(allowance)],
  ]);
}

const userPath = (org: string, user: string) =>
  orgPath(org, `/allowances/${encodeURIComponent(user)}`);

export function registerAllowancesCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  const allowances = program
    .command('allowances')
    .description("what each user (the --user of their charges) may draw from the org's pool");
  allowances
    .command('set <org> <user> <credits>')
    .description('give a user at most <credits> per --period (admin); 0 stops their spending')
    .addOption(
      new Option('--period <period>', 'how often the allowance starts again')
        .choices(['day', 'week', 'month', 'total'])
        .default('month'),
    )
    .action(
      async (
        org: string,
        user: string,
        credits: string,
        flags: { period: string },
        command: Command,
      ) => {
        const context = contextOf(command);
        const allowance = (
          await context.client.put<AllowanceBody>(userPath(org, user), {
            credits: parseCredits(credits, '<credits>'),
            period: flags.period,
          })
        ).body;
        context.print(allowance, () => renderAllowance(allowance));
      },
    );
  allowances
    .command('show <org> <user>')
    .description("a user's allowance: what is used and left now")
    .action(async (org: string, user: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const allowance = (await context.client.get<AllowanceBody>(userPath(org, user))).body;
      context.print(allowance, () => renderAllowance(allowance));
    });
  allowances
    .command('remove <org> <user>')
    .description("remove a user's allowance: the pool alone limits them (admin)")
    .action(async (org: string, user: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const allowance = (
        await context.client.request<AllowanceBody>('DELETE', userPath(org, user), {
          idempotencyKey: `cli-${randomUUID()}`,
        })
      ).body;
      context.print(allowance, () => `Removed the allowance of ${allowance.user}.\n`);
    });
  allowances
    .command('list <org>')
    .description('every allowance in force, with what is used and left now')
    .action(async (org: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const list = (
        await context.client.get<{ data: AllowanceBody[] }>(orgPath(org, '/allowances'))
      ).body;
      context.print(list, () =>
        list.data.length === 0
          ? 'No allowances: every user draws from the pool alone.\n'
          : formatTable(list.data, [
              { header: 'USER', value: (allowance) => allowance.user },
              { header: 'ALLOWANCE', value: (allowance) => describeLimit(allowance) },
            ]),
      );
    });
}
