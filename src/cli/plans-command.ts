/** `tally plans list` and `tally plans set`: the plans orgs may be on (root defines them). */
import type { Command } from 'commander';
import type { PlanBody, PlanListBody } from './api-types.js';
import type { CommandContext } from './command-context.js';
import { groupCredits } from './credits-text.js';
import { withCurrency } from './money-text.js';
import { parseCredits, parseInteger } from './parse-arguments.js';
import { formatPairs, formatTable } from './table.js';

/** What billing accepts in minor units (10^12). */
export const MAX_MINOR = { min: 0, max: 1_000_000_000_000 };

interface SetFlags {
  name: string;
  currency: string;
  pricePerCredit: string;
  monthlyFee?: string;
  allowance?: string;
  description?: string;
  expires?: boolean;
  archived?: boolean;
}

export function renderPlan(plan: PlanBody): string {
  return formatPairs([
    ['plan', plan.id],
    ['name', plan.name],
    ['description', plan.description],
    ['price per credit', withCurrency(plan.pricePerCreditFormatted, plan.currency)],
    ['monthly fee', withCurrency(plan.monthlyFeeFormatted, plan.currency)],
    ['monthly allowance', groupCredits(plan.monthlyAllowance)],
    ['expires', plan.expires ? 'yes, renews monthly' : 'no'],
    ['archived', plan.archivedAt ?? 'no'],
  ]);
}

export function renderPlans(plans: readonly PlanBody[]): string {
  if (plans.length === 0) return 'No plans yet: tally plans set <id> …\n';
  return formatTable(plans, [
    { header: 'PLAN', value: (plan) => plan.id },
    { header: 'NAME', value: (plan) => plan.name },
    {
      header: 'PER CREDIT',
      value: (plan) => withCurrency(plan.pricePerCreditFormatted, plan.currency),
      align: 'right',
    },
    {
      header: 'MONTHLY FEE',
      value: (plan) => withCurrency(plan.monthlyFeeFormatted, plan.currency),
      align: 'right',
    },
    { header: 'ALLOWANCE', value: (plan) => groupCredits(plan.monthlyAllowance), align: 'right' },
    { header: 'EXPIRES', value: (plan) => (plan.expires ? 'yes' : 'no') },
    { header: 'ARCHIVED', value: (plan) => plan.archivedAt ?? '' },
  ]);
}

export function registerPlansCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  const plans = program
    .command('plans')
    .description('the plans orgs may be on: price per credit, fee, allowance');
  plans
    .command('list')
    .description('every plan, archived ones included')
    .action(async (_flags: unknown, command: Command) => {
      const context = contextOf(command);
      const list = (await context.client.get<PlanListBody>('/v1/plans')).body;
      context.print(list, () => renderPlans(list.data));
    });
  plans
    .command('set <id>')
    .description('define or change a plan (root key); orgs on it keep theirs until they change')
    .requiredOption('--name <name>', 'name people see, e.g. "Pro"')
    .requiredOption('--currency <code>', 'ISO 4217 code, upper case: USD, EUR, JPY')
    .requiredOption(
      '--price-per-credit <minor>',
      'what one credit costs, in minor units of --currency (2 is 0.02 USD)',
    )
    .option('--monthly-fee <minor>', 'subscription fee per month in minor units (default none)')
    .option('--allowance <credits>', 'free credits each month (default 0)')
    .option('--description <text>', 'a line for people choosing a plan')
    .option('--expires', 'a subscription that renews monthly (default: when it has a fee)')
    .option('--no-expires', 'never expires, like pay-as-you-go')
    .option('--archived', 'orgs keep it but cannot choose it any more')
    .option('--no-archived', 'open it to be chosen again')
    .action(async (id: string, flags: SetFlags, command: Command) => {
      const context = contextOf(command);
      const body = {
        name: flags.name,
        currency: flags.currency,
        pricePerCredit: parseInteger(flags.pricePerCredit, '--price-per-credit', MAX_MINOR),
        ...(flags.monthlyFee === undefined
          ? {}
          : { monthlyFee: parseInteger(flags.monthlyFee, '--monthly-fee', MAX_MINOR) }),
        ...(flags.allowance === undefined
          ? {}
          : { monthlyAllowance: parseCredits(flags.allowance, '--allowance') }),
        ...(flags.description === undefined ? {} : { description: flags.description }),
        ...(flags.expires === undefined ? {} : { expires: flags.expires }),
        ...(flags.archived === undefined ? {} : { archived: flags.archived }),
      };
      const plan = (await context.client.put<PlanBody>(`/v1/plans/${encodeURIComponent(id)}`, body))
        .body;
      context.print(plan, () => renderPlan(plan));
    });
}
