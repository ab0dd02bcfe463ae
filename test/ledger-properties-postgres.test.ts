/** The property-based ledger suite (test/support/ledger-properties.ts) on PostgreSQL. */
import { describe } from 'vitest';
import { describeLedgerProperties } from './support/ledger-properties.js';
import { postgresTestLedger } from './support/harness.js';
import { postgresAdminUrl } from './support/postgres.js';

const adminUrl = postgresAdminUrl();

describe.skipIf(!adminUrl)('postgres', () => {
  describeLedgerProperties({
    name: 'postgres',
    open: (startIso) => postgresTestLedger(adminUrl as string, startIso),
  });
});
