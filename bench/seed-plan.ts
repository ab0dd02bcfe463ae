/** What the reports seed writes and the reports benchmark reads: where, which orgs, which key. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The org holding a fifth of all entries. */
export const BIG_ORG = 0;
/** The org the benchmark measures as a typical one. */
export const TYPICAL_ORG = 1;
export const SEED_ROOT_KEY = 'tly_root_bench_reports';

const ZONES = ['America/New_York', 'Europe/Paris', 'UTC', 'Asia/Tokyo', 'Australia/Sydney'];

export function orgIdOf(index: number): string {
  return `org_bench_${String(index).padStart(3, '0')}`;
}

export function timeZoneOf(index: number): string {
  return index === BIG_ORG ? 'Europe/Paris' : (ZONES[index % ZONES.length] as string);
}

/** BENCH_DATA_DIR, or .bench-data/ in the checkout (benchmarks run compiled from dist/). */
export function benchDataDir(): string {
  if (process.env.BENCH_DATA_DIR) return process.env.BENCH_DATA_DIR;
  let folder = import.meta.dirname;
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('no package.json above the benchmark');
    folder = parent;
  }
  return join(folder, '.bench-data');
}
