/**
 * `tally purchases invoice` (the invoice PDF, saved to a file) and `tally purchases history`
 * (purchases, free credits, admin grants and refunds, newest first).
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { HistoryItemBody, HistoryListBody } from './api-types.js';
import { UsageError } from './cli-errors.js';
import { orgPath, type CommandContext } from './command-context.js';
import { groupCredits } from './credits-text.js';
import { withCurrency } from './money-text.js';
import { parseInteger } from './parse-arguments.js';
import { formatTable } from './table.js';
import { formatZoned } from './zoned-time.js';

export const MAX_PAGE = 1000;

interface PageFlags {
  limit?: string;
  cursor?: string;
  all?: boolean;
}

export const purchasePath = (org: string, id: string, rest = '') =>
  orgPath(org, `/purchases/${encodeURIComponent(id)}${rest}`);

/** `--limit` for a page, or the biggest page with `--all`. */
export function pageLimit(flags: { limit?: string; all?: boolean }): number | undefined {
  if (flags.limit !== undefined) {
    return parseInteger(flags.limit, '--limit', { min: 1, max: MAX_PAGE });
  }
  return flags.all ? MAX_PAGE : undefined;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,100}\.pdf$/;

/**
 * The file an invoice is saved to when no --out is given: the name the server suggests
 * (`attachment; filename="TALLY-000042.pdf"`) if it is a plain file name, else `invoice-<id>.pdf`.
 * Never a path: the server does not choose where files land.
 */
export function invoiceFileName(contentDisposition: string | null, purchaseId: string): string {
  const suggested = /filename="([^"]*)"/i.exec(contentDisposition ?? '')?.[1];
  if (suggested !== undefined && SAFE_NAME.test(suggested)) return suggested;
  return `invoice-${purchaseId.replace(/[^A-Za-z0-9_-]/g, '_')}.pdf`;
}

export function renderHistory(items: readonly HistoryItemBody[], zone: string): string {
  if (items.length === 0) return 'No purchases or grants yet.\n';
  return formatTable(
    items,
    [
      { header: 'TYPE', value: (item) => item.type },
      { header: `DATE (${zone})`, value: (item) => formatZoned(item.at, zone) },
      { header: 'CREDITS', value: (item) => groupCredits(item.credits), align: 'right' },
      {
        header: 'MONEY',
        value: (item) =>
          item.money ? withCurrency(item.money.formatted, item.money.currency) : '',
        align: 'right',
      },
      { header: 'STATUS', value: (item) => item.status },
      { header: 'DESCRIPTION', value: (item) => item.description },
      { header: 'INVOICE', value: (item) => item.invoiceNumber },
    ],
    { hideEmpty: true },
  );
}

export function registerPurchaseHistoryCommands(
  purchases: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  purchases
    .command('invoice <org> <id>')
    .description("download the purchase's invoice as a PDF")
    .option('--out <file>', 'where to save it (default: <invoice number>.pdf here)')
    .action(async (org: string, id: string, flags: { out?: string }, command: Command) => {
      const context = contextOf(command);
      const answer = await context.client.getBytes(purchasePath(org, id, '/invoice.pdf'));
      const name = flags.out ?? invoiceFileName(answer.headers.get('content-disposition'), id);
      const file = resolve(context.io.cwd ?? process.cwd(), name);
      try {
        writeFileSync(file, answer.body);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new UsageError(`cannot write the invoice to ${file}: ${reason}`);
      }
      const saved = { purchase: id, file, bytes: answer.body.byteLength };
      context.print(
        saved,
        () =>
          `Saved the invoice of ${id} to ${file} (${groupCredits(String(saved.bytes))} bytes).\n`,
      );
    });
  purchases
    .command('history <org>')
    .description('purchases, free credits, admin grants and refunds, newest first')
    .option('--limit <n>', `rows per page, 1 to ${MAX_PAGE} (default 100; 1000 with --all)`)
    .option('--cursor <cursor>', 'continue where a previous page ended')
    .option('--all', 'follow the cursors to the oldest row')
    .action(async (org: string, flags: PageFlags, command: Command) => {
      const context = contextOf(command);
      const limit = pageLimit(flags);
      const rows: HistoryItemBody[] = [];
      let cursor = flags.cursor;
      for (;;) {
        const page = (
          await context.client.get<HistoryListBody>(orgPath(org, '/purchase-history'), {
            limit,
            cursor,
          })
        ).body;
        rows.push(...page.data);
        cursor = page.nextCursor ?? undefined;
        if (!flags.all || cursor === undefined) break;
      }
      const zone = context.json ? 'UTC' : await context.timeZoneOf(org);
      context.print({ data: rows, nextCursor: cursor ?? null }, () => renderHistory(rows, zone));
      if (!context.json && cursor !== undefined) {
        context.note(`More rows: add --cursor ${cursor} (or --all for every row).`);
      }
    });
}
