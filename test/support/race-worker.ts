/**
 * One of the racing processes (test/race.test.ts). It opens the shared database file, prints
 * "ready", waits for "go" on stdin so that every worker starts at once, then charges one org from
 * several lanes at a time (so that its store groups writes into one commit), and prints every
 * answer as a JSON line (see `Answer`). Every charge has its own idempotency key; some are retried
 * after their answer, some are sent twice at once, and the keys `shared-<n>` are sent by every
 * worker with the same request, so that the same key races across processes.
 *
 * argv: <db> <org> <worker> <charges> <shared>
 */
import { createInterface } from 'node:readline';
import { createLedger, type WriteResult } from '../../src/ledger/ledger.js';
import type { ChargeResult } from '../../src/ledger/charge.js';
import type { ChargeInput } from '../../src/ledger/inputs.js';
import { randomIds, systemClock } from '../../src/ledger/system.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

export interface Answer {
  worker: number;
  key: string;
  /** first: the first sending; retry: sent again after the answer; twin: sent alongside the first. */
  role: 'first' | 'retry' | 'twin';
  replayed: boolean;
  /** For an acknowledged charge. */
  id?: string;
  credits?: string;
  /** For a refusal. */
  code?: string;
  available?: string;
  required?: string;
  transactionId?: string;
}

const [path, orgId, workerText, countText, sharedText] = process.argv.slice(2);
if (!path || !orgId || !workerText || !countText || !sharedText) {
  throw new Error('usage: race-worker <db> <org> <worker> <charges> <shared>');
}
const worker = Number(workerText);
const count = Number(countText);
const shared = Number(sharedText);
const LANES = 6;

const store = new SqliteStore({ path, busyTimeoutMs: 60_000 });
const ledger = createLedger({ store, clock: systemClock, ids: randomIds });

function report(key: string, role: Answer['role'], result: WriteResult<ChargeResult>): void {
  const answer: Answer = result.ok
    ? {
        worker,
        key,
        role,
        replayed: result.replayed,
        id: result.value.id,
        credits: String(-result.value.credits),
      }
    : {
        worker,
        key,
        role,
        replayed: result.replayed,
        code: result.refusal.code,
        ...(result.refusal.code === 'insufficient_credits'
          ? {
              available: String(result.refusal.details.available),
              required: String(result.refusal.details.required),
              transactionId: String(result.refusal.details.transactionId),
            }
          : {}),
      };
  process.stdout.write(`${JSON.stringify(answer)}\n`);
}

/** The work of this worker, in order: its own charges with a shared key every few of them. */
const plan: { key: string; input: ChargeInput; index: number }[] = [];
const sharedEvery = Math.max(1, Math.floor(count / Math.max(1, shared)));
let sharedNext = 0;
for (let index = 0; index < count; index += 1) {
  if (index % sharedEvery === 0 && sharedNext < shared) {
    const key = `shared-${sharedNext}`;
    // Every worker sends exactly this request under this key.
    plan.push({ key, input: { feature: 'image', user: 'shared', note: key }, index: -1 });
    sharedNext += 1;
  }
  const key = `w${worker}-${index}`;
  const feature = index % 4 === 1 ? 'erase' : 'image';
  plan.push({ key, input: { feature, user: `worker-${worker}`, note: key }, index });
}

async function send(
  key: string,
  input: ChargeInput,
  role: Answer['role'],
): Promise<WriteResult<ChargeResult>> {
  const result = await ledger.charge(orgId as string, { ...input, idempotencyKey: key });
  report(key, role, result);
  return result;
}

let next = 0;
async function lane(): Promise<void> {
  for (;;) {
    const item = plan[next];
    if (!item) return;
    next += 1;
    const { key, input, index } = item;
    if (index >= 0 && index % 7 === 3) {
      // A client that sent twice at once: one runs, the other is told the key is in use.
      await Promise.all([send(key, input, 'first'), send(key, input, 'twin')]);
    } else {
      await send(key, input, 'first');
    }
    // A client that lost the answer sends the same request again.
    if (index >= 0 && index % 5 === 0) await send(key, input, 'retry');
  }
}

process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();
await Promise.all(Array.from({ length: LANES }, lane));
await store.close();
