/**
 * Stored responses and request fingerprints for idempotency (rule 7). Responses are JSON with
 * `bigint`s tagged so that a replay returns exactly the first response.
 */

export function encodeResponse(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    typeof item === 'bigint' ? { $bigint: item.toString() } : item,
  );
}

export function decodeResponse<T>(text: string): T {
  return JSON.parse(text, (_key, item: unknown) => {
    if (item !== null && typeof item === 'object' && '$bigint' in item) {
      return BigInt((item as { $bigint: string }).$bigint);
    }
    return item;
  }) as T;
}

/** Canonical JSON: object keys sorted, so that equal requests have equal text. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (typeof value === 'bigint') return `"${value}n"`;
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/**
 * A 128-bit fingerprint of a request (four 32-bit FNV-1a lanes with different seeds). It only
 * tells a replay from a different request under the same key, so it need not be cryptographic.
 */
export function fingerprint(text: string): string {
  const seeds = [0x811c9dc5, 0x01000193, 0x9e3779b9, 0x85ebca6b];
  return seeds
    .map((seed) => {
      let hash = seed;
      for (let index = 0; index < text.length; index += 1) {
        hash ^= text.charCodeAt(index);
        hash = Math.imul(hash, 0x01000193) ^ (hash >>> 13);
      }
      return (hash >>> 0).toString(16).padStart(8, '0');
    })
    .join('');
}
