/**
 * A strict RFC 4180 reader for tests: records end with CRLF, a field holding a comma, quote, CR or
 * LF must be quoted, and quotes inside quoted fields are doubled. Anything else (a bare LF, a quote
 * in an unquoted field, text after a closing quote, a quote left open) throws, so a test reading
 * an export with it also checks the export is well-formed.
 */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let index = 0;
  const fail = (what: string): never => {
    throw new Error(`not RFC 4180 at offset ${index}: ${what}`);
  };
  while (index < text.length) {
    let field = '';
    if (text[index] === '"') {
      index += 1;
      for (;;) {
        if (index >= text.length) fail('a quoted field is never closed');
        const char = text[index];
        if (char === '"') {
          if (text[index + 1] === '"') {
            field += '"';
            index += 2;
            continue;
          }
          index += 1;
          break;
        }
        field += char;
        index += 1;
      }
    } else {
      while (index < text.length && text[index] !== ',' && text[index] !== '\r') {
        const char = text[index];
        if (char === '"') fail('a quote in an unquoted field');
        if (char === '\n') fail('a line feed outside quotes without its carriage return');
        field += char;
        index += 1;
      }
    }
    record.push(field);
    if (index >= text.length) break;
    if (text[index] === ',') {
      index += 1;
      if (index >= text.length) record.push('');
      continue;
    }
    if (text[index] === '\r' && text[index + 1] === '\n') {
      records.push(record);
      record = [];
      index += 2;
      continue;
    }
    fail(`unexpected ${JSON.stringify(text[index])} after a field`);
  }
  if (record.length > 0) records.push(record);
  return records;
}

/** The records after the header, as objects keyed by the header's names. */
export function csvObjects(text: string): { header: string[]; rows: Record<string, string>[] } {
  const [header = [], ...records] = parseCsv(text);
  return {
    header,
    rows: records.map((record, line) => {
      if (record.length !== header.length) {
        throw new Error(
          `record ${line + 1} has ${record.length} fields, the header ${header.length}`,
        );
      }
      return Object.fromEntries(header.map((name, column) => [name, record[column] ?? '']));
    }),
  };
}
