/**
 * `tally purchases buy|list|show|mark-paid|recheck|cancel|refund`: credits bought, from checkout
 * to paid (or failed, or refunded). The invoice PDF and purchase history are in
 * purchase-history-command.ts.
 */
import { Option, type Command } from 'commander';
import { PAYMENT_PROVIDERS, PURCHASE_STATUSES } from '../billing/model.js';
import type { PurchaseBody, PurchaseListBody } from './api-types.js';
import { UsageError } from './cli-errors.js';
import { orgPath, type CommandContext } from './command-context.js';
import { groupCredits } from './credits-text.js';
import { formatMoney, withCurrency } from './money-text.js';
import { parseCredits } from './parse-arguments.js';
import {
  MAX_PAGE,
  pageLimit,
  purchasePath,
  registerPurchaseHistoryCommands,
} from './purchase-history-command.js';
import { formatPairs, formatTable } from './table.js';
import { formatZoned } from './zoned-time.js';

interface BuyFlags {
  pack?: string;
  credits?: string;
  provider?: string;
  returnUrl?: string;
  idempotencyKey?: string;
}

interface ListFlags {
  status?: string;
  limit?: string;
  cursor?: string;
  all?: boolean;
}

export function renderPurchase(purchase: PurchaseBody, zone: string): string {
  const when = (iso: string | null) => (iso === null ? null : `${formatZoned(iso, zone)} ${zone}`);
  const pairs: [string, string | null][] = [
    ['purchase', purchase.id],
    ['status', purchase.status],
    ['description', purchase.description],
    ['pack', purchase.pack],
    ['credits', groupCredits(purchase.credits)],
    ['amount', withCurrency(purchase.amountFormatted, purchase.currency)],
    [
      'unit price',
      purchase.unitPrice === null ? null : formatMoney(purchase.unitPrice, purchase.currency),
    ],
    ['provider', purchase.provider],
    ['payment URL', purchase.paymentUrl],
    ['invoice', purchase.invoiceNumber ?? 'not issued yet'],
    ['buyer', purchase.buyer],
    ['created', when(purchase.createdAt)],
    ['paid', when(purchase.paidAt)],
    ['failed', when(purchase.failedAt)],
    ['reason', purchase.failureReason],
    ['refunded', when(purchase.refundedAt)],
    ['grant', purchase.grantId],
  ];
  return formatPairs(pairs.filter(([, value]) => value !== null && value !== ''));
}

export function renderPurchases(purchases: readonly PurchaseBody[], zone: string): string {
  if (purchases.length === 0) return 'No purchases.\n';
  return formatTable(
    purchases,
    [
      { header: 'PURCHASE', value: (purchase) => purchase.id },
      { header: `CREATED (${zone})`, value: (purchase) => formatZoned(purchase.createdAt, zone) },
      { header: 'STATUS', value: (purchase) => purchase.status },
      { header: 'CREDITS', value: (purchase) => groupCredits(purchase.credits), align: 'right' },
      {
        header: 'AMOUNT',
        value: (purchase) => withCurrency(purchase.amountFormatted, purchase.currency),
        align: 'right',
      },
      { header: 'PROVIDER', value: (purchase) => purchase.provider },
      { header: 'INVOICE', value: (purchase) => purchase.invoiceNumber },
      { header: 'DESCRIPTION', value: (purchase) => purchase.description },
    ],
    { hideEmpty: true },
  );
}

const ACTIONS = [
  ['mark-paid', 'record that a manual invoice was paid: the credits are added (root key)'],
  ['recheck', 'ask the payment provider again about a stuck payment (admin)'],
  ['cancel', 'give up a purchase not paid yet (admin)'],
  ['refund', 'give the money back and take the unspent credits out (root key)'],
] as const;

