/** `tally charge`: spend credits for one AI action, or log a failed one. */
import type { Command } from 'commander';
import type { ChargeBody } from './api-types.js';
import { orgPath, type CommandContext } from './command-context.js';
import { groupCredits } from './credits-text.js';
import { needsTimeZone, parseInstant, parseQuantities } from './parse-arguments.js';
import { formatPairs } from './table.js';
import { formatZoned } from './zoned-time.js';

interface ChargeFlags {
  qty?: string[];
  user?: string;
  project?: string;
  model?: string;
  note?: string;
  failed?: boolean;
  at?: string;
  idempotencyKey?: string;
}

export function registerChargeCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  program
    .command('charge <org> <feature>')
    .description('spend credits for one AI action (operator); refused whole if credits lack')
    .option('--qty <unit=n...>', 'units used, e.g. --qty input_tokens=1200 output_tokens=350')
    .option('--user <user>', 'who ran it')
    .option('--project <project>', 'what it was for (an event, a client job)')
    .option('--model <model>', 'the model that ran it')
    .option('--note <text>', 'a remark for the log')
    .option('--failed', 'log a failed attempt: nothing is spent')
    .option('--at <time>', 'date the charge (default now; never before the latest entry)')
    .option('--idempotency-key <key>', 'send it again with the same key: it is charged once')
    .action(async (org: string, feature: string, flags: ChargeFlags, command: Command) => {
      const context = contextOf(command);
      const quantities = parseQuantities(flags.qty);
      const zone = !context.json || needsTimeZone(flags.at) ? await context.timeZoneOf(org) : 'UTC';
      const body = {
        feature,
        ...(Object.keys(quantities).length > 0 ? { quantities } : {}),
        ...(flags.user === undefined ? {} : { user: flags.user }),
        ...(flags.project === undefined ? {} : { project: flags.project }),
        ...(flags.model === undefined ? {} : { model: flags.model }),
        ...(flags.note === undefined ? {} : { note: flags.note }),
        ...(flags.failed ? { status: 'failed' } : {}),
        ...(flags.at === undefined ? {} : { at: parseInstant(flags.at, '--at', zone) }),
      };
      const answer = await context.client.post<ChargeBody>(
        orgPath(org, '/charges'),
        body,
        flags.idempotencyKey,
      );
      const charge = answer.body;
      context.print(charge, () => renderCharge(charge, zone));
      if (answer.replayed && !context.json) {
        context.note('Replayed: this idempotency key was charged before; nothing new was spent.');
      }
    });
}

function renderCharge(charge: ChargeBody, zone: string): string {
  const quantities = Object.entries(charge.quantities ?? {})
    .map(([unit, quantity]) => `${unit}=${quantity}`)
    .join(' ');
  const draws = charge.draws
    .map((draw) => `${groupCredits(draw.credits)} ${draw.kind} (${draw.grantId})`)
    .join(', ');
  return formatPairs(
    [
      ['charge', charge.id],
      ['feature', charge.feature],
      ['status', charge.status],
      ['credits', groupCredits(charge.credits)],
      ['balance after', groupCredits(charge.balanceAfter)],
      ['drawn from', draws || '-'],
      ['quantities', quantities],
      ['user', charge.user],
      ['project', charge.project],
      ['model', charge.model],
      ['at', `${formatZoned(charge.at, zone)} ${zone}`],
    ].filter(([, value]) => value !== null && value !== '') as [string, string][],
  );
}
