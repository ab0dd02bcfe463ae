/**
 * `tally statement`: the reconciled summary of one month, by credit kind, shown as a table, or
 * exported as the server makes it: `--csv` (to stdout, or `--out`) and `--pdf` (to a file).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { StatementBody } from './api-types.js';
import { UsageError } from './cli-errors.js';
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
    .option('--csv', 'the statement as CSV: printed, or saved with --out')
    .option('--pdf', 'the statement as a PDF, saved to --out (default: the name the server gives)')
    .option('--out <file>', 'where to save the CSV or PDF')
    .action(async (org: string, month: string, flags: ExportFlags, command: Command) => {
      const context = contextOf(command);
      const query = { month: parseMonth(month) };
      const format = exportFormat(flags);
      if (format !== undefined) {
        await exportStatement(context, org, query.month, format, flags.out);
        return;
      }
      const zone = context.json ? 'UTC' : await context.timeZoneOf(org);
      const statement = (
        await context.client.get<StatementBody>(orgPath(org, '/reports/statement'), query)
      ).body;
      context.print(statement, () => renderStatement(statement, zone));
    });
}

interface ExportFlags {
  csv?: boolean;
  pdf?: boolean;
  out?: string;
}

/** Which file the flags ask for, if any; refuses flags that contradict each other. */
export function exportFormat(flags: ExportFlags): 'csv' | 'pdf' | undefined {
  if (flags.csv && flags.pdf) throw new UsageError('--csv and --pdf: choose one');
  if (flags.csv) return 'csv';
  if (flags.pdf) return 'pdf';
  if (flags.out !== undefined) throw new UsageError('--out saves a --csv or --pdf export');
  return undefined;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,150}\.(csv|pdf)$/;

/**
 * The file an export is saved to without --out: the name the server suggests
 * (`attachment; filename="org_1-statement-2026-03.pdf"`) if it is a plain file name of the right
 * kind, else one made here. Never a path: the server does not choose where files land.
 */
export function statementFileName(
  contentDisposition: string | null,
  org: string,
  month: string,
  format: 'csv' | 'pdf',
): string {
  const suggested = /filename="([^"]*)"/i.exec(contentDisposition ?? '')?.[1];
  if (suggested !== undefined && SAFE_NAME.test(suggested) && suggested.endsWith(`.${format}`)) {
    return suggested;
  }
  return `${org.replace(/[^A-Za-z0-9_-]/g, '_')}-statement-${month}.${format}`;
}

/**
 * Fetches the CSV or PDF the server renders, so the CLI's file is the API's file byte for byte.
 * A CSV without --out goes to stdout for pipes; a PDF is never printed to a terminal.
 */
async function exportStatement(
  context: CommandContext,
  org: string,
  month: string,
  format: 'csv' | 'pdf',
  out: string | undefined,
): Promise<void> {
  const answer = await context.client.getBytes(orgPath(org, `/reports/statement.${format}`), {
    month,
  });
  if (format === 'csv' && out === undefined) {
    context.io.stdout(new TextDecoder().decode(answer.body));
    return;
  }
  const name =
    out ?? statementFileName(answer.headers.get('content-disposition'), org, month, format);
  const file = resolve(context.io.cwd ?? process.cwd(), name);
  try {
    writeFileSync(file, answer.body);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot write the statement to ${file}: ${reason}`);
  }
  const saved = { org, month, format, file, bytes: answer.body.byteLength };
  context.print(
    saved,
    () =>
      `Saved the ${format.toUpperCase()} statement of ${month} to ${file} (${groupCredits(String(saved.bytes))} bytes).\n`,
  );
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
