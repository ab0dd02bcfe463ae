/** Prometheus metrics: requests, latencies, charges and refusals. */
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({
    name: 'tally_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new Histogram({
    name: 'tally_http_request_duration_seconds',
    help: 'HTTP request latency by route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly charges = new Counter({
    name: 'tally_charges_total',
    help: 'Charges by outcome: succeeded, failed (logged attempts) or refused',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  readonly refusals = new Counter({
    name: 'tally_refusals_total',
    help: 'Refused requests by code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'tally_' });
  }
}
