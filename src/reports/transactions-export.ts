/**
 * The activity log as CSV, page after page: read as export rows (no object or bigint per row)
 * and written as bytes, one chunk a page, so memory stays flat however long the log is. The
 * next page is read only when the consumer asks for it (a socket that has taken the last one).
 */
import type { TransactionCursor, TransactionFilter } from '../ledger/ports.js';
import type { ExportRow, ReportStore } from './ports.js';
import { transactionCsvLine, TRANSACTION_CSV_HEADER } from './transactions-csv.js';

/** Rows read per page: large enough to amortise a query, small enough to stay flat. */
export const EXPORT_PAGE = 2000;

export async function* transactionsCsvChunks(
  store: Pick<ReportStore, 'exportTransactions'>,
  orgId: string,
  filter: TransactionFilter,
  onRows?: (rows: number) => void,
): AsyncGenerator<Buffer> {
  let after: TransactionCursor | undefined;
  let text = TRANSACTION_CSV_HEADER;
  for (;;) {
    const page: ExportRow[] = await store.exportTransactions(orgId, filter, EXPORT_PAGE, after);
    for (const row of page) text += transactionCsvLine(row);
    // Encoded here: the page's strings die young instead of waiting in the socket's queue.
    yield Buffer.from(text, 'utf8');
    text = '';
    onRows?.(page.length);
    const last = page[page.length - 1];
    if (!last || page.length < EXPORT_PAGE) return;
    after = { at: last[1], id: last[0] };
  }
}
