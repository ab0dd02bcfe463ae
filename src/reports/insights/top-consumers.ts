/**
 * Top consumers: the groups (features, projects, members, models) that used the most credits, each
 * with its share of the total, and the rest folded into one line so the figures still add up.
 */
import type { Micros } from '../../core/amount.js';
import { divideRoundHalfUp } from '../../core/decimal.js';

export interface GroupUsage {
  /** The feature, project, member or model; null for usage not attributed to any. */
  readonly key: string | null;
  readonly used: Micros;
  readonly count: number;
}

export interface TopConsumer extends GroupUsage {
  /** Percentage of the total with one decimal, rounded half up: "41.3". */
  readonly share: string;
}

export interface TopConsumers {
  readonly top: TopConsumer[];
  /** The groups after the first `limit`, summed, with key null; null when there are none. */
  readonly others: GroupUsage | null;
}

/**
 * The `limit` groups that used the most, largest first; ties by key, with the unattributed (null)
 * group after the named ones. Shares are of the total of all groups, computed exactly and rounded
 * half up per group, so they may not add up to exactly 100.0; a total of 0 gives shares of "0.0".
 */
export function topConsumers(groups: readonly GroupUsage[], limit = 5): TopConsumers {
  if (!Number.isInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a non-negative integer, not ${limit}`);
  }
  const total = groups.reduce((sum, group) => sum + group.used, 0n);
  const ranked = [...groups].sort(compareConsumers);
  const top = ranked.slice(0, limit).map(({ key, used, count }): TopConsumer => ({
    key,
    used,
    count,
    share: shareOf(used, total),
  }));
  const rest = ranked.slice(limit);
  const others =
    rest.length === 0
      ? null
      : rest.reduce<GroupUsage>(
          (sum, group) => ({
            key: null,
            used: sum.used + group.used,
            count: sum.count + group.count,
          }),
          { key: null, used: 0n, count: 0 },
        );
  return { top, others };
}

function compareConsumers(a: GroupUsage, b: GroupUsage): number {
  if (a.used !== b.used) return a.used > b.used ? -1 : 1;
  if (a.key === b.key) return 0;
  if (a.key === null) return 1;
  if (b.key === null) return -1;
  return a.key < b.key ? -1 : 1;
}

/** used / total as a percentage with one decimal, rounded half up. */
export function shareOf(used: Micros, total: Micros): string {
  if (total === 0n) return '0.0';
  const tenths = divideRoundHalfUp(used * 1000n, total);
  const sign = tenths < 0n ? '-' : '';
  const magnitude = tenths < 0n ? -tenths : tenths;
  return `${sign}${magnitude / 10n}.${magnitude % 10n}`;
}
