/**
 * The shapes of the API's answers, taken from the server's own schemas (types only: nothing of
 * the server is loaded at run time), so the CLI cannot drift from the contract.
 */
import type { z } from 'zod';
import type {
  balanceResponse,
  chargeResponse,
  createdKeyResponse,
  featureListResponse,
  grantResponse,
  holdResponse,
  orgResponse,
  statementResponse,
  transactionListResponse,
  transactionResponse,
} from '../api/schemas.js';

export type OrgBody = z.infer<typeof orgResponse>;
export type FeatureListBody = z.infer<typeof featureListResponse>;
export type FeatureBody = FeatureListBody['data'][number];
export type GrantBody = z.infer<typeof grantResponse>;
export type ChargeBody = z.infer<typeof chargeResponse>;
export type HoldBody = z.infer<typeof holdResponse>;
export type BalanceBody = z.infer<typeof balanceResponse>;
export type TransactionBody = z.infer<typeof transactionResponse>;
export type TransactionListBody = z.infer<typeof transactionListResponse>;
export type StatementBody = z.infer<typeof statementResponse>;
export type CreatedKeyBody = z.infer<typeof createdKeyResponse>;
