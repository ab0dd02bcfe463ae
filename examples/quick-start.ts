// The README's example: the ledger as a library, on the embedded SQLite file under ./data.
import { credits, formatCredits, openLedger } from '../src/main.js';

export async function quickStart(dataDir = './data'): Promise<string> {
  const { ledger, close } = await openLedger({ dataDir });
  await ledger.setFeature({
    id: 'text-to-image',
    name: 'Text to image',
    prices: [{ unit: 'action', credits: credits(8) }],
  });
  const org = await ledger.createOrg({
    name: 'Photo booth',
    timeZone: 'Europe/Paris',
    allowance: { credits: credits(1500) },
  });
  if (!org.ok) throw new Error(org.refusal.message);
  await ledger.grant(org.value.id, { kind: 'purchase', credits: credits(2500) });
  const charge = await ledger.charge(org.value.id, {
    feature: 'text-to-image',
    user: 'ana',
    idempotencyKey: 'job-1',
  });
  if (!charge.ok) throw new Error(charge.refusal.code); // e.g. insufficient_credits
  const balance = await ledger.balance(org.value.id);
  await close();
  return balance.ok ? formatCredits(balance.value.available) : balance.refusal.code; // "3992"
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await quickStart());
