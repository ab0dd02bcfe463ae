/** `tally statement`: the reconciled summary of one month, by credit kind. */
import type { Command } from 'commander';
import type { StatementBody } from './api-types.js';
import { orgPath, type CommandContext } from './command-context.js';
import { groupCredits } from './credits-text.js';
import { parseMonth } from './parse-arguments.js';
import { formatPairs, formatTable } from './table.js';
import { formatZoned } from './zoned-time.js';

type Flows = StatementBody['byKind'][keyof StatementBody['byKind']];

export function registerStatementCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  program
    .command('statement <org> <month>')
    .description('the statement of one month (YYYY-MM, in the org time zone)')
    .action(async (org: string, month: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const query = { month: parseMonth(month) };
      const zone = context.json ? 'UTC' : await context.timeZoneOf(org);
      const statement = (
        await context.client.get<StatementBody>(orgPath(org, '/reports/statement'), query)
      ).body;
      context.print(statement, () => renderStatement(statement, zone));
    });
}

const isZero = (credits: string) => /^0(\.0*)?$/.test(credits);

export function renderStatement(statement: StatementBody, zone: string): string {
  const kinds = Object.entries(statement.byKind)
    .filter(([, flows]) => Object.values(flows).some((credits) => !isZero(credits)))
    .map(([kind, flows]) => ({ kind, ...flows }));
  const rows: ({ kind: string } & Flows)[] = [...kinds, { kind: 'total', ...statement }];
  const amount = (field: keyof Flows) => ({
    header: field.toUpperCase(),
    value: (row: Flows) => groupCredits(row[field]),
    align: 'right' as const,
  });
  const state = statement.final ? 'final' : 'running: figures as of now';
  return [
    `Statement ${statement.month}  ${formatZoned(statement.start, zone)} to ${formatZoned(statement.end, zone)} (${zone}), ${state}`,
    '',
    formatTable(rows, [
      { header: 'KIND', value: (row) => row.kind },
      amount('opening'),
      amount('added'),
      amount('consumed'),
      amount('expired'),
      amount('closing'),
    ]),
    formatPairs([
      ['carried forward', groupCredits(statement.carriedForward)],
      ['usage', `${statement.usageCount.toLocaleString('en-US')} transactions`],
    ]),
  ].join('\n');
}
