/**
 * Plays a demo plan against the server, one write in flight at a time and in time order (the
 * ledger refuses a write dated before the org's latest entry). Every write carries its own
 * Idempotency-Key, so the client's retries after a network error cannot double-write. Packs are
 * bought as the operator would: when a charge leaves the balance low, or, now and then, only
 * after a few guests were refused because nobody was watching.
 */
import { ApiProblem, type ApiClient } from './api-client.js';
import { fromMicros, toMicros } from './credits-text.js';
import { LOW_BALANCE_MICROS, PACK } from './demo-catalog.js';
import type { DemoAction, DemoPlan } from './demo-plan.js';
import type { Progress } from './progress.js';
import type { Random } from './random.js';

export interface DemoCounts {
  charges: { sent: number; succeeded: number; failed: number; refused: number };
  holds: { placed: number; captured: number; voided: number; refused: number };
  refunds: number;
  packs: number;
  trials: number;
  /** Micro-credits spent by charges and captures, less refunds. */
  spent: bigint;
  writes: number;
  /** Of the writes, answers replayed by the server after a retry. */
  replayed: number;
}

export interface DemoRunOptions {
  org: string;
  /** Grants and refunds. */
  admin: ApiClient;
  /** Charges, holds, captures and voids, as the booth software would send them. */
  operator: ApiClient;
  runId: string;
  random: Random;
  progress: Progress;
}

interface ChargeAnswer {
  id: string;
  credits: string;
  balanceAfter: string;
}

const MINUTE = 60_000;

export async function runDemoPlan(plan: DemoPlan, options: DemoRunOptions): Promise<DemoCounts> {
  const counts: DemoCounts = {
    charges: { sent: 0, succeeded: 0, failed: 0, refused: 0 },
    holds: { placed: 0, captured: 0, voided: 0, refused: 0 },
    refunds: 0,
    packs: 0,
    trials: 0,
    spent: 0n,
    writes: 0,
    replayed: 0,
  };
  const { random, progress } = options;
  const path = (rest: string) => `/v1/orgs/${encodeURIComponent(options.org)}${rest}`;
  let sequence = 0;
  let latest = plan.start;
  /** Set while the operator has not noticed the low balance: refusals left before they buy. */
  let unnoticed: number | undefined;
  let planned = plan.actions.length;

  const write = async <T>(client: ApiClient, rest: string, body: Record<string, unknown>) => {
    sequence += 1;
    const answer = await client.post<T>(path(rest), body, `${options.runId}-${sequence}`);
    counts.writes += 1;
    if (answer.replayed) counts.replayed += 1;
    progress.tick(1, planned);
    return answer.body;
  };
  /** Runs a write that may be refused for lack of credits; undefined when it was. */
  const spend = async <T>(client: ApiClient, rest: string, body: Record<string, unknown>) => {
    try {
      return await write<T>(client, rest, body);
    } catch (error) {
      if (error instanceof ApiProblem && error.code === 'insufficient_credits') {
        counts.writes += 1;
        progress.tick(1, planned);
        return undefined;
      }
      throw error;
    }
  };
  const buyPack = async (before: number) => {
    const at = Math.max(latest, Math.min(before, latest + random.int(MINUTE, 15 * MINUTE)));
    planned += 1;
    await write(options.admin, '/grants', {
      kind: 'purchase',
      credits: PACK.credits,
      note: `2,500-credit pack, $${(PACK.priceMinor / 100).toFixed(2)}`,
      at: new Date(at).toISOString(),
    });
    latest = at;
    counts.packs += 1;
    unnoticed = undefined;
  };
  /** An action that no longer applies (its hold or charge was refused). */
  const skip = () => {
    planned -= 1;
    progress.tick(0, planned);
  };
  const afterSpend = async (balanceAfter: string, next: number) => {
    if (unnoticed !== undefined || toMicros(balanceAfter) >= LOW_BALANCE_MICROS) return;
    if (random.chance(0.1)) unnoticed = random.int(2, 6);
    else await buyPack(next);
  };
  const afterRefusal = async (next: number) => {
    if (unnoticed !== undefined && unnoticed > 1) unnoticed -= 1;
    else await buyPack(next);
  };

  for (let index = 0; index < plan.actions.length; index += 1) {
    const action = plan.actions[index] as DemoAction;
    const at = Math.max(action.at, latest);
    const next = plan.actions[index + 1]?.at ?? plan.end;
    const iso = new Date(at).toISOString();
    latest = at;
    switch (action.type) {
      case 'trial':
        await write(options.admin, '/grants', {
          kind: 'trial',
          credits: action.credits,
          expiresAt: new Date(action.expiresAt).toISOString(),
          note: 'Welcome trial',
          at: iso,
        });
        counts.trials += 1;
        break;
      case 'charge': {
        counts.charges.sent += 1;
        const charge = await spend<ChargeAnswer>(options.operator, '/charges', {
          feature: action.feature,
          ...(action.quantities ? { quantities: action.quantities } : {}),
          user: action.user,
          project: action.project,
          ...(action.model ? { model: action.model } : {}),
          ...(action.failed ? { status: 'failed' } : {}),
          at: iso,
        });
        if (!charge) {
          counts.charges.refused += 1;
          await afterRefusal(next);
          break;
        }
        action.outcome.id = charge.id;
        action.outcome.credits = charge.credits;
        if (action.failed) counts.charges.failed += 1;
        else counts.charges.succeeded += 1;
        counts.spent += toMicros(charge.credits);
        await afterSpend(charge.balanceAfter, next);
        break;
      }
      case 'hold': {
        const hold = await spend<{ id: string }>(options.operator, '/holds', {
          feature: action.feature,
          credits: action.credits,
          user: action.user,
          project: action.project,
          ...(action.model ? { model: action.model } : {}),
          note: action.note,
          ttlSeconds: 900,
          at: iso,
        });
        if (!hold) {
          counts.holds.refused += 1;
          await afterRefusal(next);
          break;
        }
        action.outcome.id = hold.id;
        counts.holds.placed += 1;
        break;
      }
      case 'capture': {
        if (action.hold.id === undefined) {
          skip();
          break;
        }
        const charge = await write<ChargeAnswer>(
          options.operator,
          `/holds/${encodeURIComponent(action.hold.id)}/capture`,
          { credits: action.credits, at: iso },
        );
        counts.holds.captured += 1;
        counts.spent += toMicros(charge.credits);
        await afterSpend(charge.balanceAfter, next);
        break;
      }
      case 'void':
        if (action.hold.id === undefined) {
          skip();
          break;
        }
        await write(options.operator, `/holds/${encodeURIComponent(action.hold.id)}/void`, {
          reason: action.reason,
          at: iso,
        });
        counts.holds.voided += 1;
        break;
      case 'refund': {
        const { id, credits } = action.charge;
        if (id === undefined || credits === undefined || toMicros(credits) === 0n) {
          skip();
          break;
        }
        const half = toMicros(credits) / 2n;
        const refund = await write<{ credits: string }>(
          options.admin,
          `/charges/${encodeURIComponent(id)}/refund`,
          {
            ...(action.half && half > 0n ? { credits: fromMicros(half) } : {}),
            note: action.note,
            at: iso,
          },
        );
        counts.refunds += 1;
        counts.spent -= toMicros(refund.credits);
        break;
      }
    }
  }
  return counts;
}
