/**
 * `Idempotency-Key` for writes outside the ledger (orgs, keys, members). Ledger writes keep their
 * keys inside the ledger, in the same transaction as the write (rule 7); these keep the first
 * response here: status and body.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { refusalError } from './errors.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'Idempotency-Replayed';

export interface StoredHttpResponse {
  readonly requestHash: string;
  readonly status: number;
  readonly body: string;
}

export interface ResponseStore {
  find(scope: string, key: string): Promise<StoredHttpResponse | undefined>;
  save(scope: string, key: string, response: StoredHttpResponse, at: number): Promise<void>;
  purge(before: number): Promise<number>;
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
    const hash = createHash('sha256')
      .update(
        `${request.method} ${request.routeOptions.url ?? request.url}\n${JSON.stringify(request.params)}\n${JSON.stringify(request.body ?? null)}`,
      )
      .digest('base64url');
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
          .send(stored.body);
      }
      const { status, body } = await handle();
      if (status < 500) {
        await this.store.save(
          scope,
          key,
          { requestHash: hash, status, body: JSON.stringify(body) },
          this.now(),
        );
      }
      return reply.code(status).send(body);
    } finally {
      this.running.delete(runningKey);
    }
  }
}
