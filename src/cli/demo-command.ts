/** `tally demo`: a new org filled with a photo-booth operator's year, sent over the API. */
import type { Command } from 'commander';
import { randomUUID } from 'node:crypto';
import { ApiClient } from './api-client.js';
import type { BalanceBody, FeatureListBody } from './api-types.js';
import type { CommandContext } from './command-context.js';
import { groupCredits, fromMicros } from './credits-text.js';
import { ALL_DEMO_FEATURES, PACK } from './demo-catalog.js';
import { planDemo } from './demo-plan.js';
import { runDemoPlan, type DemoCounts } from './demo-runner.js';
import { EVERYDAY_PROJECTS } from './demo-catalog.js';
import { createDemoOrg, createDemoProjects, ensureDemoFeatures } from './demo-setup.js';
import { parseInteger } from './parse-arguments.js';
import { Progress } from './progress.js';
import { Random } from './random.js';
import { formatPairs } from './table.js';
import { formatZoned } from './zoned-time.js';

interface DemoFlags {
  months: string;
  charges: string;
  name: string;
  timezone: string;
  seed?: string;
}

const DAY = 86_400_000;

export function registerDemoCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  program
    .command('demo')
    .description(
      "fill a new org with a photo-booth operator's year: priced features, a 1,500-credit monthly allowance, packs bought when credits run low, events and operators, tens of thousands of charges (needs the root key)",
    )
    .option('--months <n>', 'months of history, ending now', '12')
    .option('--charges <n>', 'charges to send', '30000')
    .option('--name <name>', 'the new org name', 'Snapshot Photo Booths (demo)')
    .option('--timezone <zone>', "the org's IANA time zone", 'Europe/Berlin')
    .option('--seed <n>', 'plan the same year again (default: a new one each run)')
    .action((flags: DemoFlags, command: Command) => runDemo(contextOf(command), flags));
}

async function runDemo(context: CommandContext, flags: DemoFlags): Promise<void> {
  const months = parseInteger(flags.months, '--months', { min: 1, max: 120 });
  const charges = parseInteger(flags.charges, '--charges', { min: 0, max: 5_000_000 });
  const seed =
    flags.seed === undefined
      ? Math.floor(Math.random() * 2 ** 31)
      : parseInteger(flags.seed, '--seed', { min: 0, max: 2 ** 31 - 1 });
  const io = context.io;
  const root = context.client;

  // Date the year by the server's clock too: no write may be later than its now.
  const probe = await root.get<FeatureListBody>('/v1/features');
  const serverNow = Date.parse(probe.headers.get('date') ?? '');
  const localNow = (io.now ?? Date.now)();
  const end = (Number.isNaN(serverNow) ? localNow : Math.min(localNow, serverNow)) - 60_000;
  const plan = planDemo({ end, months, charges, timeZone: flags.timezone, seed });
  const runId = `demo-${randomUUID().slice(0, 8)}`;
  context.note(
    `Planned ${charges.toLocaleString('en-US')} charges over ${months} months (${formatZoned(plan.start, flags.timezone)} to ${formatZoned(plan.end, flags.timezone)}, ${flags.timezone}), ${plan.events.length} events, seed ${seed}`,
  );

  const featuresSet = await ensureDemoFeatures(root, plan.start - DAY);
  const created = await createDemoOrg(root, {
    name: flags.name,
    timeZone: flags.timezone,
    start: plan.start,
    runId,
  });
  const org = created.org.id;
  await createDemoProjects(
    root,
    org,
    [...Object.values(EVERYDAY_PROJECTS), ...plan.events.map((event) => event.project)],
    runId,
  );
  context.note(`Org ${org} created; sending its year one write at a time…`);
  const clientFor = (key: string) =>
    new ApiClient({
      url: root.url,
      key,
      attempts: 10,
      ...(io.fetch ? { fetch: io.fetch } : {}),
      ...(io.sleep ? { sleep: io.sleep } : {}),
    });
  const progress = new Progress(io, 'demo', plan.actions.length);
  let counts: DemoCounts;
  try {
    counts = await runDemoPlan(plan, {
      org,
      admin: clientFor(created.adminKey.secret),
      operator: clientFor(created.operatorKey.secret),
      runId,
      random: new Random(seed ^ 0x5eed),
      progress,
    });
  } catch (error) {
    progress.finish();
    context.note(`The demo stopped; org ${org} keeps what was written before the error.`);
    throw error;
  }
  progress.finish();
  const seconds = progress.seconds;
  const balance = (
    await clientFor(created.adminKey.secret).get<BalanceBody>(
      `/v1/orgs/${encodeURIComponent(org)}/balance`,
    )
  ).body;
  const rate = counts.writes / Math.max(seconds, 0.001);
  const summary = {
    org,
    name: created.org.name,
    timezone: flags.timezone,
    adminKey: created.adminKey.secret,
    operatorKey: created.operatorKey.secret,
    from: new Date(plan.start).toISOString(),
    to: new Date(plan.end).toISOString(),
    seed,
    events: plan.events,
    featuresSet,
    charges: counts.charges,
    holds: counts.holds,
    refunds: counts.refunds,
    packs: {
      count: counts.packs,
      credits: fromMicros(BigInt(counts.packs) * BigInt(PACK.credits) * 1_000_000n),
      amountMinor: counts.packs * PACK.priceMinor,
      currency: PACK.currency,
    },
    spent: fromMicros(counts.spent),
    balance,
    writes: counts.writes,
    replayed: counts.replayed,
    seconds: Math.round(seconds * 100) / 100,
    writesPerSecond: Math.round(rate),
  };
  context.print(summary, () => renderSummary(summary, counts));
}

