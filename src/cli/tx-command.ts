/**
 * `tally tx`: the activity log, newest first, with the API's filters; `--all` follows cursors, and
 * `--csv` downloads every matching row as the server's streamed CSV export (stdout or `--out`).
 */
import type { Command } from 'commander';
import { TRANSACTION_STATUSES, TRANSACTION_TYPES } from '../ledger/model.js';
import type { TransactionBody, TransactionListBody } from './api-types.js';
import { UsageError } from './cli-errors.js';
import { orgPath, type CommandContext } from './command-context.js';
import { groupCredits } from './credits-text.js';
import { downloadCsv } from './csv-download.js';
import { needsTimeZone, parseInstant, parseInteger } from './parse-arguments.js';
import { formatTable } from './table.js';
import { formatZoned } from './zoned-time.js';

interface TxFlags {
  type?: string[];
  status?: string[];
  feature?: string;
  user?: string;
  project?: string;
  model?: string;
  from?: string;
  to?: string;
  limit?: string;
  cursor?: string;
  all?: boolean;
  csv?: boolean;
  out?: string;
}

const MAX_PAGE = 1000;

export function registerTxCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  program
    .command('tx <org>')
    .description('the activity log, newest first')
    .option('--type <type...>', `only these types: ${TRANSACTION_TYPES.join(', ')}`)
    .option('--status <status...>', `only these statuses: ${TRANSACTION_STATUSES.join(', ')}`)
    .option('--feature <feature>', 'only this feature')
    .option('--user <user>', 'only this user')
    .option('--project <project>', 'only this project')
    .option('--model <model>', 'only this model')
    .option('--from <time>', 'from this instant (inclusive)')
    .option('--to <time>', 'until this instant (exclusive)')
    .option('--limit <n>', `rows per page, 1 to ${MAX_PAGE} (default 100; 1000 with --all)`)
    .option('--cursor <cursor>', 'continue where a previous page ended')
    .option('--all', 'follow the cursors to the oldest row')
    .option('--csv', 'every matching row as CSV, streamed: printed, or saved with --out')
    .option('--out <file>', 'where to save the --csv export (rows written are shown on stderr)')
    .action(async (org: string, flags: TxFlags, command: Command) => {
      const context = contextOf(command);
      checkCsvFlags(flags);
      const types = listOption(flags.type, TRANSACTION_TYPES, '--type');
      const statuses = listOption(flags.status, TRANSACTION_STATUSES, '--status');
      const limit =
        flags.limit === undefined
          ? flags.all
            ? MAX_PAGE
            : undefined
          : parseInteger(flags.limit, '--limit', { min: 1, max: MAX_PAGE });
      // Times are shown in the org's zone, and read in it when given without an offset.
      const zone =
        (!context.json && !flags.csv) || needsTimeZone(flags.from) || needsTimeZone(flags.to)
          ? await context.timeZoneOf(org)
          : 'UTC';
      const query = {
        type: types,
        status: statuses,
        feature: flags.feature,
        user: flags.user,
        project: flags.project,
        model: flags.model,
        from: flags.from === undefined ? undefined : parseInstant(flags.from, '--from', zone),
        to: flags.to === undefined ? undefined : parseInstant(flags.to, '--to', zone),
        limit,
      };
      if (flags.csv) {
        const { limit: _pages, ...filters } = query;
        const saved = await downloadCsv(
          context,
          orgPath(org, '/transactions.csv'),
          filters,
          flags.out,
        );
        if (saved.file !== null) {
          context.print(
            { org, format: 'csv', ...saved },
            () =>
              `Saved ${saved.rows.toLocaleString('en-US')} rows to ${saved.file} (${saved.bytes.toLocaleString('en-US')} bytes).\n`,
          );
        }
        return;
      }
      const rows: TransactionBody[] = [];
      let cursor = flags.cursor;
      for (;;) {
        const page = (
          await context.client.get<TransactionListBody>(orgPath(org, '/transactions'), {
            ...query,
            cursor,
          })
        ).body;
        rows.push(...page.data);
        cursor = page.nextCursor ?? undefined;
        if (!flags.all || cursor === undefined) break;
      }
      context.print({ data: rows, nextCursor: cursor ?? null }, () => renderLog(rows, zone));
      if (!context.json && cursor !== undefined) {
        context.note(`More rows: add --cursor ${cursor} (or --all for every row).`);
      }
    });
}

/** `--csv` exports every matching row, so paging flags make no sense with it; `--out` needs it. */
function checkCsvFlags(flags: TxFlags): void {
  if (!flags.csv) {
    if (flags.out !== undefined) throw new UsageError('--out saves a --csv export');
    return;
  }
  for (const [flag, value] of [
    ['--limit', flags.limit],
    ['--cursor', flags.cursor],
  ] as const) {
    if (value !== undefined) throw new UsageError(`--csv exports every matching row: drop ${flag}`);
  }
}

function listOption(
  values: readonly string[] | undefined,
  allowed: readonly string[],
  option: string,
): string | undefined {
  if (values === undefined) return undefined;
  const list = values.flatMap((value) => value.split(',')).map((value) => value.trim());
  for (const value of list) {
    if (!allowed.includes(value)) {
      throw new UsageError(`${option} takes ${allowed.join(', ')}, not "${value}"`);
    }
  }
  return list.join(',');
}

export function renderLog(rows: readonly TransactionBody[], zone: string): string {
  if (rows.length === 0) return 'No transactions.\n';
  return formatTable(
    rows,
    [
      { header: `AT (${zone})`, value: (row) => formatZoned(row.at, zone) },
      { header: 'TYPE', value: (row) => row.type },
      { header: 'STATUS', value: (row) => row.status },
      { header: 'FEATURE', value: (row) => row.feature },
      {
        header: 'CREDITS',
        value: (row) => groupCredits(row.credits, { sign: true }),
        align: 'right',
      },
      { header: 'BALANCE', value: (row) => groupCredits(row.balanceAfter), align: 'right' },
      { header: 'USER', value: (row) => row.user },
      { header: 'PROJECT', value: (row) => row.project },
      { header: 'MODEL', value: (row) => row.model },
      { header: 'NOTE', value: (row) => row.reason ?? row.note },
      { header: 'ID', value: (row) => row.id },
    ],
    { hideEmpty: true },
  );
}
