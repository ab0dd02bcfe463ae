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
  orgDeletedResponse,
  orgDeletionResponse,
  orgListResponse,
  orgResponse,
  statementResponse,
  transactionListResponse,
  transactionResponse,
} from '../api/schemas.js';
import type {
  historyResponse,
  orgPlanResponse,
  packListResponse,
  planComparisonResponse,
  planListResponse,
  purchaseListResponse,
  purchaseResponse,
} from '../api/billing-schemas.js';
import type {
  insightsResponse,
  monthsResponse,
  projectReportResponse,
  rebuildResponse,
  totalsResponse,
  usageReportResponse,
} from '../api/report-schemas.js';

export type OrgBody = z.infer<typeof orgResponse>;
export type OrgListBody = z.infer<typeof orgListResponse>;
export type OrgDeletionBody = z.infer<typeof orgDeletionResponse>;
export type OrgDeletedBody = z.infer<typeof orgDeletedResponse>;
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
export type PlanListBody = z.infer<typeof planListResponse>;
export type PlanBody = PlanListBody['data'][number];
export type PackListBody = z.infer<typeof packListResponse>;
export type PackBody = PackListBody['data'][number];
export type OrgPlanBody = z.infer<typeof orgPlanResponse>;
export type PlanComparisonBody = z.infer<typeof planComparisonResponse>;
export type PurchaseBody = z.infer<typeof purchaseResponse>;
export type PurchaseListBody = z.infer<typeof purchaseListResponse>;
export type HistoryListBody = z.infer<typeof historyResponse>;
export type HistoryItemBody = HistoryListBody['data'][number];
export type UsageReportBody = z.infer<typeof usageReportResponse>;
export type UsageBucketBody = UsageReportBody['buckets'][number];
export type UsageFiguresBody = UsageReportBody['totals'];
export type UsageGroupBody = UsageReportBody['groups'][number];
export type TotalsBody = z.infer<typeof totalsResponse>;
export type MonthsBody = z.infer<typeof monthsResponse>;
export type ProjectReportBody = z.infer<typeof projectReportResponse>;
export type InsightsBody = z.infer<typeof insightsResponse>;
export type RebuildBody = z.infer<typeof rebuildResponse>;
