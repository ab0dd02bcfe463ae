/**
 * A writer under load, to be killed with SIGKILL (test/crash.test.ts). It charges, holds,
 * captures, voids, refunds and grants on the orgs it is given, many writes in flight, every one
 * with an idempotency key. Before sending a write it prints `{t: "send", req}`; once the write's
 * promise has resolved it prints `{t: "ack", …}` (the write is done, or refused and logged) or
 * `{t: "nack", …}` (refused, nothing written). First it sends again, with the same keys, the
 * requests a killed writer left unanswered, as a client that lost its connection would.
 *
 * argv: <db> <retries.json> <mode: load | drain> <org>...   (drain: only the retries, then exit)
 */
import { readFileSync } from 'node:fs';
import { credits } from '../../src/core/amount.js';
import { createLedger, type WriteResult } from '../../src/ledger/ledger.js';
import { randomIds, systemClock } from '../../src/ledger/system.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export type Request =
  | { op: 'charge'; key: string; org: string; feature: 'image' | 'erase'; quantity: number }
  | { op: 'hold'; key: string; org: string; credits: string; ttlSeconds: number }
  | { op: 'capture'; key: string; org: string; holdId: string; credits: string }
  | { op: 'void'; key: string; org: string; holdId: string }
  | { op: 'refund'; key: string; org: string; chargeId: string; credits: string }
  | {
      op: 'grant';
      key: string;
      org: string;
      kind: 'purchase' | 'promo';
      credits: string;
      expiresAt: number | null;
    };

export type Report =
  | { t: 'send'; req: Request }
  | {
      t: 'ack';
      key: string;
      replayed: boolean;
      /** The charge, hold, refund or grant made; absent for a refusal that was logged. */
      id?: string;
      /** Signed as in the log for charges and refunds; the amount of a hold or grant. */
      credits?: string;
      code?: string;
      transactionId?: string;
    }
  | { t: 'nack'; key: string; code: string };

const [path, retriesPath, mode, ...orgs] = process.argv.slice(2);
if (!path || !retriesPath || (mode !== 'load' && mode !== 'drain') || orgs.length === 0) {
  throw new Error('usage: crash-worker <db> <retries.json> <load|drain> <org>...');
}
const retries = JSON.parse(readFileSync(retriesPath, 'utf8')) as Request[];

const store = new SqliteStore({ path });
const ledger = createLedger({ store, clock: systemClock, ids: randomIds });
const print = (report: Report) => process.stdout.write(`${JSON.stringify(report)}\n`);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const run = `${Date.now().toString(36)}-${process.pid}`;
let sequence = 0;
const newKey = (op: string) => `${op}-${run}-${(sequence += 1)}`;

/** Charges and holds this writer made, for refunds, captures and voids. */
const charges: { org: string; id: string; credits: bigint }[] = [];
const holds: { org: string; id: string; credits: bigint }[] = [];

function execute(req: Request): Promise<WriteResult<{ id: string; credits: bigint }>> {
  const idempotencyKey = req.key;
  switch (req.op) {
    case 'charge':
      return ledger.charge(req.org, {
        feature: req.feature,
        quantities: { action: req.quantity },
        user: 'crash',
        note: req.key,
        idempotencyKey,
      });
    case 'hold':
      return ledger.hold(req.org, {
        feature: 'image',
        credits: BigInt(req.credits),
        ttlSeconds: req.ttlSeconds,
        note: req.key,
        idempotencyKey,
      });
    case 'capture':
      return ledger.capture(req.org, req.holdId, { credits: BigInt(req.credits), idempotencyKey });
    case 'void':
      return ledger.void(req.org, req.holdId, { reason: 'crash test', idempotencyKey });
    case 'refund':
      return ledger.refund(req.org, req.chargeId, {
        credits: BigInt(req.credits),
        note: req.key,
        idempotencyKey,
      });
    case 'grant':
      return ledger
        .grant(req.org, {
          kind: req.kind,
          credits: BigInt(req.credits),
          expiresAt: req.expiresAt,
          note: req.key,
          idempotencyKey,
        })
        .then((result) =>
          result.ok
            ? { ...result, value: { id: result.value.id, credits: result.value.amount } }
            : result,
        );
  }
}

async function send(req: Request): Promise<void> {
  print({ t: 'send', req });
  const result = await execute(req);
  if (result.ok) {
    const { id, credits: amount } = result.value;
    print({ t: 'ack', key: req.key, replayed: result.replayed, id, credits: String(amount) });
    if (req.op === 'charge') charges.push({ org: req.org, id, credits: -amount });
    if (req.op === 'hold') holds.push({ org: req.org, id, credits: amount });
    return;
  }
  const { code, details } = result.refusal;
  if (code === 'insufficient_credits' && details.transactionId !== undefined) {
    // Refused, and the refusal is in the log.
    print({
      t: 'ack',
      key: req.key,
      replayed: result.replayed,
      code,
      transactionId: String(details.transactionId),
    });
    return;
  }
  print({ t: 'nack', key: req.key, code });
  // A capture for more than is available leaves the hold pending: let it go.
  if (req.op === 'capture' && code === 'insufficient_credits') {
    await send({ op: 'void', key: newKey('v'), org: req.org, holdId: req.holdId });
  }
}

function nextRequest(): Request {
  const org = pick(orgs);
  const roll = Math.random();
  if (roll < 0.15 && holds.length > 0) {
    const held = holds.splice(Math.floor(Math.random() * holds.length), 1)[0];
    if (held && Math.random() < 0.65) {
      // Less, the same, or more than held (more only if available).
      const amount = held.credits + credits(pick([-5, -2, 0, 0, 2]));
      return {
        op: 'capture',
        key: newKey('p'),
        org: held.org,
        holdId: held.id,
        credits: String(amount < 0n ? 0n : amount),
      };
    }
    if (held) return { op: 'void', key: newKey('v'), org: held.org, holdId: held.id };
  }
  if (roll < 0.35) {
    return {
      op: 'hold',
      key: newKey('h'),
      org,
      credits: String(credits(5)),
      ttlSeconds: 1 + Math.floor(Math.random() * 3),
    };
  }
  if (roll < 0.45 && charges.length > 0) {
    const charge = charges.splice(Math.floor(Math.random() * charges.length), 1)[0];
    if (charge && charge.credits > 0n) {
      const amount = Math.random() < 0.5 ? charge.credits : charge.credits / 2n;
      return {
        op: 'refund',
        key: newKey('r'),
        org: charge.org,
        chargeId: charge.id,
        credits: String(amount > 0n ? amount : charge.credits),
      };
    }
  }
  if (roll < 0.55) {
    const promo = Math.random() < 0.5;
    return {
      op: 'grant',
      key: newKey('g'),
      org,
      kind: promo ? 'promo' : 'purchase',
      credits: String(credits(promo ? 15 : 20)),
      expiresAt: promo ? Date.now() + 1000 + Math.floor(Math.random() * 3000) : null,
    };
  }
  return {
    op: 'charge',
    key: newKey('c'),
    org,
    feature: Math.random() < 0.8 ? 'image' : 'erase',
    quantity: 1 + Math.floor(Math.random() * 3),
  };
}

process.stdout.write('ready\n');
await Promise.all(retries.map(send));
if (mode === 'drain') {
  await store.close();
} else {
  await Promise.all(
    Array.from({ length: 12 }, async () => {
      for (;;) await send(nextRequest());
    }),
  );
}
