/** `npm run bench`: every benchmark, each printing its figures and the machine they ran on. */
import { benchHttp } from './http.js';
import { benchLedger } from './ledger.js';
import { benchPostgres } from './postgres.js';
import { benchReports } from './reports.js';

const only = process.argv[2];
if (!only || only === 'ledger') await benchLedger();
if (!only || only === 'http') await benchHttp();
if (!only || only === 'postgres') await benchPostgres();
if (!only || only === 'reports') await benchReports();
