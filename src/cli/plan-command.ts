/** `tally plan show|change|compare`: an org's plan, changing it, and what each would have cost. */
import type { Command } from 'commander';
import type { OrgPlanBody, PlanBody, PlanComparisonBody } from './api-types.js';
import { orgPath, type CommandContext } from './command-context.js';
import { groupCredits } from './credits-text.js';
import { formatMoney, withCurrency } from './money-text.js';
import { formatPairs, formatTable } from './table.js';
import { formatZoned } from './zoned-time.js';

const nameOf = (plan: PlanBody) => (plan.name === plan.id ? plan.id : `${plan.id} (${plan.name})`);

/** "0.02 USD a credit, 29.00 USD a month, 1,500 free credits a month". */
export function describeTerms(plan: PlanBody): string {
  const terms = [`${withCurrency(plan.pricePerCreditFormatted, plan.currency)} a credit`];
  if (plan.monthlyFee > 0) {
    terms.push(`${withCurrency(plan.monthlyFeeFormatted, plan.currency)} a month`);
  }
  if (!/^0(\.0*)?$/.test(plan.monthlyAllowance)) {
    terms.push(`${groupCredits(plan.monthlyAllowance)} free credits a month`);
  }
  return terms.join(', ');
}

export function renderOrgPlan(orgPlan: OrgPlanBody, zone: string): string {
  const when = (iso: string) => `${formatZoned(iso, zone)} ${zone}`;
  const term: [string, string] = orgPlan.noExpiry
    ? ['expires', 'no expiry']
    : orgPlan.expiresAt
      ? ['expires', when(orgPlan.expiresAt)]
      : orgPlan.renewsAt
        ? ['renews', when(orgPlan.renewsAt)]
        : ['renews', '-'];
  const change = orgPlan.change;
  const pairs: [string, string][] = [
    ['plan', nameOf(orgPlan.plan)],
    ['terms', describeTerms(orgPlan.plan)],
    ['since', orgPlan.since ? when(orgPlan.since) : '-'],
    term,
    [
      'change waiting',
      orgPlan.next ? `${nameOf(orgPlan.next.plan)} from ${when(orgPlan.next.startsAt)}` : 'none',
    ],
  ];
  if (change) {
    pairs.push(['change', `${change.kind}, from ${when(change.startsAt)}`]);
    pairs.push(['topped up', groupCredits(change.toppedUp)]);
  }
  const history =
    orgPlan.history.length === 0
      ? ''
      : `\nHistory:\n${formatTable(orgPlan.history, [
          { header: `STARTS (${zone})`, value: (line) => formatZoned(line.startsAt, zone) },
          { header: 'PLAN', value: (line) => line.plan },
          { header: 'DECIDED', value: (line) => formatZoned(line.decidedAt, zone) },
          { header: 'BY', value: (line) => line.by ?? '' },
        ])}`;
  return formatPairs(pairs) + history;
}

/** One row per plan: its total over the months, the difference to the current plan, each month. */
export function renderComparison(comparison: PlanComparisonBody): string {
  if (comparison.plans.length === 0) return 'No plans to compare.\n';
  return formatTable(comparison.plans, [
    {
      header: 'PLAN',
      value: (cost) => `${cost.plan.id}${cost.current ? ' (current)' : ''}`,
    },
    {
      header: 'TOTAL',
      value: (cost) => withCurrency(cost.totalFormatted, cost.plan.currency),
      align: 'right',
    },
    {
      header: 'DIFFERENCE',
      value: (cost) =>
        cost.difference === null
          ? '-'
          : formatMoney(cost.difference, cost.plan.currency, { sign: true }),
      align: 'right',
    },
    ...comparison.months.map((month, index) => ({
      header: month,
      value: (cost: PlanComparisonBody['plans'][number]) => {
        const line = cost.months[index];
        return line === undefined ? '' : formatMoney(line.cost, cost.plan.currency);
      },
      align: 'right' as const,
    })),
  ]);
}

export function registerPlanCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  const plan = program
    .command('plan')
    .description("an org's plan: show it, change it, compare what each plan would cost");
  plan
    .command('show <org>')
    .description('the plan now, when it renews or expires, a change waiting, and the history')
    .action(async (org: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const orgPlan = (await context.client.get<OrgPlanBody>(orgPath(org, '/plan'))).body;
      const zone = context.json ? 'UTC' : await context.timeZoneOf(org);
      context.print(orgPlan, () => renderOrgPlan(orgPlan, zone));
    });
  plan
    .command('change <org> <plan>')
    .description(
      'change plan (admin): an upgrade starts now and tops up this month, a downgrade starts next month',
    )
    .action(async (org: string, planId: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const orgPlan = (
        await context.client.put<OrgPlanBody>(orgPath(org, '/plan'), { plan: planId })
      ).body;
      const zone = context.json ? 'UTC' : await context.timeZoneOf(org);
      context.print(orgPlan, () => renderOrgPlan(orgPlan, zone));
    });
  plan
    .command('compare <org>')
    .description('what the last three complete months would have cost on each plan')
    .action(async (org: string, _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const comparison = (
        await context.client.get<PlanComparisonBody>(orgPath(org, '/plan/comparison'))
      ).body;
      context.print(comparison, () => renderComparison(comparison));
      if (!context.json) {
        context.note(
          `Usage of ${comparison.months.join(', ')} at each plan's price, fee and allowance.`,
        );
      }
    });
}
