import { describe, expect, it } from 'vitest';
import { cleanCell, displayWidth, formatPairs, formatTable } from './table.js';

describe('formatTable', () => {
  const rows = [
    { name: 'background-removal', credits: '-2', user: null },
    { name: 'text-to-image', credits: '-1,008', user: 'maya' },
  ];
  const columns = [
    { header: 'FEATURE', value: (row: (typeof rows)[number]) => row.name },
    {
      header: 'CREDITS',
      value: (row: (typeof rows)[number]) => row.credits,
      align: 'right' as const,
    },
    { header: 'USER', value: (row: (typeof rows)[number]) => row.user },
  ];

  it('pads columns to the widest cell and right-aligns numbers', () => {
    expect(formatTable(rows, columns)).toBe(
      [
        'FEATURE             CREDITS  USER',
        'background-removal       -2',
        'text-to-image        -1,008  maya',
        '',
      ].join('\n'),
    );
  });

  it('hides columns with no value when asked', () => {
    const text = formatTable([rows[0] as (typeof rows)[number]], columns, { hideEmpty: true });
    expect(text).toBe('FEATURE             CREDITS\nbackground-removal       -2\n');
  });

  it('prints the header alone for no rows', () => {
    expect(formatTable([], columns)).toBe('FEATURE  CREDITS  USER\n');
  });

  it('keeps control characters from the server out of the terminal', () => {
    expect(cleanCell('two\nlines\u001b[31m')).toBe('two lines [31m');
    const text = formatTable([{ name: 'a\r\nb', credits: '1', user: null }], columns);
    expect(text.split('\n')).toHaveLength(3);
  });

  it('measures wide characters as two columns', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('婚礼')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    const text = formatTable(
      [
        { name: '婚礼', credits: '1', user: null },
        { name: 'abcd', credits: '2', user: null },
      ],
      columns.slice(0, 2),
    );
    const lines = text.trimEnd().split('\n');
    expect(lines.map((line) => displayWidth(line))).toEqual([16, 16, 16]);
  });
});

describe('formatPairs', () => {
  it('aligns labels, and numbers on request', () => {
    expect(
      formatPairs(
        [
          ['available', '3,992'],
          ['held', '0'],
          ['at', '2026-03-01 10:00:00'],
        ],
        { alignNumbers: true },
      ),
    ).toBe('available  3,992\nheld           0\nat         2026-03-01 10:00:00\n');
  });
});
