/**
 * CSV exports, streamed. `GET /v1/orgs/{org}/transactions.csv` answers the rows that
 * `GET …/transactions` would answer for the same filters, every page of them, as RFC 4180 CSV
 * (see src/reports/transactions-csv.ts for the columns).
 *
 * - Everything that can be refused is checked before the first byte: the caller's role (by the
 *   server's hook), the filters, and the org (by reading the first page). Refusals are then the
 *   usual problem documents; once streaming has begun the status is 200 and cannot change.
 * - Memory stays constant whatever the number of rows: the log is read one page (2000 rows) at a
 *   time by keyset pagination, and the next page is read only once the socket has taken the
 *   previous one (the stream is piped, so a full socket buffer pauses it until 'drain').
 * - A client that goes away destroys the stream, which ends the generator: no further page is
 *   read. A failure mid-stream is logged and cuts the connection, so the client sees a truncated
 *   transfer (no final chunk) rather than a file that looks complete.
 * - UTF-8 without a byte order mark: CSV readers, `cut` and databases take it as it is; Excel
 *   users open it through Data > From Text/CSV (a BOM would put three stray bytes in front of the
 *   first column for every other reader).
 */
import type { FastifyBaseLogger } from 'fastify';
import { Readable } from 'node:stream';
import { sendProblem } from '../errors.js';
import { transactionsCsvQuery, transactionsCsvResponse } from '../export-schemas.js';
import { orgParams, problemResponse } from '../schemas.js';
import { transactionFilterOf } from '../transaction-filter.js';
import type { RouteContext, ZodApp } from './route-context.js';

const problems = {
  400: problemResponse,
  401: problemResponse,
  403: problemResponse,
  404: problemResponse,
};

/**
 * `<org>-<what>[-from-YYYY-MM-DD][-to-YYYY-MM-DD].csv`, the dates as the caller wrote them (their
 * local day, not UTC's). The org id is reduced to safe characters: it goes into a header.
 */
export function exportFileName(
  org: string,
  what: string,
  range: { from?: string | undefined; to?: string | undefined },
): string {
  const parts = [org.replace(/[^A-Za-z0-9._-]/g, '_'), what];
  if (range.from !== undefined) parts.push('from', range.from.slice(0, 10));
  if (range.to !== undefined) parts.push('to', range.to.slice(0, 10));
  return `${parts.join('-')}.csv`;
}

/** The chunks, with a failure mid-stream logged before it cuts the connection. */
async function* logged(
  chunks: AsyncGenerator<Buffer>,
  org: string,
  log: FastifyBaseLogger,
): AsyncGenerator<Buffer> {
  let bytes = 0;
  try {
    for await (const chunk of chunks) {
      bytes += chunk.length;
      yield chunk;
    }
  } catch (error) {
    log.error({ err: error, org, bytesWritten: bytes }, 'transactions.csv export failed');
    throw error;
  }
}

export function registerExportRoutes(app: ZodApp, { reports }: RouteContext): void {
  app.get(
    '/v1/orgs/:org/transactions.csv',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['transactions'],
        summary: 'The activity log as CSV, every matching row, streamed',
        description:
          'The rows of GET /v1/orgs/{org}/transactions for the same filters, newest first, in one file. Bad filters and unknown orgs are refused as problem documents before anything is streamed.',
        params: orgParams,
        querystring: transactionsCsvQuery,
        response: { 200: transactionsCsvResponse, ...problems },
      },
    },
    async (request, reply) => {
      const org = request.params.org;
      const filter = transactionFilterOf(request.query);
      const chunks = await reports.transactionsCsv(org, filter);
      if (!chunks.ok) return sendProblem(reply, chunks.refusal);
      const name = exportFileName(org, 'transactions', request.query);
      reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`);
      // Fastify answers HEAD with this handler and drains the stream it is given: an empty one.
      if (request.method === 'HEAD') {
        await chunks.value.return(undefined);
        return reply.send(Readable.from([]));
      }
      return reply.send(
        Readable.from(logged(chunks.value, org, request.log), { objectMode: false }),
      );
    },
  );
}
