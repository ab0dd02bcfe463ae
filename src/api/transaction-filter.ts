/**
 * The activity log's query filters, read the same way by `GET …/transactions` and its CSV export,
 * so that both answer exactly the same rows for the same query.
 */
import {
  TRANSACTION_STATUSES,
  TRANSACTION_TYPES,
  type TransactionStatus,
  type TransactionType,
} from '../ledger/model.js';
import type { TransactionFilter } from '../ledger/ports.js';
import { refusalError } from './errors.js';
import { optionalInstant } from './parse.js';

/** The filter fields of the query string, as the schemas let them through. */
export interface TransactionFilterQuery {
  type?: string | undefined;
  status?: string | undefined;
  feature?: string | undefined;
  user?: string | undefined;
  project?: string | undefined;
  model?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** A comma-separated list whose every value must be one of `allowed`; refused naming `field`. */
export function listOf<T extends string>(
  text: string | undefined,
  allowed: readonly T[],
  field: string,
): T[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map((value) => value.trim());
  for (const value of values) {
    if (!(allowed as readonly string[]).includes(value)) {
      throw refusalError('invalid_request', `${field} must be among ${allowed.join(', ')}`, {
        field,
      });
    }
  }
  return values as T[];
}

/** The ledger's filter for a query; a bad type, status or instant is refused as `invalid_request`. */
export function transactionFilterOf(query: TransactionFilterQuery): TransactionFilter {
  const types = listOf<TransactionType>(query.type, TRANSACTION_TYPES, 'type');
  const statuses = listOf<TransactionStatus>(query.status, TRANSACTION_STATUSES, 'status');
  const from = optionalInstant(query.from, 'from');
  const to = optionalInstant(query.to, 'to');
  return {
    ...(types ? { types } : {}),
    ...(statuses ? { statuses } : {}),
    ...(query.feature === undefined ? {} : { feature: query.feature }),
    ...(query.user === undefined ? {} : { user: query.user }),
    ...(query.project === undefined ? {} : { project: query.project }),
    ...(query.model === undefined ? {} : { model: query.model }),
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
  };
}
