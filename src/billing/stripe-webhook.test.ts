import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import type { Result } from '../core/refusal.js';
import { signStripePayload, verifyStripeWebhook } from './stripe-webhook.js';

const SECRET = 'whsec_5a9f2c1e7b3d4f60a8e2c9b1d7f3a6e4';
const SENT_AT = 1_763_900_000; // Unix seconds.
const NOW_MS = (SENT_AT + 5) * 1000;

const EVENT = {
  id: 'evt_1QxYz',
  object: 'event',
  api_version: '2025-10-29',
  created: SENT_AT,
  type: 'checkout.session.completed',
  livemode: false,
  data: {
    object: { id: 'cs_test_a1', object: 'checkout.session', amount_total: 2500, currency: 'usd' },
  },
};
// Stripe sends its events pretty-printed; what is signed is these exact bytes.
const BODY = JSON.stringify(EVENT, null, 2);

/** The refusal's code, or 'ok'. */
const codeOf = (result: Result<unknown>): string => (result.ok ? 'ok' : result.refusal.code);

const verify = (body: string | Buffer, header: string | undefined, nowMs = NOW_MS) =>
  verifyStripeWebhook(body, header, SECRET, nowMs);

describe('verifyStripeWebhook', () => {
  it('accepts a genuine request and returns the parsed event', () => {
    const result = verify(BODY, signStripePayload(BODY, SECRET, SENT_AT));
    expect(result).toEqual({
      ok: true,
      value: { id: EVENT.id, type: EVENT.type, created: EVENT.created, data: EVENT.data },
    });
  });

  it('accepts the raw body as a Buffer, hashing its bytes as received', () => {
    const bytes = Buffer.from(
      JSON.stringify({ ...EVENT, data: { object: { name: 'Café 東京' } } }),
    );
    const result = verify(bytes, signStripePayload(bytes, SECRET, SENT_AT));
    expect(result.ok && result.value.data.object).toEqual({ name: 'Café 東京' });
  });

  it('refuses a signature made with another secret', () => {
    const header = signStripePayload(BODY, 'whsec_someone_else', SENT_AT);
    expect(codeOf(verify(BODY, header))).toBe('signature_invalid');
  });

  it('refuses a body changed after signing, by as little as a space', () => {
    const header = signStripePayload(BODY, SECRET, SENT_AT);
    expect(codeOf(verify(BODY.replace('2500', '25000'), header))).toBe('signature_invalid');
    expect(codeOf(verify(`${BODY} `, header))).toBe('signature_invalid');
    // The same event parsed and serialised again is not what Stripe signed.
    expect(codeOf(verify(JSON.stringify(EVENT), header))).toBe('signature_invalid');
  });

  it('refuses a signature moved to another timestamp', () => {
    const [, v1] = signStripePayload(BODY, SECRET, SENT_AT).split(',');
    expect(codeOf(verify(BODY, `t=${SENT_AT + 1},${v1}`))).toBe('signature_invalid');
  });

  it('answers signature_missing without a header', () => {
    expect(codeOf(verify(BODY, undefined))).toBe('signature_missing');
    expect(codeOf(verify(BODY, ''))).toBe('signature_missing');
    expect(codeOf(verify(BODY, '   '))).toBe('signature_missing');
  });

  it('refuses malformed headers', () => {
    const good = signStripePayload(BODY, SECRET, SENT_AT);
    const v1 = good.split(',')[1] ?? '';
    const hex = v1.slice('v1='.length);
    for (const header of [
      'garbage',
      v1, // no timestamp
      `t=${SENT_AT}`, // no signature
      `t=${SENT_AT},v0=${hex}`, // only the old scheme, which Stripe no longer uses
      `t=abc,${v1}`,
      `t=-${SENT_AT},${v1}`,
      `t=${SENT_AT}.5,${v1}`,
      `t=${SENT_AT},t=${SENT_AT},${v1}`, // two timestamps
      `t=${SENT_AT},v1=${hex.toUpperCase()}`,
      `t=${SENT_AT},v1=${hex.slice(2)}`,
      `t=${SENT_AT},v1=${hex}00`,
      `t=${SENT_AT},v1=${Buffer.from(hex, 'hex').toString('base64')}`,
    ]) {
      expect(codeOf(verify(BODY, header)), header).toBe('signature_invalid');
    }
  });

  it('refuses a genuine request older than the tolerance, 300 s by default', () => {
    const header = signStripePayload(BODY, SECRET, SENT_AT);
    expect(verify(BODY, header, (SENT_AT + 300) * 1000 + 999).ok).toBe(true);
    expect(codeOf(verify(BODY, header, (SENT_AT + 301) * 1000))).toBe('signature_expired');
    expect(codeOf(verifyStripeWebhook(BODY, header, SECRET, (SENT_AT + 61) * 1000, 60))).toBe(
      'signature_expired',
    );
    // A forged old request is invalid, not expired: the signature is checked first.
    const forged = signStripePayload(BODY, 'whsec_forger', SENT_AT);
    expect(codeOf(verify(BODY, forged, (SENT_AT + 3600) * 1000))).toBe('signature_invalid');
  });

  it('accepts a timestamp ahead of our clock, as Stripe does', () => {
    const header = signStripePayload(BODY, SECRET, SENT_AT + 600);
    expect(verify(BODY, header).ok).toBe(true);
  });

  it('accepts any matching v1 among several, as while a secret is rolled', () => {
    const old = signStripePayload(BODY, 'whsec_previous_secret', SENT_AT).split(',')[1];
    const current = signStripePayload(BODY, SECRET, SENT_AT).split(',')[1];
    const v0 = `v0=${'ab'.repeat(32)}`;
    expect(verify(BODY, `t=${SENT_AT},${old},${current}`).ok).toBe(true);
    expect(verify(BODY, `t=${SENT_AT},${current},${old},${v0}`).ok).toBe(true);
    expect(verify(BODY, `t=${SENT_AT},v1=zz,${current}`).ok).toBe(true);
    expect(codeOf(verify(BODY, `t=${SENT_AT},${old},${v0}`))).toBe('signature_invalid');
  });

  it('answers invalid_request on the body for a signed body that is not an event', () => {
    for (const body of [
      'not json',
      '',
      '[]',
      'null',
      '{"id":"evt_1","type":"x","created":1}', // no data.object
      '{"id":"evt_1","type":"x","created":"1","data":{"object":{}}}',
      '{"id":"","type":"x","created":1,"data":{"object":{}}}',
      '{"id":"evt_1","created":1,"data":{"object":{}}}',
    ]) {
      expect(verify(body, signStripePayload(body, SECRET, SENT_AT)), body).toEqual({
        ok: false,
        refusal: expect.objectContaining({ code: 'invalid_request', details: { field: 'body' } }),
      });
    }
    const notUtf8 = Buffer.from([0x7b, 0xff, 0x7d]);
    expect(codeOf(verify(notUtf8, signStripePayload(notUtf8, SECRET, SENT_AT)))).toBe(
      'invalid_request',
    );
  });

  it('does not parse a body whose signature fails', () => {
    expect(codeOf(verify('not json', signStripePayload(BODY, SECRET, SENT_AT)))).toBe(
      'signature_invalid',
    );
  });

  it('throws on configuration bugs, never on requests', () => {
    const header = signStripePayload(BODY, SECRET, SENT_AT);
    expect(() => verifyStripeWebhook(BODY, header, '', NOW_MS)).toThrow(/secret is empty/);
    expect(() => verifyStripeWebhook(BODY, header, SECRET, Number.NaN)).toThrow(RangeError);
    expect(() => verifyStripeWebhook(BODY, header, SECRET, NOW_MS, Number.NaN)).toThrow(RangeError);
    expect(() => signStripePayload(BODY, SECRET, 1.5)).toThrow(RangeError);
    expect(() => signStripePayload(BODY, '  ', SENT_AT)).toThrow(/secret is empty/);
  });
});

