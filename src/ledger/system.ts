/** The clock and ids of a running Tally; tests pass their own. */
import type { Clock, IdGenerator } from './ports.js';

export const systemClock: Clock = { now: () => Date.now() };

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Ids that sort by creation time: a prefix, ten base-32 digits of milliseconds, then sixteen
 * random ones (80 bits), so that ids made in the same millisecond never meet.
 */
export const randomIds: IdGenerator = {
  next(prefix: string): string {
    let time = Date.now();
    let head = '';
    for (let index = 0; index < 10; index += 1) {
      head = (ALPHABET[time % 32] ?? '0') + head;
      time = Math.floor(time / 32);
    }
    let tail = '';
    for (let index = 0; index < 16; index += 1) tail += ALPHABET[randomByte() % 32];
    return `${prefix}${head}${tail}`;
  },
};

// Random bytes are drawn from the system a page at a time: one call per id costs more than the
// rest of a charge.
const pool = new Uint8Array(4096);
let poolIndex = pool.length;

function randomByte(): number {
  if (poolIndex === pool.length) {
    crypto.getRandomValues(pool);
    poolIndex = 0;
  }
  const byte = pool[poolIndex] ?? 0;
  poolIndex += 1;
  return byte;
}
