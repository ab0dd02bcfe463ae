/**
 * One of the racing processes: charges one org on a shared database file, several charges in
 * flight at once, some retried under the same idempotency key, and reports every answer as a JSON
 * line: { kind: 'ack' | 'refused', key, id?, code?, replayed }.
 */
import { createLedger } from '../../src/ledger/ledger.js';
import { randomIds, systemClock } from '../../src/ledger/system.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const [path, orgId, worker, countText] = process.argv.slice(2);
if (!path || !orgId || !worker || !countText)
  throw new Error('usage: race-worker <db> <org> <worker> <count>');
const count = Number(countText);
const IN_FLIGHT = 8;

const store = new SqliteStore({ path, busyTimeoutMs: 60_000 });
const ledger = createLedger({ store, clock: systemClock, ids: randomIds });

function report(key: string, result: Awaited<ReturnType<typeof ledger.charge>>): void {
  const line = result.ok
    ? {
        kind: 'ack',
        key,
        id: result.value.id,
        credits: String(-result.value.credits),
        replayed: result.replayed,
      }
    : { kind: 'refused', key, code: result.refusal.code, replayed: result.replayed };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

let next = 0;
async function lane(): Promise<void> {
  while (next < count) {
    const key = `w${worker}-${next}`;
    next += 1;
    const input = { feature: 'image', user: `worker-${worker}`, idempotencyKey: key };
    report(key, await ledger.charge(orgId as string, input));
    // Every fifth charge is retried, as a client that lost the answer would.
    if (next % 5 === 0) report(key, await ledger.charge(orgId as string, input));
  }
}

await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
await store.close();
