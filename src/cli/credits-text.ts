/**
 * Credits as people read them: the API's exact decimal strings with thousands grouped
 * ("12345.5" → "12,345.5"). Digits are never rounded or converted to floating point.
 */

export function groupCredits(text: string | null | undefined, options: { sign?: boolean } = {}) {
  if (text == null || text === '') return '';
  const match = /^([+-]?)(\d+)(\.\d+)?$/.exec(text);
  if (!match) return text;
  const [, sign = '', whole = '', fraction = ''] = match;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const isZero = /^0+$/.test(whole) && /^\.?0*$/.test(fraction);
  const shownSign = sign === '-' ? '-' : options.sign && !isZero ? '+' : '';
  return `${shownSign}${grouped}${fraction}`;
}

/** Exact decimal credits to micro-credits, for sums the CLI prints (never floats). */
export function toMicros(text: string): bigint {
  const match = /^([+-]?)(\d+)(?:\.(\d{1,6}))?$/.exec(text.trim());
  if (!match) throw new Error(`not an amount of credits: ${text}`);
  const [, sign, whole = '0', fraction = ''] = match;
  const micros = BigInt(whole) * 1_000_000n + BigInt(fraction.padEnd(6, '0'));
  return sign === '-' ? -micros : micros;
}

export function fromMicros(micros: bigint): string {
  const negative = micros < 0n;
  const magnitude = negative ? -micros : micros;
  const whole = magnitude / 1_000_000n;
  const fraction = (magnitude % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}
