/**
 * Stripe webhook signatures, checked before a byte of the body is parsed.
 *
 * Stripe's documented scheme (https://docs.stripe.com/webhooks#verify-manually): the header is
 * `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>...][,v0=...]`; each v1 is the hex
 * HMAC-SHA256 of `${t}.${raw body}` keyed with the endpoint secret `whsec_...` as it is written
 * (not decoded); the request is genuine if any v1 matches (there are two while a secret is being
 * rolled), and fresh if t is at most `toleranceSeconds` old. v0 and unknown schemes are ignored.
 *
 * Why not the `stripe` package's `constructEvent` at run time: it tells its failures apart only
 * by English messages, where we answer stable codes; it reads the clock itself where we inject
 * it; and it is 23 MB and about 190 ms of import for twenty lines of HMAC. The tests prove this
 * code and the package agree on what they sign, accept and refuse.
 *
 * Like the package, a timestamp in the future is accepted: only Stripe, or whoever holds the
 * secret, can sign one, and refusing it would only drop genuine events when the clocks disagree.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalid, ok, refuse, type Result } from '../core/refusal.js';

export const STRIPE_SIGNATURE_TOLERANCE_SECONDS = 300;

export interface StripeEvent {
  readonly id: string;
  readonly type: string;
  /** Unix seconds, as Stripe sends it. */
  readonly created: number;
  readonly data: { readonly object: Readonly<Record<string, unknown>> };
}

const TIMESTAMP = /^\d{1,15}$/;
const V1_SIGNATURE = /^[0-9a-f]{64}$/;

/**
 * Checks a webhook request and only then parses its body. `rawBody` must be the bytes as
 * received: a body parsed and serialised again no longer matches its signature. Every refusal
 * is a value (`signature_missing`, `signature_invalid`, `signature_expired`, or
 * `invalid_request` on field `body` for a signed body that is not an event); only a blank secret
 * or a non-finite clock or tolerance throw, being bugs in our configuration rather than anything
 * a request can cause.
 */
export function verifyStripeWebhook(
  rawBody: string | Buffer,
  header: string | undefined,
  secret: string,
  nowMs: number,
  toleranceSeconds = STRIPE_SIGNATURE_TOLERANCE_SECONDS,
): Result<StripeEvent> {
  checkSecret(secret);
  if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be finite, got ${nowMs}`);
  if (!(toleranceSeconds >= 0)) {
    // NaN would make every age "within tolerance" and accept replays forever.
    throw new RangeError(`toleranceSeconds must be >= 0, got ${toleranceSeconds}`);
  }
  if (header === undefined || header.trim() === '') {
    return refuse('signature_missing', 'the Stripe-Signature header is missing');
  }
  const parsed = parseSignatureHeader(header);
  if (parsed === undefined) return signatureInvalid();

  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const expected = signature(body, secret, parsed.timestamp);
  let matched = false;
  for (const candidate of parsed.signatures) {
    // Constant time, and no early exit, so timing tells nothing about how close a guess was.
    matched = timingSafeEqual(candidate, expected) || matched;
  }
  if (!matched) return signatureInvalid();
  // Checked after the signature: a forged request learns nothing, a genuine old one is a replay.
  const ageSeconds = Math.floor(nowMs / 1000) - parsed.timestamp;
  if (ageSeconds > toleranceSeconds) {
    return refuse('signature_expired', `the webhook was signed ${ageSeconds} s ago`, {
      ageSeconds,
      toleranceSeconds,
    });
  }

  const event = parseEvent(body);
  return event === undefined
    ? invalid('body', 'the webhook body is not a Stripe event')
    : ok(event);
}

/**
 * The `Stripe-Signature` header Stripe would send for `rawBody` at `timestampSeconds`:
 * `t=1700000000,v1=5257a8...`. For tests and a local tool that replays events.
 */
export function signStripePayload(
  rawBody: string | Buffer,
  secret: string,
  timestampSeconds: number,
): string {
  checkSecret(secret);
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(`timestampSeconds must be whole seconds, got ${timestampSeconds}`);
  }
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return `t=${timestampSeconds},v1=${signature(body, secret, timestampSeconds).toString('hex')}`;
}

function checkSecret(secret: string): void {
  // An empty key is a valid HMAC key: anyone could sign. A deploy without its secret must fail.
  if (secret.trim() === '') throw new Error('the Stripe webhook secret is empty');
}

/** HMAC-SHA256 of `${t}.` followed by the body's bytes, which are hashed as received. */
function signature(body: Buffer, secret: string, timestamp: number): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest();
}

interface SignatureHeader {
  readonly timestamp: number;
  /** The v1 signatures, decoded; each is 32 bytes. */
  readonly signatures: readonly Buffer[];
}

/** Undefined unless the header has exactly one t and at least one well-formed v1. */
function parseSignatureHeader(header: string): SignatureHeader | undefined {
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const item of header.split(',')) {
    const equals = item.indexOf('=');
    if (equals < 0) continue;
    const key = item.slice(0, equals).trim();
    const value = item.slice(equals + 1).trim();
    if (key === 't') {
      if (timestamp !== undefined || !TIMESTAMP.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1' && V1_SIGNATURE.test(value)) {
      // A v1 that is not 64 lower-case hex digits cannot be a match; skip it, as Stripe's SDK
      // does in effect, so one damaged entry does not hide a good one.
      signatures.push(Buffer.from(value, 'hex'));
    }
  }
  if (timestamp === undefined || signatures.length === 0) return undefined;
  return { timestamp, signatures };
}

/** The event's envelope, or undefined when the body is not UTF-8 JSON of an event. */
function parseEvent(body: Buffer): StripeEvent | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return undefined;
  }
  if (!isRecord(value) || !isRecord(value.data) || !isRecord(value.data.object)) return undefined;
  const { id, type, created } = value;
  if (typeof id !== 'string' || id === '' || typeof type !== 'string' || type === '') {
    return undefined;
  }
  if (typeof created !== 'number' || !Number.isSafeInteger(created)) return undefined;
  return { id, type, created, data: { object: value.data.object } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function signatureInvalid(): Result<never> {
  // One message for every failure: a forger learns nothing about which part was wrong.
  return refuse('signature_invalid', 'the Stripe-Signature header does not match the body');
}
