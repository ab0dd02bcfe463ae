/** How routes send a ledger write: the Idempotency-Key and `at` it takes, and its answer. */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WriteResult } from '../../ledger/ledger.js';
import { sendProblem } from '../errors.js';
import { idempotencyKeyOf, REPLAYED_HEADER } from '../idempotency.js';
import type { Metrics } from '../metrics.js';
import { optionalInstant } from '../parse.js';

/** Sends a ledger result: the value with `status`, or the refusal as a problem; flags replays. */
export function sendWrite<T>(
  reply: FastifyReply,
  metrics: Metrics,
  result: WriteResult<T>,
  status: number,
  present: (value: T) => unknown,
) {
  if (result.replayed) reply.header(REPLAYED_HEADER, 'true');
  if (!result.ok) {
    metrics.refusals.inc({ code: result.refusal.code });
    return sendProblem(reply, result.refusal);
  }
  return reply.code(status).send(present(result.value));
}

/** What every ledger write takes besides its body: the Idempotency-Key header and `at`. */
export function writeOptions(request: FastifyRequest, at?: string) {
  const key = idempotencyKeyOf(request);
  const instant = optionalInstant(at, 'at');
  return {
    ...(key === undefined ? {} : { idempotencyKey: key }),
    ...(instant === undefined ? {} : { at: instant }),
  };
}
