/** `tally packs list` and `tally packs set`: credit packs orgs buy (root defines them). */
import type { Command } from 'commander';
import type { PackBody, PackListBody } from './api-types.js';
import type { CommandContext } from './command-context.js';
import { groupCredits } from './credits-text.js';
import { withCurrency } from './money-text.js';
import { parseCredits, parseInteger } from './parse-arguments.js';
import { MAX_MINOR } from './plans-command.js';
import { formatPairs, formatTable } from './table.js';

interface SetFlags {
  name: string;
  credits: string;
  price: string;
  currency: string;
  archived?: boolean;
}

function renderPack(pack: PackBody): string {
  return formatPairs([
    ['pack', pack.id],
    ['name', pack.name],
    ['credits', groupCredits(pack.credits)],
    ['price', withCurrency(pack.priceFormatted, pack.currency)],
    ['archived', pack.archivedAt ?? 'no'],
  ]);
}

export function renderPacks(packs: readonly PackBody[]): string {
  if (packs.length === 0) return 'No packs yet: tally packs set <id> …\n';
  return formatTable(packs, [
    { header: 'PACK', value: (pack) => pack.id },
    { header: 'NAME', value: (pack) => pack.name },
    { header: 'CREDITS', value: (pack) => groupCredits(pack.credits), align: 'right' },
    {
      header: 'PRICE',
      value: (pack) => withCurrency(pack.priceFormatted, pack.currency),
      align: 'right',
    },
    { header: 'ARCHIVED', value: (pack) => pack.archivedAt ?? '' },
  ]);
}

export function registerPacksCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  const packs = program.command('packs').description('credit packs orgs buy');
  packs
    .command('list')
    .description('every pack, archived ones included')
    .action(async (_flags: unknown, command: Command) => {
      const context = contextOf(command);
      const list = (await context.client.get<PackListBody>('/v1/packs')).body;
      context.print(list, () => renderPacks(list.data));
    });
  packs
    .command('set <id>')
    .description('define or change a pack (root key)')
    .requiredOption('--name <name>', 'name people see, e.g. "Starter"')
    .requiredOption('--credits <credits>', 'credits the pack adds')
    .requiredOption('--price <minor>', 'its price in minor units of --currency (2500 is 25.00 USD)')
    .requiredOption('--currency <code>', 'ISO 4217 code, upper case: USD, EUR, JPY')
    .option('--archived', 'no longer for sale')
    .option('--no-archived', 'for sale again')
    .action(async (id: string, flags: SetFlags, command: Command) => {
      const context = contextOf(command);
      const body = {
        name: flags.name,
        credits: parseCredits(flags.credits, '--credits'),
        price: parseInteger(flags.price, '--price', MAX_MINOR),
        currency: flags.currency,
        ...(flags.archived === undefined ? {} : { archived: flags.archived }),
      };
      const pack = (await context.client.put<PackBody>(`/v1/packs/${encodeURIComponent(id)}`, body))
        .body;
      context.print(pack, () => renderPack(pack));
    });
}