function renderSummary(
  summary: {
    org: string;
    name: string;
    timezone: string;
    adminKey: string;
    operatorKey: string;
    from: string;
    to: string;
    events: { project: string }[];
    featuresSet: string[];
    balance: BalanceBody;
    packs: { count: number; amountMinor: number };
    spent: string;
    writes: number;
    seconds: number;
    writesPerSecond: number;
  },
  counts: DemoCounts,
): string {
  const n = (value: number) => value.toLocaleString('en-US');
  const zone = summary.timezone;
  const prices = ALL_DEMO_FEATURES.map((feature) =>
    feature.prices.length === 1 ? `${feature.id} ${feature.prices[0]?.credits}` : feature.id,
  ).join(', ');
  return [
    `Demo ready: ${summary.name}`,
    '',
    formatPairs([
      ['org', summary.org],
      ['admin key', `${summary.adminKey}  (shown once: keep it)`],
      ['operator key', summary.operatorKey],
      ['year', `${formatZoned(summary.from, zone)} to ${formatZoned(summary.to, zone)} (${zone})`],
      ['events', `${summary.events.length}: ${summary.events.map((e) => e.project).join(', ')}`],
      ['features', prices],
      [
        'charges',
        `${n(counts.charges.sent)} sent: ${n(counts.charges.succeeded)} succeeded, ${n(counts.charges.failed)} failed, ${n(counts.charges.refused)} refused`,
      ],
      [
        'holds',
        `${n(counts.holds.placed)} placed: ${n(counts.holds.captured)} captured, ${n(counts.holds.voided)} voided (${n(counts.holds.refused)} refused)`,
      ],
      ['refunds', n(counts.refunds)],
      [
        'packs bought',
        `${n(summary.packs.count)} × 2,500 credits ($${(summary.packs.amountMinor / 100).toFixed(2)})`,
      ],
      ['credits spent', groupCredits(summary.spent)],
      [
        'balance',
        `${groupCredits(summary.balance.available)} available, ${groupCredits(summary.balance.held)} held`,
      ],
      [
        'rate',
        `${n(summary.writes)} writes in ${summary.seconds.toFixed(1)} s: ${n(summary.writesPerSecond)} writes/s, one in flight`,
      ],
    ]),
    `Look around:  tally --key ${summary.adminKey} tx ${summary.org} --limit 20`,
    '',
  ].join('\n');
}
