/**
 * The HTTP server: DESIGN.md section 4. Requests are validated by the schemas in `schemas.ts`
 * (which also make the OpenAPI document), refusals become problem documents through the one table
 * in `errors.ts`, and every route says which role it needs.
 */
import type { Billing } from '../billing/billing.js';
import { registerPlanRoutes } from './routes/plan-routes.js';
import { registerPurchaseRoutes } from './routes/purchase-routes.js';
import fastifyCookie from '@fastify/cookie';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
} from 'fastify';
import {
  jsonSchemaTransform,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { randomUUID } from 'node:crypto';
import type { Access } from '../access/access.js';
import type { Refusal } from '../core/refusal.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Clock } from '../ledger/ports.js';
import { authorize, identify, principalId, type Need } from './auth.js';
import { RefusalError, refusalError, sendProblem } from './errors.js';
import { HttpIdempotency, type ResponseStore } from './idempotency.js';
import { Metrics } from './metrics.js';
import { RateLimiter } from './rate-limit.js';
import { registerSpendingRoutes } from './routes/spending-routes.js';
import { registerAccessRoutes } from './routes/access-routes.js';
import { registerLedgerRoutes } from './routes/ledger-routes.js';
import { registerOrgRoutes } from './routes/org-routes.js';
import { registerReadRoutes } from './routes/read-routes.js';
import { registerStatementExportRoutes } from './routes/statement-export-routes.js';
import { registerReportRoutes } from './routes/report-routes.js';
import type { Reports } from '../reports/reports.js';
import { registerExportRoutes } from './routes/export-routes.js';
import { registerSystemRoutes } from './routes/system-routes.js';
import { registerOrgLifecycleRoutes } from './routes/org-lifecycle-routes.js';
import { OrgLifecycle, type BillingRecords } from './org-lifecycle.js';
import { refuseWritesWhileSuspended } from './suspension-gate.js';

export const BODY_LIMIT_BYTES = 1024 * 1024;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route: the root key, any caller, or a role in the org of the path. */
    need?: Need;
  }
}

export interface ServerOptions {
  ledger: Ledger;
  reports: Reports;
  billing: Billing;
  access: Access;
  responses: ResponseStore;
  clock: Clock;
  /** Whether the store answers, for /readyz. */
  ready: () => Promise<boolean>;
  logger?: boolean | { level: string } | FastifyBaseLogger;
  /** Requests per second and key, with bursts twice as large. */
  rateLimitPerSecond?: number;
  /** Mark session cookies Secure (behind HTTPS). */
  secureCookies?: boolean;
  /** Billing's records of each org, removed with the org; none counted or removed without. */
  billingStore?: BillingRecords;
}

export interface RouteContext {
  ledger: Ledger;
  reports: Reports;
  billing: Billing;
  access: Access;
  idempotency: HttpIdempotency;
  metrics: Metrics;
  clock: Clock;
  secureCookies: boolean;
  ready: () => Promise<boolean>;
  lifecycle: OrgLifecycle;
}

