/** `tally balance`: what an org may spend now, or at any instant. */
import type { Command } from 'commander';
import type { BalanceBody } from './api-types.js';
import { orgPath, type CommandContext } from './command-context.js';
import { groupCredits } from './credits-text.js';
import { needsTimeZone, parseInstant } from './parse-arguments.js';
import { formatPairs } from './table.js';
import { formatZoned } from './zoned-time.js';

export function registerBalanceCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  program
    .command('balance <org>')
    .description('credits available and held, by kind, and the next expiry')
    .option('--at <time>', 'the balance at another instant, past included')
    .action(async (org: string, flags: { at?: string }, command: Command) => {
      const context = contextOf(command);
      const zone = !context.json || needsTimeZone(flags.at) ? await context.timeZoneOf(org) : 'UTC';
      const at = flags.at === undefined ? undefined : parseInstant(flags.at, '--at', zone);
      const balance = (await context.client.get<BalanceBody>(orgPath(org, '/balance'), { at }))
        .body;
      context.print(balance, () => renderBalance(balance, zone));
    });
}

export function renderBalance(balance: BalanceBody, zone: string): string {
  const kinds = Object.entries(balance.byKind)
    .filter(([, credits]) => !/^0(\.0*)?$/.test(credits))
    .map(([kind, credits]) => [`  ${kind}`, groupCredits(credits)] as const);
  const expiry = balance.nextExpiry
    ? `${groupCredits(balance.nextExpiry.credits)} on ${formatZoned(balance.nextExpiry.at, zone)}`
    : 'none';
  return formatPairs(
    [
      ['available', groupCredits(balance.available)],
      ['held', groupCredits(balance.held)],
      ...kinds,
      ['next expiry', expiry],
      ['at', `${formatZoned(balance.at, zone)} ${zone}`],
    ],
    { alignNumbers: true },
  );
}
