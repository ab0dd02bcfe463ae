import type { RouteContext, ZodApp } from './route-context.js';

export function registerSystemRoutes(app: ZodApp, context: RouteContext): void {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const ready = await context.ready().catch(() => false);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable' });
  });

  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(context.metrics.registry.contentType).send(await context.metrics.registry.metrics()),
  );

  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