export function registerPurchasesCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  const purchases = program
    .command('purchases')
    .description('buy credits, follow purchases to paid, invoices and purchase history');
  purchases
    .command('buy <org>')
    .description(
      "buy a pack, or --credits at the plan's price (admin); pending until the payment is confirmed",
    )
    .option('--pack <id>', 'a pack (tally packs list)')
    .option('--credits <credits>', "or a custom amount, at the plan's price per credit")
    .addOption(
      new Option(
        '--provider <provider>',
        "how it is paid (default: the server's TALLY_PAYMENT_PROVIDER)",
      ).choices(PAYMENT_PROVIDERS),
    )
    .option('--return-url <url>', 'where the payment page sends the buyer back')
    .option('--idempotency-key <key>', 'make a retry of this command safe')
    .action(async (org: string, flags: BuyFlags, command: Command) => {
      const context = contextOf(command);
      if ((flags.pack === undefined) === (flags.credits === undefined)) {
        throw new UsageError('give either --pack <id> or --credits <credits>');
      }
      const body = {
        ...(flags.pack === undefined ? {} : { pack: flags.pack }),
        ...(flags.credits === undefined
          ? {}
          : { credits: parseCredits(flags.credits, '--credits') }),
        ...(flags.provider === undefined ? {} : { provider: flags.provider }),
        ...(flags.returnUrl === undefined ? {} : { returnUrl: flags.returnUrl }),
      };
      const purchase = (
        await context.client.post<PurchaseBody>(
          orgPath(org, '/purchases'),
          body,
          flags.idempotencyKey,
        )
      ).body;
      const zone = context.json ? 'UTC' : await context.timeZoneOf(org);
      context.print(purchase, () => renderPurchase(purchase, zone));
      if (!context.json && purchase.status === 'pending') {
        context.note(
          purchase.paymentUrl
            ? 'The credits are added once the payment at the payment URL is confirmed.'
            : `The credits are added once the invoice is paid: tally purchases mark-paid ${org} ${purchase.id} (root key).`,
        );
      }
    });
  purchases
    .command('list <org>')
    .description('purchases, newest first, every status')
    .addOption(new Option('--status <status>', 'only this status').choices(PURCHASE_STATUSES))
    .option('--limit <n>', `rows per page, 1 to ${MAX_PAGE} (default 100; 1000 with --all)`)
    .option('--cursor <cursor>', 'continue where a previous page ended')
    .option('--all', 'follow the cursors to the oldest purchase')
    .action(async (org: string, flags: ListFlags, command: Command) => {
      const context = contextOf(command);
      const query = { status: flags.status, limit: pageLimit(flags) };
      const rows: PurchaseBody[] = [];
      let cursor = flags.cursor;
      for (;;) {
        const page = (
          await context.client.get<PurchaseListBody>(orgPath(org, '/purchases'), {
            ...query,
            cursor,
          })
        ).body;
        rows.push(...page.data);
        cursor = page.nextCursor ?? undefined;
        if (!flags.all || cursor === undefined) break;
      }
      const zone = context.json ? 'UTC' : await context.timeZoneOf(org);
      context.print({ data: rows, nextCursor: cursor ?? null }, () => renderPurchases(rows, zone));
      if (!context.json && cursor !== undefined) {
        context.note(`More purchases: add --cursor ${cursor} (or --all for every one).`);
      }
    });
  purchases
    .command('show <org> <id>')
    .description('one purchase')
    .action(async (org: string, id: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const purchase = (await context.client.get<PurchaseBody>(purchasePath(org, id))).body;
      const zone = context.json ? 'UTC' : await context.timeZoneOf(org);
      context.print(purchase, () => renderPurchase(purchase, zone));
    });
  for (const [action, description] of ACTIONS) {
    purchases
      .command(`${action} <org> <id>`)
      .description(description)
      .action(async (org: string, id: string, _flags: unknown, command: Command) => {
        const context = contextOf(command);
        const purchase = (
          await context.client.post<PurchaseBody>(purchasePath(org, id, `/${action}`), {})
        ).body;
        const zone = context.json ? 'UTC' : await context.timeZoneOf(org);
        context.print(purchase, () => renderPurchase(purchase, zone));
      });
  }
  registerPurchaseHistoryCommands(purchases, contextOf);
}
