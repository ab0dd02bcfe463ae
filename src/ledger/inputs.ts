/**
 * What callers pass to the ledger. Types are checked by the caller (the API validates JSON with
 * its schemas); the ledger checks meaning: ranges, instants, and the rules that need the org.
 */
import type { Micros } from '../core/amount.js';
import type { GrantKind } from '../core/grant.js';
import type { Instant } from '../core/period.js';
import type { Quantities } from '../core/price.js';

export interface WriteOptions {
  /** When the write happens; defaults to now and may not be later (rule 6). */
  at?: Instant;
  /** Makes retries safe (rule 7). */
  idempotencyKey?: string;
}

export interface AttributionInput {
  user?: string | null;
  project?: string | null;
  model?: string | null;
  note?: string | null;
  metadata?: Record<string, unknown> | null;
}

export interface CreateOrgInput {
  id?: string;
  name: string;
  timeZone?: string;
  plan?: string | null;
  /** A monthly free allowance from the org's first period on. */
  allowance?: { credits: Micros };
  at?: Instant;
}

export interface GrantInput extends WriteOptions {
  kind: GrantKind;
  credits: Micros;
  effectiveAt?: Instant;
  expiresAt?: Instant | null;
  priority?: number;
  recurrence?: 'monthly' | null;
  note?: string | null;
}

export interface ChargeInput extends WriteOptions, AttributionInput {
  feature: string;
  quantities?: Quantities;
  /** `failed` logs an attempt whose AI action failed: nothing is spent. */
  status?: 'succeeded' | 'failed';
}

export interface HoldInput extends WriteOptions, AttributionInput {
  feature: string;
  quantities?: Quantities;
  /** Reserve this amount instead of pricing quantities. */
  credits?: Micros;
  ttlSeconds?: number;
}

export interface CaptureInput extends WriteOptions {
  quantities?: Quantities;
  credits?: Micros;
}

export interface VoidInput extends WriteOptions {
  reason?: string | null;
}

export interface RefundInput extends WriteOptions {
  credits?: Micros;
  note?: string | null;
}

export interface FeatureInput {
  id: string;
  name: string;
  prices: readonly { unit: unknown; credits: unknown; per?: unknown }[];
  effectiveAt?: Instant;
}

export const DEFAULT_HOLD_TTL_SECONDS = 900;
export const MAX_HOLD_TTL_SECONDS = 7 * 24 * 3600;
export const MAX_TEXT_LENGTH = 1000;
export const MAX_NAME_LENGTH = 200;
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;
export const MAX_METADATA_BYTES = 8 * 1024;
