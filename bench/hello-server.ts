/** The same framework's hello-world, for the ratio the HTTP benchmark reports. */
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => ({ hello: 'world' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 0) });
console.log(`hello listening on ${process.env.PORT}`);
