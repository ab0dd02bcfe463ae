/**
 * Schemas of the CSV exports: the same filters as the JSON lists they export (without `limit`
 * and `cursor`: an export is every matching row), and a `text/csv` answer for the OpenAPI document.
 */
import { Readable } from 'node:stream';
import { z } from 'zod';
import { TRANSACTION_CSV_COLUMNS } from '../reports/transactions-csv.js';
import { transactionsQuery } from './schemas.js';

export const transactionsCsvQuery = transactionsQuery.omit({ limit: true, cursor: true });

export const transactionsCsvResponse = {
  description:
    'RFC 4180 CSV in UTF-8 without a byte order mark, lines ended by CRLF, one header line; instants in ISO 8601 UTC, credits as signed exact decimals; text that would start a spreadsheet formula is prefixed with an apostrophe',
  content: {
    'text/csv': {
      // Sent as a stream; documented as the text it is.
      schema: z
        .custom<Readable>((value) => value instanceof Readable)
        .meta({ type: 'string', description: `Columns: ${TRANSACTION_CSV_COLUMNS.join(',')}` }),
    },
  },
};
