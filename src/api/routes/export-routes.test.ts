/**
 * How the CSV export streams, on a store that makes pages up and counts them: the next page is
 * read only as the socket takes the previous one, a client that leaves stops the paging, and a
 * failure mid-stream is logged and cuts the transfer short. The rows themselves are checked over
 * HTTP in test/exports-http.test.ts.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import {
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { ok } from '../../core/refusal.js';
import type { TransactionCursor, TransactionFilter } from '../../ledger/ports.js';
import type { ExportRow } from '../../reports/ports.js';
import { EXPORT_PAGE, transactionsCsvChunks } from '../../reports/transactions-export.js';
import { registerExportRoutes } from './export-routes.js';
import type { RouteContext } from './route-context.js';

const PAGES = 100;
const NOTE = 'x'.repeat(2000);

function row(index: number): ExportRow {
  const id = `chg_${String(index).padStart(8, '0')}`;
  const at = 1_800_000_000_000 - index;
  return [
    id,
    at,
    'usage',
    'succeeded',
    'image',
    '-8000000',
    '1000000000',
    '0',
    null,
    null,
    null,
    null,
    '[]',
    null,
    null,
    null,
    NOTE,
    null,
  ];
}

/** A store with PAGES pages of big rows, counting the pages read; `failAt` throws there. */
function pagedStore(failAt?: number) {
  const store = {
    pagesRead: 0,
    async exportTransactions(
      _org: string,
      _filter: unknown,
      limit: number,
      after: TransactionCursor | undefined,
    ): Promise<ExportRow[]> {
      const number = after ? Math.floor(Number(after.id.slice(4)) / limit) + 1 : 0;
      store.pagesRead += 1;
      if (number === failAt) throw new Error('the disk is on fire');
      if (number >= PAGES) return [];
      return Array.from({ length: limit }, (_, index) => row(number * limit + index));
    },
  };
  return store;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the streamed CSV export', () => {
  let app: FastifyInstance | undefined;
  const logs: Record<string, unknown>[] = [];

  async function serve(store: ReturnType<typeof pagedStore>): Promise<string> {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    app = Fastify({ logger: { level: 'info', stream: sink } });
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    const reports = {
      transactionsCsv: async (org: string, filter: TransactionFilter) =>
        ok(transactionsCsvChunks(store, org, filter)),
    };
    registerExportRoutes(app.withTypeProvider<ZodTypeProvider>(), {
      reports,
    } as unknown as RouteContext);
    return app.listen({ host: '127.0.0.1', port: 0 });
  }

  function open(url: string): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      httpRequest(`${url}/v1/orgs/org_1/transactions.csv`, { agent: false }, resolve)
        .on('error', reject)
        .end();
    });
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
    logs.length = 0;
  });

  it('reads a page only once the socket has taken the ones before', async () => {
    const ledger = pagedStore();
    const response = await open(await serve(ledger));
    expect(response.statusCode).toBe(200);
    // A client that stops reading: the buffers fill, and the paging waits for them to drain.
    response.pause();
    await wait(300);
    const whilePaused = ledger.pagesRead;
    await wait(300);
    expect(ledger.pagesRead).toBe(whilePaused);
    expect(whilePaused).toBeLessThan(10);
    // Reading again, it goes to the end: 400 MB through, a few pages in memory at any time.
    let bytes = 0;
    response.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
    });
    response.resume();
    await new Promise((resolve) => response.on('end', resolve));
    // Every page was full, so one more read finds the end.
    expect(ledger.pagesRead).toBe(PAGES + 1);
    expect(bytes).toBeGreaterThan(PAGES * EXPORT_PAGE * NOTE.length);
  });

  it('answers HEAD with the headers and reads no page', async () => {
    const ledger = pagedStore();
    await serve(ledger);
    const answer = await app?.inject({ method: 'HEAD', url: '/v1/orgs/org_1/transactions.csv' });
    expect(answer?.statusCode).toBe(200);
    expect(answer?.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(answer?.headers['content-disposition']).toBe(
      'attachment; filename="org_1-transactions.csv"',
    );
    expect(answer?.body).toBe('');
    await wait(100);
    expect(ledger.pagesRead).toBe(0);
  });

  it('stops paging when the client goes away', async () => {
    const ledger = pagedStore();
    const response = await open(await serve(ledger));
    await new Promise((resolve) => response.once('data', resolve));
    response.destroy();
    await wait(300);
    const afterLeaving = ledger.pagesRead;
    await wait(300);
    expect(ledger.pagesRead).toBe(afterLeaving);
    expect(afterLeaving).toBeLessThan(10);
  });

  it('logs a failure mid-stream and cuts the transfer short', async () => {
    const ledger = pagedStore(3);
    const response = await open(await serve(ledger));
    expect(response.statusCode).toBe(200);
    let text = '';
    response.setEncoding('utf8');
    response.on('data', (chunk: string) => {
      text += chunk;
    });
    // Cut short: the response never completes (no final chunk), so the client cannot take a
    // truncated file for a whole one.
    const outcome = await new Promise<string>((resolve) => {
      response.on('end', () => resolve(response.complete ? 'complete' : 'incomplete'));
      response.on('aborted', () => resolve('aborted'));
      response.on('error', () => resolve('error'));
    });
    expect(outcome).not.toBe('complete');
    expect(text.split('\r\n').length - 1).toBeLessThanOrEqual(3 * EXPORT_PAGE + 1);
    expect(ledger.pagesRead).toBe(4);
    const failure = logs.find((line) => line.msg === 'transactions.csv export failed');
    expect(failure).toMatchObject({ level: 50, org: 'org_1' });
    expect(JSON.stringify(failure)).toContain('the disk is on fire');
  });
});
