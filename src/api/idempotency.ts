/**
 * `Idempotency-Key` for writes outside the ledger (orgs, keys, members). Ledger writes keep their
 * keys inside the ledger, in the same transaction as the write (rule 7); these keep the first
 * response here: status and body.
 *
 * These responses hold what must never be stored readable: a new key's secret (shown once, kept
 * only as a hash) and, in the request, a member's password. So the request is fingerprinted with
 * an HMAC and the response sealed (AES-256-GCM), both keyed by the caller's own credential, which
 * is never stored: only the same caller can replay, and the data folder alone reveals nothing.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SESSION_COOKIE } from './auth.js';
import { refusalError } from './errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotency-Replayed';

export interface StoredHttpResponse {
  readonly requestHash: string;
  readonly status: number;
  readonly body: string;
}

/**
 * Responses are kept by scope and key. A scope of one org's writes ends with `:<org id>`
 * (`keys:org_123`), so that deleting the org deletes them.
 */
export interface ResponseStore {
  find(scope: string, key: string): Promise<StoredHttpResponse | undefined>;
  save(scope: string, key: string, response: StoredHttpResponse, at: number): Promise<void>;
  purge(before: number): Promise<number>;
  /** Drops the responses of every scope of the org (those ending with `:<org id>`). */
  deleteOrg(orgId: string): Promise<number>;
}

export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = request.headers[IDEMPOTENCY_HEADER];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || key.length === 0 || key.length > 255) {
    throw refusalError('invalid_request', 'Idempotency-Key has 1 to 255 characters', {
      field: 'Idempotency-Key',
    });
  }
  return key;
}

export class HttpIdempotency {
  private readonly running = new Set<string>();

  constructor(
    private readonly store: ResponseStore,
    private readonly now: () => number,
  ) {}

  /**
   * Runs `handle` once per key and scope; a replay sends the stored status and body with
   * `Idempotency-Replayed: true`. Server faults are not stored, so they can be retried.
   */
  async run(
    request: FastifyRequest,
    reply: FastifyReply,
    scope: string,
    handle: () => Promise<{ status: number; body: unknown }>,
  ): Promise<FastifyReply> {
    const key = idempotencyKeyOf(request);
    if (key === undefined) {
      const { status, body } = await handle();
      return reply.code(status).send(body);
    }
    const secret = callerSecret(request);
    const hash = createHmac('sha256', secret)
      .update(
        `${request.method} ${request.routeOptions.url ?? request.url}\n${JSON.stringify(request.params)}\n${JSON.stringify(request.body ?? null)}`,
      )
      .digest('base64url');
    const sealKey = createHmac('sha256', secret).update(`seal\u0000${scope}\u0000${key}`).digest();
    const runningKey = `${scope}\u0000${key}`;
    if (this.running.has(runningKey)) {
      throw refusalError(
        'idempotency_key_in_use',
        'a request with this idempotency key is still running',
        { key },
      );
    }
    this.running.add(runningKey);
    try {
      const stored = await this.store.find(scope, key);
      if (stored) {
        if (stored.requestHash !== hash) {
          throw refusalError(
            'idempotency_key_reused',
            'this idempotency key was used with a different request',
            { key },
          );
        }
        return reply
          .code(stored.status)
          .header(REPLAYED_HEADER, 'true')
          .type('application/json')
          .send(unseal(stored.body, sealKey));
      }
      const { status, body } = await handle();
      if (status < 500) {
        await this.store.save(
          scope,
          key,
          { requestHash: hash, status, body: seal(JSON.stringify(body), sealKey) },
          this.now(),
        );
      }
      return reply.code(status).send(body);
    } finally {
      this.running.delete(runningKey);
    }
  }
}

/** The caller's credential: the Bearer header, or the session cookie; never stored. */
function callerSecret(request: FastifyRequest): string {
  const header = request.headers.authorization;
  if (header !== undefined) return `bearer\u0000${header}`;
  const cookies = request.headers.cookie;
  const token =
    cookies === undefined ? undefined : request.server.parseCookie(cookies)[SESSION_COOKIE];
  return `session\u0000${token ?? ''}`;
}

function seal(text: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return `sealed:${Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url')}`;
}

function unseal(stored: string, key: Buffer): string {
  const bytes = Buffer.from(stored.slice('sealed:'.length), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(12, 28));
  return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
}
