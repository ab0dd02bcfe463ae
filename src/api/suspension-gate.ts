/**
 * A suspended org takes no writes: a request that is not a read and names an org in its path is
 * refused with 409 `org_suspended` before its body is even read, so it writes nothing. Routes
 * that must still answer say so with `config: { allowedWhileSuspended: true }`: resuming,
 * suspending again and deleting. Reads keep working, and so do writes outside any org's path.
 */
import type { FastifyRequest } from 'fastify';
import type { Access } from '../access/access.js';
import { valueOf } from './parse.js';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers while its org is suspended (the org's lifecycle routes). */
    allowedWhileSuspended?: boolean;
  }
}

/** Runs after `authorize`, so that callers of another org learn nothing, suspension included. */
export async function refuseWritesWhileSuspended(
  request: FastifyRequest,
  access: Access,
): Promise<void> {
  if (READS.has(request.method) || request.routeOptions.config.allowedWhileSuspended) return;
  const orgId = (request.params as { org?: string } | undefined)?.org;
  if (orgId === undefined) return;
  valueOf(await access.checkWritable(orgId));
}
