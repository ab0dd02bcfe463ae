/**
 * The same framework's hello-world, for the ratio the HTTP benchmark reports. It answers the same
 * requests the charges get (a JSON POST with an Idempotency-Key), so that the load generator does
 * the same work in both runs and the ratio compares servers only.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
app.post('/', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
console.log(`hello listening on ${process.env.PORT}`);
