/**
 * Downloads a streamed CSV export (`tally tx --csv`) chunk by chunk, never holding the whole
 * file: to stdout for pipes (writes to pipes and files are synchronous on Linux, so a slow reader
 * holds the download back rather than filling memory), or to a file with the rows counted on
 * stderr. A file is written under a `.part` name and renamed only once the server has sent the
 * last byte, so a cut transfer never leaves a file that looks complete.
 */
import { createWriteStream, openSync, renameSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConnectionError } from './api-client.js';
import type { CliIo } from './cli-io.js';
import { UsageError } from './cli-errors.js';
import type { CommandContext } from './command-context.js';

const REDRAW_MS = 100;
/** Off a terminal (logs, CI), one progress line per this many rows. */
const ROWS_PER_LINE = 100_000;
const QUOTE = 0x22;
const LINE_FEED = 0x0a;

/**
 * Counts the records of RFC 4180 text as its bytes go by: a line feed ends a record only outside
 * quotes (notes may hold line breaks), and doubled quotes toggle twice, which changes nothing.
 */
export class CsvRecordCounter {
  records = 0;
  private quoted = false;

  add(bytes: Uint8Array): void {
    for (let index = 0; index < bytes.length; index += 1) {
      const byte = bytes[index];
      if (byte === QUOTE) this.quoted = !this.quoted;
      else if (byte === LINE_FEED && !this.quoted) this.records += 1;
    }
  }
}

/** Rows written so far on stderr: redrawn in place on a terminal, else a line now and then. */
class RowsProgress {
  private lastDraw = 0;
  private lastLine = 0;
  private readonly startedAt: number;
  private readonly now: () => number;

  constructor(private readonly io: CliIo) {
    this.now = io.now ?? Date.now;
    this.startedAt = this.now();
  }

  show(rows: number): void {
    const now = this.now();
    if (this.io.stderrIsTTY) {
      if (now - this.lastDraw < REDRAW_MS) return;
      this.lastDraw = now;
      this.io.stderr(`\r${this.line(rows, now)}\u001b[K`);
    } else if (rows >= this.lastLine + ROWS_PER_LINE) {
      this.lastLine = rows - (rows % ROWS_PER_LINE);
      this.io.stderr(`${this.line(rows, now)}\n`);
    }
  }

  finish(rows: number): void {
    if (this.io.stderrIsTTY) this.io.stderr(`\r${this.line(rows, this.now())}\u001b[K\n`);
  }

  get seconds(): number {
    return (this.now() - this.startedAt) / 1000;
  }

  private line(rows: number, now: number): string {
    const rate = rows / Math.max(0.001, (now - this.startedAt) / 1000);
    return `Exporting: ${rows.toLocaleString('en-US')} rows written  ${Math.round(rate).toLocaleString('en-US')}/s`;
  }
}

export interface CsvDownload {
  /** Data rows, the header not counted. */
  rows: number;
  bytes: number;
  /** The file written, or null for stdout. */
  file: string | null;
}

/** GETs `path` as a CSV stream into `out` (a path from the working folder) or stdout. */
export async function downloadCsv(
  context: CommandContext,
  path: string,
  query: Readonly<Record<string, string | number | undefined>>,
  out: string | undefined,
): Promise<CsvDownload> {
  const answer = await context.client.getStream(path, query);
  const counter = new CsvRecordCounter();
  let bytes = 0;
  const cut = (error: unknown): ConnectionError =>
    new ConnectionError(
      `the export stopped after ${Math.max(0, counter.records - 1).toLocaleString('en-US')} rows: ${
        error instanceof Error ? error.message : String(error)
      }`,
      { cause: error },
    );

  if (out === undefined) {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of answer.body) {
        counter.add(chunk);
        bytes += chunk.length;
        context.io.stdout(decoder.decode(chunk, { stream: true }));
      }
    } catch (error) {
      throw cut(error);
    }
    context.io.stdout(decoder.decode());
    return { rows: Math.max(0, counter.records - 1), bytes, file: null };
  }

  const file = resolve(context.io.cwd ?? process.cwd(), out);
  const partial = `${file}.part`;
  const progress = new RowsProgress(context.io);
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      counter.add(chunk);
      bytes += chunk.length;
      progress.show(Math.max(0, counter.records - 1));
      done(null, chunk);
    },
  });
  let fd: number;
  try {
    fd = openSync(partial, 'w');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(`cannot write the export to ${file}: ${reason}`);
  }
  try {
    await pipeline(Readable.fromWeb(answer.body), count, createWriteStream(partial, { fd }));
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw cut(error);
  }
  const rows = Math.max(0, counter.records - 1);
  progress.finish(rows);
  return { rows, bytes, file };
}
