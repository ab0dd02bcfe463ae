/**
 * Plain-text tables for terminals: a header row, columns padded to their widest cell, numbers
 * right-aligned. Cells are sanitised: control characters (newlines, terminal escapes) coming from
 * the server are shown as spaces, so no stored text can break the layout or drive the terminal.
 */

export interface Column<T> {
  header: string;
  value: (row: T) => string | null | undefined;
  align?: 'left' | 'right';
}

export interface TableOptions {
  /** Leave out columns whose every cell is empty (the header alone does not count). */
  hideEmpty?: boolean;
  /** Between columns; default two spaces. */
  gap?: string;
}

// eslint-disable-next-line no-control-regex -- the point is to find control characters
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

export function cleanCell(value: string | null | undefined): string {
  return value == null ? '' : value.replace(CONTROL, ' ');
}

/** Terminal columns a string takes: code points, with wide East Asian characters and emoji as 2. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code >= 0x300 && code <= 0x36f) continue; // combining marks
    if (code === 0x200d || (code >= 0xfe00 && code <= 0xfe0f)) continue; // joiners, selectors
    width += isWide(code) ? 2 : 1;
  }
  return width;
}

function isWide(code: number): boolean {
  return (
    (code >= 0x1100 && code <= 0x115f) ||
    (code >= 0x2e80 && code <= 0xa4cf) ||
    (code >= 0xac00 && code <= 0xd7a3) ||
    (code >= 0xf900 && code <= 0xfaff) ||
    (code >= 0xfe30 && code <= 0xfe4f) ||
    (code >= 0xff00 && code <= 0xff60) ||
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd)
  );
}

function pad(text: string, width: number, align: 'left' | 'right'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

export function formatTable<T>(
  rows: readonly T[],
  columns: readonly Column<T>[],
  options: TableOptions = {},
): string {
  const cells = rows.map((row) => columns.map((column) => cleanCell(column.value(row))));
  const shown = columns
    .map((column, index) => ({ column, index }))
    .filter(
      ({ index }) => !options.hideEmpty || cells.some((line) => (line[index] ?? '').length > 0),
    );
  const widths = shown.map(({ column, index }) =>
    Math.max(displayWidth(column.header), ...cells.map((line) => displayWidth(line[index] ?? ''))),
  );
  const gap = options.gap ?? '  ';
  const render = (texts: readonly string[]) =>
    shown
      .map(({ column }, position) =>
        pad(texts[position] ?? '', widths[position] ?? 0, column.align ?? 'left'),
      )
      .join(gap)
      .trimEnd();
  const lines = [render(shown.map(({ column }) => column.header))];
  for (const line of cells) lines.push(render(shown.map(({ index }) => line[index] ?? '')));
  return `${lines.join('\n')}\n`;
}

/** Label–value lines, labels padded to the widest; with `alignNumbers`, numbers right-aligned. */
export function formatPairs(
  pairs: readonly (readonly [string, string | null | undefined])[],
  options: { alignNumbers?: boolean } = {},
): string {
  const shown = pairs.map(([label, value]) => [cleanCell(label), cleanCell(value)] as const);
  const labelWidth = Math.max(0, ...shown.map(([label]) => displayWidth(label)));
  const numeric = (value: string) => /^[+-]?[\d,]+(\.\d+)?$/.test(value);
  const valueWidth = Math.max(
    0,
    ...shown.filter(([, value]) => numeric(value)).map(([, value]) => displayWidth(value)),
  );
  return shown
    .map(([label, value]) => {
      const aligned =
        options.alignNumbers === true && numeric(value) ? pad(value, valueWidth, 'right') : value;
      return `${pad(label, labelWidth, 'left')}  ${aligned}`.trimEnd();
    })
    .join('\n')
    .concat('\n');
}
