/**
 * The load generator, run in a process of its own so that it does not share the server's CPU time
 * slice: autocannon against one URL, printing its result as JSON on stdout.
 * Arguments: a JSON object {url, method, headers, body, connections, seconds, uniqueKeys}.
 */
import autocannon from 'autocannon';

interface LoadOptions {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  connections: number;
  seconds: number;
  /** Give every request an Idempotency-Key of its own. */
  uniqueKeys: boolean;
}

const options = JSON.parse(process.argv[2] ?? '{}') as LoadOptions;
let sequence = 0;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.seconds,
  requests: [
    {
      method: options.method,
      headers: options.headers,
      ...(options.body === undefined ? {} : { body: options.body }),
      setupRequest: (request: autocannon.Request) => {
        if (!options.uniqueKeys) return request;
        sequence += 1;
        return {
          ...request,
          headers: { ...request.headers, 'idempotency-key': `bench-${process.pid}-${sequence}` },
        };
      },
    },
  ],
});
process.stdout.write(
  JSON.stringify({
    requestsPerSec: result.requests.average,
    total: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  }),
);