describe('agreement with the official stripe package', () => {
  const sdkAccepts = (body: string, header: string, nowMs = NOW_MS): boolean => {
    try {
      Stripe.webhooks.constructEvent(body, header, SECRET, 300, undefined, nowMs);
      return true;
    } catch {
      return false;
    }
  };

  it('signs exactly as generateTestHeaderString does', () => {
    for (const [body, timestamp] of [
      [BODY, SENT_AT],
      ['{"unicode":"Café 東京 🎉"}', 1],
      ['', 1_700_000_000],
    ] as const) {
      expect(signStripePayload(body, SECRET, timestamp)).toBe(
        Stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET, timestamp }),
      );
    }
  });

  it('accepts what the package signs, and the package accepts what we sign', () => {
    const theirs = Stripe.webhooks.generateTestHeaderString({
      payload: BODY,
      secret: SECRET,
      timestamp: SENT_AT,
    });
    const ours = signStripePayload(BODY, SECRET, SENT_AT);
    const result = verify(BODY, theirs);
    expect(result.ok).toBe(true);
    const event = Stripe.webhooks.constructEvent(BODY, ours, SECRET, 300, undefined, NOW_MS);
    expect(result.ok && result.value).toEqual({
      id: event.id,
      type: event.type,
      created: event.created,
      data: { object: event.data.object },
    });
  });

  it('accepts and refuses the same requests', () => {
    const good = signStripePayload(BODY, SECRET, SENT_AT);
    const other = signStripePayload(BODY, 'whsec_other', SENT_AT);
    const cases: readonly (readonly [string, string, number])[] = [
      [BODY, good, NOW_MS],
      [BODY, other, NOW_MS],
      [`${BODY}\n`, good, NOW_MS],
      [BODY, good, (SENT_AT + 300) * 1000],
      [BODY, good, (SENT_AT + 301) * 1000],
      [BODY, good, (SENT_AT - 3600) * 1000],
      [BODY, `t=${SENT_AT},${other.split(',')[1]},${good.split(',')[1]}`, NOW_MS],
      [BODY, `t=${SENT_AT},v0=${good.split('v1=')[1]}`, NOW_MS],
      [BODY, `t=${SENT_AT + 1},${good.split(',')[1]}`, NOW_MS],
      [BODY, 'nonsense', NOW_MS],
    ];
    for (const [body, header, nowMs] of cases) {
      expect(verify(body, header, nowMs).ok, header).toBe(sdkAccepts(body, header, nowMs));
    }
  });
});
