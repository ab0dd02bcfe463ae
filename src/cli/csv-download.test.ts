import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiProblem, ConnectionError } from './api-client.js';
import type { CliIo } from './cli-io.js';
import { CommandContext } from './command-context.js';
import { CsvRecordCounter, downloadCsv } from './csv-download.js';

const HEADER = 'id,note\r\n';
const encode = (text: string) => new TextEncoder().encode(text);

/** A server answering `chunks` as the body, cut short after them when `cut` is set. */
function fakeFetch(chunks: Uint8Array[], options: { cut?: boolean; status?: number } = {}) {
  const requests: string[] = [];
  const fetch = (async (url: string | URL | Request) => {
    requests.push(String(url));
    if (options.status !== undefined) {
      return new Response(JSON.stringify({ code: 'unknown_org', detail: 'no org x' }), {
        status: options.status,
        headers: { 'content-type': 'application/problem+json' },
      });
    }
    let index = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const chunk = chunks[index];
        index += 1;
        if (chunk) controller.enqueue(chunk);
        else if (options.cut) controller.error(new Error('terminated'));
        else controller.close();
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/csv' } });
  }) as typeof globalThis.fetch;
  return { fetch, requests };
}

function contextWith(fetch: typeof globalThis.fetch, cwd: string, tty = false) {
  const output = { out: '', err: '' };
  let clock = 0;
  const io: CliIo = {
    stdout: (text) => {
      output.out += text;
    },
    stderr: (text) => {
      output.err += text;
    },
    env: { TALLY_URL: 'http://tally.test', TALLY_KEY: 'tly_test' },
    cwd,
    stderrIsTTY: tty,
    fetch,
    sleep: async () => undefined,
    now: () => (clock += 150),
  };
  return { context: new CommandContext(io, {}), output };
}

describe('CsvRecordCounter', () => {
  it('counts records, not the line breaks inside quoted cells, across any chunking', () => {
    const text = `${HEADER}a,"two\r\nlines"\r\nb,"say ""hi""\nthere"\r\nc,plain\r\n`;
    const bytes = encode(text);
    for (let size = 1; size <= bytes.length; size += 1) {
      const counter = new CsvRecordCounter();
      for (let start = 0; start < bytes.length; start += size) {
        counter.add(bytes.subarray(start, start + size));
      }
      expect(counter.records, `chunks of ${size}`).toBe(4);
    }
  });
});

describe('downloadCsv', () => {
  const folder = mkdtempSync(join(tmpdir(), 'tally-csv-download-'));
  afterEach(() => rmSync(join(folder, 'out.csv'), { force: true }));

  it('prints the CSV to stdout, multi-byte characters split across chunks included', async () => {
    const bytes = encode(`${HEADER}1,Zoë 👩‍👩‍👧\r\n2,"a, b"\r\n`);
    const chunks = Array.from({ length: bytes.length }, (_, index) =>
      bytes.subarray(index, index + 1),
    );
    const server = fakeFetch(chunks);
    const { context, output } = contextWith(server.fetch, folder);
    const done = await downloadCsv(
      context,
      '/v1/orgs/o/transactions.csv',
      { user: 'zoë' },
      undefined,
    );
    expect(output.out).toBe(`${HEADER}1,Zoë 👩‍👩‍👧\r\n2,"a, b"\r\n`);
    expect(done).toEqual({ rows: 2, bytes: bytes.length, file: null });
    expect(server.requests).toEqual(['http://tally.test/v1/orgs/o/transactions.csv?user=zo%C3%AB']);
  });

  it('saves to a file, showing the rows written on a terminal', async () => {
    const rows = Array.from({ length: 30 }, (_, index) => `${index},row ${index}\r\n`);
    const server = fakeFetch([encode(HEADER), ...rows.map(encode)]);
    const { context, output } = contextWith(server.fetch, folder, true);
    const done = await downloadCsv(context, '/x.csv', {}, 'out.csv');
    const file = join(folder, 'out.csv');
    expect(done).toMatchObject({ rows: 30, file });
    expect(readFileSync(file, 'utf8')).toBe(HEADER + rows.join(''));
    expect(output.out).toBe('');
    expect(output.err).toMatch(/\rExporting: \d+ rows written/);
    expect(output.err).toMatch(/Exporting: 30 rows written .*\n$/);
  });

  it('leaves no file behind when the transfer is cut short', async () => {
    const server = fakeFetch([encode(HEADER), encode('1,a\r\n')], { cut: true });
    const { context } = contextWith(server.fetch, folder);
    const failure = downloadCsv(context, '/x.csv', {}, 'out.csv');
    await expect(failure).rejects.toBeInstanceOf(ConnectionError);
    await expect(failure).rejects.toThrow(/the export stopped after \d+ rows: terminated/);
    expect(existsSync(join(folder, 'out.csv'))).toBe(false);
    expect(existsSync(join(folder, 'out.csv.part'))).toBe(false);
  });

  it('throws the problem the server answered before any CSV', async () => {
    const server = fakeFetch([], { status: 404 });
    const { context } = contextWith(server.fetch, folder);
    const failure = downloadCsv(context, '/x.csv', {}, 'out.csv');
    await expect(failure).rejects.toBeInstanceOf(ApiProblem);
    await expect(failure).rejects.toMatchObject({ code: 'unknown_org', status: 404 });
    expect(existsSync(join(folder, 'out.csv.part'))).toBe(false);
  });
});
