/**
 * `tally rollups rebuild [org...]` (root): recomputes the day rollups the reports read, from each
 * org's raw history, one org at a time so the server keeps serving; with no org, every org of the
 * installation. A failed org does not stop the others: they are listed at the end and the exit
 * code is 1. Only an unreachable server or a key that may not rebuild stops the run, since every
 * org after would fail alike.
 */
import type { Command } from 'commander';
import { ApiProblem, ConnectionError } from './api-client.js';
import type { RebuildBody } from './api-types.js';
import { CommandFailed } from './cli-errors.js';
import { orgPath, type CommandContext } from './command-context.js';
import { listEveryOrg } from './org-pages.js';
import { Progress } from './progress.js';

interface Failure {
  org: string;
  code: string;
  detail: string;
}

export interface RebuildRun {
  rebuilt: RebuildBody[];
  failed: Failure[];
  /** Orgs deleted between the listing and their turn (only when rebuilding every org). */
  gone: string[];
  /** Orgs not tried: the server could not be reached. */
  notTried: string[];
  totals: { orgs: number; rows: number; usageRollups: number; entryRollups: number };
  seconds: number;
}

export function registerRollupsCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  program
    .command('rollups')
    .description('the day rollups the reports read from')
    .command('rebuild [orgs...]')
    .description("recompute the orgs' rollups from their raw history (root key); no org: every org")
    .action(async (orgs: string[], _flags: unknown, command: Command) => {
      const context = contextOf(command);
      const everyOrg = orgs.length === 0;
      const targets = everyOrg
        ? (await listEveryOrg(context.client)).map((org) => org.id)
        : [...new Set(orgs)];
      const run = await rebuildEach(context, targets, everyOrg);
      context.print(run, () => summaryOf(run));
      const unfinished = [...run.failed.map((failure) => failure.org), ...run.notTried];
      if (unfinished.length > 0) {
        throw new CommandFailed(
          `${unfinished.length.toLocaleString('en-US')} of ${targets.length.toLocaleString('en-US')} orgs not rebuilt: ${unfinished.join(', ')}`,
        );
      }
    });
}

const WHOLE_RUN_REFUSALS = new Set(['unauthenticated', 'forbidden']);

async function rebuildEach(
  context: CommandContext,
  targets: readonly string[],
  everyOrg: boolean,
): Promise<RebuildRun> {
  const run: RebuildRun = {
    rebuilt: [],
    failed: [],
    gone: [],
    notTried: [],
    totals: { orgs: 0, rows: 0, usageRollups: 0, entryRollups: 0 },
    seconds: 0,
  };
  const progress = new Progress(context.io, 'Rebuilding rollups', targets.length);
  for (const [index, org] of targets.entries()) {
    try {
      const rebuilt = (await context.client.post<RebuildBody>(orgPath(org, '/rollups/rebuild'), {}))
        .body;
      run.rebuilt.push(rebuilt);
      run.totals.orgs += 1;
      run.totals.rows += rebuilt.rows;
      run.totals.usageRollups += rebuilt.usageRollups;
      run.totals.entryRollups += rebuilt.entryRollups;
    } catch (error) {
      // A key that may not rebuild is refused for every org alike: say so once.
      if (error instanceof ApiProblem && WHOLE_RUN_REFUSALS.has(error.code)) throw error;
      if (error instanceof ApiProblem && everyOrg && error.code === 'unknown_org') {
        run.gone.push(org);
      } else if (error instanceof ApiProblem) {
        run.failed.push({ org, code: error.code, detail: error.detail });
      } else if (error instanceof ConnectionError) {
        run.failed.push({ org, code: 'unreachable', detail: error.message });
        run.notTried.push(...targets.slice(index + 1));
        break;
      } else {
        throw error;
      }
    }
    progress.tick();
  }
  progress.finish();
  run.seconds = progress.seconds;
  return run;
}

const count = (value: number) => value.toLocaleString('en-US');

export function summaryOf(run: RebuildRun): string {
  const { totals } = run;
  const lines = [
    `Rebuilt ${count(totals.orgs)} ${totals.orgs === 1 ? 'org' : 'orgs'} in ${run.seconds.toFixed(1)} s: ${count(totals.rows)} rows summed into ${count(totals.usageRollups)} usage rollups and ${count(totals.entryRollups)} entry rollups.`,
  ];
  if (run.gone.length > 0) {
    lines.push(`Deleted meanwhile, skipped: ${run.gone.join(', ')}.`);
  }
  for (const failure of run.failed) {
    lines.push(`Failed: ${failure.org}: ${failure.code}: ${failure.detail}`);
  }
  if (run.notTried.length > 0) {
    lines.push(`Not tried, the server being unreachable: ${run.notTried.join(', ')}.`);
  }
  return `${lines.join('\n')}\n`;
}