export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: 'info' },
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    // One line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
  app.setValidatorCompiler(validatorCompiler);
  // Responses are built by `present.ts` to the documented shapes; the schemas document them.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));

  const metrics = new Metrics();
  const limiter = new RateLimiter(
    options.rateLimitPerSecond ?? 1000,
    2 * (options.rateLimitPerSecond ?? 1000),
  );
  const context: RouteContext = {
    ledger: options.ledger,
    reports: options.reports,
    billing: options.billing,
    access: options.access,
    idempotency: new HttpIdempotency(options.responses, () => options.clock.now()),
    metrics,
    clock: options.clock,
    secureCookies: options.secureCookies ?? false,
    ready: options.ready,
    lifecycle: new OrgLifecycle({
      ledger: options.ledger,
      access: options.access,
      responses: options.responses,
      billing: options.billingStore,
    }),
  };

  // Cookies are read only when a request has no API key (see `identify`): most calls carry a key.
  await app.register(fastifyCookie, { hook: false });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Tally',
        version: '1',
        description:
          'The AI credit ledger. Amounts are decimal strings of credits with at most 6 decimals; errors are application/problem+json with a stable `code`.',
      },
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            description: 'An org API key, or the root key',
          },
          session: { type: 'apiKey', in: 'cookie', name: 'tally_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    uiConfig: { docExpansion: 'list' },
  });

  app.decorateRequest('principal', undefined);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (!request.url.startsWith('/v1/')) return;
    request.principal = await identify(request, options.access);
    const wait = limiter.take(principalId(request.principal, request.ip));
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      throw refusalError('rate_limited', `too many requests: retry in ${wait} s`, {
        retryAfterSeconds: wait,
      });
    }
    // Who may call a route is checked before its body is even read: a stranger learns nothing
    // from parsing or validation (400, 413, 415), and costs no more than its headers.
    const need = request.routeOptions.config.need;
    if (need !== undefined) authorize(request, need, (request.params as { org?: string }).org);
    await refuseWritesWhileSuspended(request, options.access);
  });
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const seconds = reply.elapsedTime / 1000;
    metrics.requests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.latency.observe({ method: request.method, route }, seconds);
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
  });

  app.setErrorHandler((error: FastifyError | RefusalError, request, reply) => {
    if (error instanceof RefusalError) {
      metrics.refusals.inc({ code: error.refusal.code });
      return sendProblem(reply, error.refusal);
    }
    const refusal = clientFault(error);
    if (refusal) {
      metrics.refusals.inc({ code: refusal.code });
      return sendProblem(reply, refusal);
    }
    request.log.error({ err: error }, 'server fault');
    return reply.code(500).type('application/problem+json').send({
      type: 'urn:tally:problem:internal',
      title: 'Internal error',
      status: 500,
      code: 'internal',
      detail: 'the server failed; it has been logged',
      requestId: request.id,
    });
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, {
      code: 'not_found',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
      details: {},
    }),
  );

  const typed = app.withTypeProvider<ZodTypeProvider>();
  registerSystemRoutes(typed, context);
  registerOrgRoutes(typed, context);
  registerLedgerRoutes(typed, context);
  registerReadRoutes(typed, context);
  registerStatementExportRoutes(typed, context);
  registerReportRoutes(typed, context);
  registerExportRoutes(typed, context);
  registerAccessRoutes(typed, context);
  registerSpendingRoutes(typed, context);
  registerPlanRoutes(typed, context);
  registerPurchaseRoutes(typed, context);
  registerOrgLifecycleRoutes(typed, context);
  return app;
}

/** Faults of the request (bad JSON, schema violations, sizes), as refusals. */
function clientFault(error: FastifyError): Refusal | undefined {
  if (error.validation && error.validation.length > 0) {
    const issue = error.validation[0] as {
      instancePath?: string;
      message?: string;
      params?: { issue?: { path?: unknown[] } };
    };
    const path = issue.params?.issue?.path ?? issue.instancePath?.split('/').filter(Boolean) ?? [];
    // Named as the handlers name fields: `prices[0].credits`, `quantities.input_tokens`.
    const field =
      path.length > 0
        ? path
            .map((part, index) =>
              /^\d+$/.test(String(part))
                ? `[${String(part)}]`
                : `${index === 0 ? '' : '.'}${String(part)}`,
            )
            .join('')
        : (error.validationContext ?? 'body');
    return {
      code: 'invalid_request',
      message: `${field}: ${issue.message ?? 'invalid'}`,
      details: { field, location: error.validationContext },
    };
  }
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { code: 'invalid_json', message: 'the body is not valid JSON', details: {} };
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return {
        code: 'payload_too_large',
        message: `bodies are limited to ${BODY_LIMIT_BYTES} bytes`,
        details: { limit: BODY_LIMIT_BYTES },
      };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return {
        code: 'unsupported_media_type',
        message: 'send JSON with Content-Type: application/json',
        details: {},
      };
    default:
      if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
        return { code: 'invalid_request', message: error.message, details: {} };
      }
      return undefined;
  }
}
