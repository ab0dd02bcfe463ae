/** `npm run bench`: every benchmark, each printing its figures and the machine they ran on. */
import { benchLedger } from './ledger.js';

await benchLedger();
