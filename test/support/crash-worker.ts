/**
 * A writer under load, to be killed: charges, holds with captures and voids, refunds and grants
 * on the orgs it is given, several in flight. After each write is acknowledged it prints
 * { id, credits, org } as a JSON line (credits signed as in the log); first it prints "ready".
 */
import { credits } from '../../src/core/amount.js';
import { createLedger } from '../../src/ledger/ledger.js';
import { randomIds, systemClock } from '../../src/ledger/system.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

const [path, ...orgs] = process.argv.slice(2);
if (!path || orgs.length === 0) throw new Error('usage: crash-worker <db> <org>...');

const store = new SqliteStore({ path });
const ledger = createLedger({ store, clock: systemClock, ids: randomIds });
const acked = (row: { id: string; credits: bigint }, org: string) =>
  process.stdout.write(`${JSON.stringify({ id: row.id, credits: String(row.credits), org })}\n`);
const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const charges: { org: string; id: string }[] = [];

async function step(): Promise<void> {
  const org = pick(orgs);
  const roll = Math.random();
  if (roll < 0.7) {
    const charged = await ledger.charge(org, {
      feature: 'image',
      user: 'crash',
      quantities: { action: 1 + Math.floor(Math.random() * 3) },
    });
    if (charged.ok) {
      acked(charged.value, org);
      charges.push({ org, id: charged.value.id });
    }
  } else if (roll < 0.85) {
    const held = await ledger.hold(org, { feature: 'image', credits: credits(5) });
    if (!held.ok) return;
    const resolved =
      Math.random() < 0.7
        ? await ledger.capture(org, held.value.id, { credits: credits(3) })
        : await ledger.void(org, held.value.id, {});
    if (resolved.ok && 'type' in resolved.value) acked(resolved.value, org);
  } else if (roll < 0.95) {
    const target = charges.splice(Math.floor(Math.random() * charges.length), 1)[0];
    if (!target) return;
    const refunded = await ledger.refund(target.org, target.id, {});
    if (refunded.ok) acked(refunded.value, target.org);
  } else {
    const granted = await ledger.grant(org, { kind: 'purchase', credits: credits(100) });
    if (granted.ok) acked({ id: `grant:${granted.value.id}`, credits: granted.value.amount }, org);
  }
}

process.stdout.write('ready\n');
await Promise.all(
  Array.from({ length: 16 }, async () => {
    for (;;) await step();
  }),
);
