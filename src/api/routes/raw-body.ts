/** Makes the routes of one encapsulated plugin receive JSON bodies as raw bytes. */
import type { FastifyInstance } from 'fastify';

export function fastifyRawBody(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body);
  });
}
