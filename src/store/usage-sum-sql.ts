/**
 * The one query behind `ReportStore.usageSums`, written for either database: usage rollups
 * summed in SQL per period and value, so that a report reads a row per bucket and value shown
 * rather than a row per day and value.
 */
import type { SumPeriod, UsageSum, UsageSumQuery } from '../reports/ports.js';

export interface Dialect {
  /** The first day of the period holding `day`, "YYYY-MM-DD". */
  periodOf(period: SumPeriod): string;
  /** The n-th parameter's placeholder. */
  parameter(index: number): string;
  /** A condition: `value` is one of the list given as one parameter. */
  valueIn(placeholder: string): string;
}

export function usageSumSql(
  dialect: Dialect,
  orgId: string,
  query: UsageSumQuery,
): { text: string; values: unknown[] } {
  const values: unknown[] = [orgId, query.dimension, query.fromDay, query.toDay];
  const next = (value: unknown) => {
    values.push(value);
    return dialect.parameter(values.length);
  };
  const where = [
    `org_id = ${dialect.parameter(1)}`,
    `dimension = ${dialect.parameter(2)}`,
    `day >= ${dialect.parameter(3)}`,
    `day < ${dialect.parameter(4)}`,
  ];
  if (query.values) where.push(dialect.valueIn(next(listParameter(dialect, query.values))));
  if (query.valuePrefix !== undefined) {
    // A range rather than a function of value, so that the value index is used: the values
    // starting with the prefix are those from it to the prefix with its last character moved on.
    const prefix = query.valuePrefix;
    const last = prefix.charCodeAt(prefix.length - 1);
    where.push(`value >= ${next(prefix)}`);
    if (prefix.length > 0) {
      where.push(`value < ${next(prefix.slice(0, -1) + String.fromCharCode(last + 1))}`);
    }
  }
  const period = query.per ? dialect.periodOf(query.per) : 'NULL';
  const value = query.byValue ? 'value' : 'NULL';
  const groups = [...(query.per ? [period] : []), ...(query.byValue ? ['value'] : [])];
  return {
    text: `SELECT ${period} AS period, ${value} AS value, COALESCE(SUM(used), 0) AS used,
             COALESCE(SUM(usage_count), 0) AS usage_count, COALESCE(SUM(failures), 0) AS failures,
             COALESCE(SUM(refused), 0) AS refused, COALESCE(SUM(refunded), 0) AS refunded
           FROM usage_rollups WHERE ${where.join(' AND ')}
           ${groups.length > 0 ? `GROUP BY ${groups.join(', ')}` : ''}`,
    values,
  };
}

function listParameter(dialect: Dialect, list: readonly string[]): unknown {
  // SQLite takes the list as JSON text (json_each); PostgreSQL as an array.
  return dialect.parameter(1) === '?' ? JSON.stringify(list) : [...list];
}

export function usageSumFromRow(row: Record<string, unknown>): UsageSum {
  return {
    period: (row.period as string | null) ?? null,
    value: (row.value as string | null) ?? null,
    used: BigInt(row.used as bigint),
    usageCount: Number(row.usage_count as bigint),
    failures: Number(row.failures as bigint),
    refused: Number(row.refused as bigint),
    refunded: BigInt(row.refunded as bigint),
  };
}

export const SQLITE_DIALECT: Dialect = {
  periodOf: (period) =>
    period === 'day'
      ? 'day'
      : period === 'week'
        ? `date(day, '-6 days', 'weekday 1')`
        : `substr(day, 1, 7) || '-01'`,
  parameter: () => '?',
  valueIn: (placeholder) => `value IN (SELECT value FROM json_each(${placeholder}))`,
};

export const POSTGRES_DIALECT: Dialect = {
  periodOf: (period) =>
    period === 'day'
      ? 'day'
      : period === 'week'
        ? `to_char(date_trunc('week', day::date), 'YYYY-MM-DD')`
        : `substr(day, 1, 7) || '-01'`,
  parameter: (index) => `$${index}`,
  valueIn: (placeholder) => `value = ANY(${placeholder}::text[])`,
};
