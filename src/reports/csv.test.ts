import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../test/support/csv.js';
import { csvCell, csvLine, csvTextCell, startsLikeFormula } from './csv.js';

describe('csv cells (RFC 4180)', () => {
  it('leaves plain text as it is', () => {
    expect(csvCell('usage')).toBe('usage');
    expect(csvCell('chg_01abc')).toBe('chg_01abc');
    expect(csvCell('with spaces and; semicolons')).toBe('with spaces and; semicolons');
    expect(csvCell('')).toBe('');
  });

  it('writes null and undefined as empty cells, numbers as their text', () => {
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvTextCell(null)).toBe('');
    expect(csvTextCell(undefined)).toBe('');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(-2.5)).toBe('-2.5');
  });

  it('quotes commas, quotes, CR and LF, doubling the quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('"')).toBe('""""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('carriage\rreturn')).toBe('"carriage\rreturn"');
    expect(csvCell('windows\r\nline')).toBe('"windows\r\nline"');
    expect(csvCell('{"a":1,"b":"x"}')).toBe('"{""a"":1,""b"":""x""}"');
  });

  it('keeps unicode as it is: accents, CJK, emoji, right-to-left text', () => {
    for (const text of [
      'Zoë Ångström',
      '写真ブース',
      '👩‍👩‍👧 party 🎉',
      'مرحبا بالعالم',
      'שלום',
      '\u200fRTL mark',
    ]) {
      expect(csvCell(text)).toBe(text);
      expect(parseCsv(csvLine([csvCell(text), csvTextCell(`${text}, "quoted"`)]))).toEqual([
        [text, `${text}, "quoted"`],
      ]);
    }
  });

  it('ends lines with CRLF and joins cells with commas', () => {
    expect(csvLine(['a', '"b,c"', ''])).toBe('a,"b,c",\r\n');
    expect(csvLine([])).toBe('\r\n');
  });
});

describe('formula neutralisation', () => {
  it('prefixes text that a spreadsheet would run with an apostrophe', () => {
    expect(csvTextCell('=1+1')).toBe("'=1+1");
    expect(csvTextCell('+33 6 12 34 56 78')).toBe("'+33 6 12 34 56 78");
    expect(csvTextCell('-2+3')).toBe("'-2+3");
    expect(csvTextCell('@SUM(A1:A9)')).toBe("'@SUM(A1:A9)");
    expect(csvTextCell('\t=cmd')).toBe("'\t=cmd");
    expect(csvTextCell('\r=cmd')).toBe('"\'\r=cmd"');
    expect(csvTextCell('=HYPERLINK("http://evil.example","click")')).toBe(
      '"\'=HYPERLINK(""http://evil.example"",""click"")"',
    );
    expect(csvTextCell('=1,2')).toBe('"\'=1,2"');
  });

  it('leaves other text alone, formula characters further in included', () => {
    expect(csvTextCell('ana')).toBe('ana');
    expect(csvTextCell('a=b')).toBe('a=b');
    expect(csvTextCell(' =1')).toBe(' =1');
    expect(csvTextCell("'quoted")).toBe("'quoted");
    expect(csvTextCell('')).toBe('');
    expect(startsLikeFormula('')).toBe(false);
  });

  it('is only for text: amounts go through csvCell and stay numbers', () => {
    expect(csvCell('-2.5')).toBe('-2.5');
    expect(csvCell('+1')).toBe('+1');
  });
});

describe('round trip', () => {
  const anyText = fc.string({ unit: 'grapheme', maxLength: 30 });
  const withSpecials = fc
    .array(
      fc.oneof(anyText, fc.constantFrom(',', '"', '\r', '\n', '\r\n', '=', '+', '-', '@', '\t')),
      {
        maxLength: 8,
      },
    )
    .map((parts) => parts.join(''));

  it('reads back every cell a strict RFC 4180 reader sees', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(withSpecials, { minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (records) => {
          const text = records.map((cells) => csvLine(cells.map(csvCell))).join('');
          expect(parseCsv(text)).toEqual(records);
        },
      ),
    );
  });

  it('reads back text cells with the apostrophe only where a formula could start', () => {
    fc.assert(
      fc.property(fc.array(withSpecials, { minLength: 2, maxLength: 6 }), (cells) => {
        const [read] = parseCsv(csvLine(cells.map(csvTextCell)));
        expect(read).toEqual(
          cells.map((cell) => (cell !== '' && startsLikeFormula(cell) ? `'${cell}` : cell)),
        );
        for (const cell of read ?? []) expect(startsLikeFormula(cell)).toBe(false);
      }),
    );
  });
});
