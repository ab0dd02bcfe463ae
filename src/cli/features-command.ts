/** `tally features set` and `tally features list`: the credit matrix. */
import type { Command } from 'commander';
import type { FeatureBody, FeatureListBody } from './api-types.js';
import type { CommandContext } from './command-context.js';
import { groupCredits } from './credits-text.js';
import { UsageError } from './cli-errors.js';
import { parseInstant, parsePriceLine } from './parse-arguments.js';
import { formatTable } from './table.js';

interface SetFlags {
  name: string;
  price: string[];
  effectiveAt?: string;
}

export function registerFeaturesCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  const features = program.command('features').description('the credit matrix');
  features
    .command('set <id>')
    .description('price a feature from --effective-at on (root key); prints the whole matrix')
    .requiredOption('--name <name>', 'name people see, e.g. "Background removal"')
    .requiredOption(
      '--price <line...>',
      'price lines <unit>=<credits>[/<per>]: action=2, or input_tokens=0.5/1000 output_tokens=1.5/1000',
    )
    .option(
      '--effective-at <time>',
      'when this price starts (default now; UTC unless an offset is given)',
    )
    .action(async (id: string, flags: SetFlags, command: Command) => {
      const context = contextOf(command);
      const prices = flags.price.map(parsePriceLine);
      const units = new Set(prices.map((line) => line.unit));
      if (units.size !== prices.length) throw new UsageError('--price names a unit twice');
      const matrix = (
        await context.client.put<FeatureListBody>(`/v1/features/${encodeURIComponent(id)}`, {
          name: flags.name,
          prices,
          ...(flags.effectiveAt === undefined
            ? {}
            : { effectiveAt: parseInstant(flags.effectiveAt, '--effective-at') }),
        })
      ).body;
      context.print(matrix, () => renderMatrix(matrix.data));
    });
  features
    .command('list')
    .description('each feature at its current price')
    .action(async (_flags: unknown, command: Command) => {
      const context = contextOf(command);
      const matrix = (await context.client.get<FeatureListBody>('/v1/features')).body;
      context.print(matrix, () => renderMatrix(matrix.data));
    });
}

/** "2 per action", "0.5 per 1,000 input_tokens". */
export function describePrice(line: { unit: string; credits: string; per: string }): string {
  const per = line.per === '1' ? '' : `${groupCredits(line.per)} `;
  return `${groupCredits(line.credits)} per ${per}${line.unit}`;
}

export function renderMatrix(features: readonly FeatureBody[]): string {
  if (features.length === 0) return 'No features priced yet: tally features set <id> …\n';
  return formatTable(features, [
    { header: 'FEATURE', value: (feature) => feature.id },
    { header: 'NAME', value: (feature) => feature.name },
    { header: 'PRICE', value: (feature) => feature.prices.map(describePrice).join(' + ') },
    { header: 'SINCE', value: (feature) => feature.effectiveAt },
  ]);
}
