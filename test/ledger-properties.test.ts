/** The property-based ledger suite (test/support/ledger-properties.ts) on SQLite. */
import { describeLedgerProperties } from './support/ledger-properties.js';
import { testLedger } from './support/harness.js';

describeLedgerProperties({ name: 'sqlite', open: async (startIso) => testLedger(startIso) });
