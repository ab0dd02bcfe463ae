/** `tally grant`: add credits to an org. */
import type { Command } from 'commander';
import { GRANT_KINDS } from '../core/grant.js';
import type { GrantBody } from './api-types.js';
import { orgPath, type CommandContext } from './command-context.js';
import { UsageError } from './cli-errors.js';
import { groupCredits } from './credits-text.js';
import { needsTimeZone, parseCredits, parseInstant, parseInteger } from './parse-arguments.js';
import { formatPairs } from './table.js';
import { formatZoned } from './zoned-time.js';

interface GrantFlags {
  expiresAt?: string;
  effectiveAt?: string;
  priority?: string;
  monthly?: boolean;
  note?: string;
  at?: string;
  idempotencyKey?: string;
}

export function registerGrantCommand(
  program: Command,
  contextOf: (command: Command) => CommandContext,
): void {
  program
    .command('grant <org> <kind> <credits>')
    .description(`add credits to an org (admin); kind is one of ${GRANT_KINDS.join(', ')}`)
    .option('--expires-at <time>', 'when what is left expires (default never)')
    .option('--effective-at <time>', 'when the credits become usable (default --at)')
    .option('--priority <0-100>', 'lower is spent first (default 50)')
    .option('--monthly', 'one grant every month, each expiring at its month end')
    .option('--note <text>', 'why, for the log')
    .option('--at <time>', 'date the grant (default now; never before the latest entry)')
    .option('--idempotency-key <key>', 'make a retry of this command safe')
    .action(
      async (org: string, kind: string, credits: string, flags: GrantFlags, command: Command) => {
        const context = contextOf(command);
        if (!(GRANT_KINDS as readonly string[]).includes(kind)) {
          throw new UsageError(`the kind is one of ${GRANT_KINDS.join(', ')}, not "${kind}"`);
        }
        const amount = parseCredits(credits, '<credits>');
        const priority =
          flags.priority === undefined
            ? undefined
            : parseInteger(flags.priority, '--priority', { min: 0, max: 100 });
        const times = [flags.expiresAt, flags.effectiveAt, flags.at];
        const zone =
          !context.json || times.some(needsTimeZone) ? await context.timeZoneOf(org) : 'UTC';
        const instant = (text: string | undefined, option: string) =>
          text === undefined ? {} : { [option]: parseInstant(text, `--${kebab(option)}`, zone) };
        const body = {
          kind,
          credits: amount,
          ...instant(flags.expiresAt, 'expiresAt'),
          ...instant(flags.effectiveAt, 'effectiveAt'),
          ...instant(flags.at, 'at'),
          ...(priority === undefined ? {} : { priority }),
          ...(flags.monthly ? { recurrence: 'monthly' } : {}),
          ...(flags.note === undefined ? {} : { note: flags.note }),
        };
        const grant = (
          await context.client.post<GrantBody>(orgPath(org, '/grants'), body, flags.idempotencyKey)
        ).body;
        context.print(grant, () => renderGrant(grant, zone));
      },
    );
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

function renderGrant(grant: GrantBody, zone: string): string {
  const when = (iso: string | null) =>
    iso === null ? 'never' : `${formatZoned(iso, zone)} ${zone}`;
  return formatPairs([
    ['grant', grant.id],
    ['kind', grant.kind],
    ['credits', groupCredits(grant.credits)],
    ['remaining', groupCredits(grant.remaining)],
    ['effective', when(grant.effectiveAt)],
    ['expires', when(grant.expiresAt)],
    ['priority', String(grant.priority)],
    ['recurrence', grant.recurrence ?? '-'],
    ['note', grant.note ?? ''],
  ]);
}
