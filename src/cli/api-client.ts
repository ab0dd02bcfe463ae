/**
 * The CLI's HTTP client: Bearer key, JSON in and out, problem documents as `ApiProblem`, and
 * retries that cannot double-write. A request is retried after a network error or a timeout only
 * when repeating it is safe (GET, PUT, or a write carrying an Idempotency-Key); 429 and 503 mean
 * the server did not run the request, so those are retried whatever the method.
 */
import { randomUUID } from 'node:crypto';

/** A problem document (RFC 9457) the server answered with. */
export class ApiProblem extends Error {
  override readonly name = 'ApiProblem';
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    /** The whole document: `available`, `required`, `field`, … */
    readonly document: Readonly<Record<string, unknown>>,
  ) {
    super(`${code}: ${detail}`);
  }
}

/** The server could not be reached, even after retrying. */
export class ConnectionError extends Error {
  override readonly name = 'ConnectionError';
}

export interface ApiClientOptions {
  url: string;
  key: string | undefined;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  /** Attempts in all, the first included; default 6. */
  attempts?: number;
  /** Per attempt; default 30 s. */
  timeoutMs?: number;
}

export interface RequestOptions {
  body?: unknown;
  query?: Readonly<Record<string, string | number | undefined>>;
  /** Sent as Idempotency-Key; writes get a fresh one when none is given. */
  idempotencyKey?: string;
  /** Read a successful answer as raw bytes (a PDF), not as JSON; problems are still JSON. */
  bytes?: boolean;
}

export interface Answer<T> {
  status: number;
  body: T;
  headers: Headers;
  /** The server replayed the first response to this idempotency key. */
  replayed: boolean;
  /** Attempts it took (1 when the first one answered). */
  attempts: number;
}

const RETRY_AFTER_CAP_MS = 10_000;

export class ApiClient {
  readonly url: string;
  private readonly fetch: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly attempts: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: ApiClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.attempts = options.attempts ?? 6;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  get<T>(path: string, query?: RequestOptions['query']): Promise<Answer<T>> {
    return this.request<T>('GET', path, query ? { query } : {});
  }

  /** A GET whose answer is a file (an invoice PDF): the body is its bytes. */
  getBytes(path: string, query?: RequestOptions['query']): Promise<Answer<Uint8Array>> {
    return this.request<Uint8Array>('GET', path, { ...(query ? { query } : {}), bytes: true });
  }

  /**
   * A GET whose answer is streamed (a CSV export): the body is the response's bytes as they
   * arrive, for the caller to read to the end. Only getting the answer is retried and timed out;
   * a download that takes longer than the timeout is not cut short.
   */
  async getStream(
    path: string,
    query?: RequestOptions['query'],
  ): Promise<Answer<ReadableStream<Uint8Array>>> {
    const url = `${this.url}${path}${queryString(query)}`;
    const headers: Record<string, string> = { accept: '*/*' };
    if (this.options.key) headers.authorization = `Bearer ${this.options.key}`;
    let lastFailure: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt += 1) {
      const controller = new AbortController();
      const timer = setTimeout(
        () => controller.abort(new DOMException('no answer in time', 'TimeoutError')),
        this.timeoutMs,
      );
      let response: Response;
      try {
        response = await this.fetch(url, { method: 'GET', headers, signal: controller.signal });
      } catch (error) {
        lastFailure = error;
        if (attempt === this.attempts) break;
        await this.sleep(backoffMs(attempt));
        continue;
      } finally {
        clearTimeout(timer);
      }
      if (response.ok && response.body) {
        return {
          status: response.status,
          body: response.body,
          headers: response.headers,
          replayed: false,
          attempts: attempt,
        };
      }
      const text = await response.text().catch(() => '');
      const problem = problemOf(response.status, parseJson(text), text);
      if (attempt < this.attempts && this.worthRetrying(problem, attempt)) {
        await this.sleep(waitMs(problem, response.headers, attempt));
        continue;
      }
      throw problem;
    }
    throw new ConnectionError(
      `cannot reach Tally at ${this.url}: ${describeFailure(lastFailure)}`,
      { cause: lastFailure },
    );
  }

  post<T>(path: string, body: unknown, idempotencyKey?: string): Promise<Answer<T>> {
    return this.request<T>('POST', path, {
      body,
      idempotencyKey: idempotencyKey ?? `cli-${randomUUID()}`,
    });
  }

  put<T>(path: string, body: unknown): Promise<Answer<T>> {
    return this.request<T>('PUT', path, { body });
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<Answer<T>> {
    const url = `${this.url}${path}${queryString(options.query)}`;
    const headers: Record<string, string> = {
      accept: options.bytes ? '*/*' : 'application/json',
    };
    if (this.options.key) headers.authorization = `Bearer ${this.options.key}`;
    if (options.idempotencyKey !== undefined) headers['idempotency-key'] = options.idempotencyKey;
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    const repeatable = method === 'GET' || method === 'PUT' || options.idempotencyKey !== undefined;
    let lastFailure: unknown;
    for (let attempt = 1; attempt <= this.attempts; attempt += 1) {
      let response: Response;
      try {
        response = await this.fetch(url, {
          method,
          headers,
          signal: AbortSignal.timeout(this.timeoutMs),
          ...(body === undefined ? {} : { body }),
        });
      } catch (error) {
        lastFailure = error;
        if (!repeatable || attempt === this.attempts) break;
        await this.sleep(backoffMs(attempt));
        continue;
      }
      if (response.ok && options.bytes) {
        const bytes = await response.arrayBuffer().catch((error: unknown) => {
          lastFailure = error;
          return undefined;
        });
        if (bytes === undefined) {
          if (!repeatable || attempt === this.attempts) break;
          await this.sleep(backoffMs(attempt));
          continue;
        }
        return {
          status: response.status,
          body: new Uint8Array(bytes) as T,
          headers: response.headers,
          replayed: false,
          attempts: attempt,
        };
      }
      const text = await response.text().catch((error: unknown) => {
        lastFailure = error;
        return undefined;
      });
      if (text === undefined) {
        if (!repeatable || attempt === this.attempts) break;
        await this.sleep(backoffMs(attempt));
        continue;
      }
      const parsed = parseJson(text);
      if (response.ok) {
        return {
          status: response.status,
          body: parsed as T,
          headers: response.headers,
          replayed: response.headers.get('idempotency-replayed') === 'true',
          attempts: attempt,
        };
      }
      const problem = problemOf(response.status, parsed, text);
      if (attempt < this.attempts && this.worthRetrying(problem, attempt)) {
        await this.sleep(waitMs(problem, response.headers, attempt));
        continue;
      }
      throw problem;
    }
    throw new ConnectionError(
      `cannot reach Tally at ${this.url}: ${describeFailure(lastFailure)}`,
      { cause: lastFailure },
    );
  }

  private worthRetrying(problem: ApiProblem, attempt: number): boolean {
    if (problem.status === 429 || problem.status === 503) return true;
    // Our own earlier attempt, cut off on our side, is still running on the server.
    return attempt > 1 && problem.code === 'idempotency_key_in_use';
  }
}

function backoffMs(attempt: number): number {
  return Math.min(100 * 2 ** (attempt - 1), 3_000);
}

function waitMs(problem: ApiProblem, headers: Headers, attempt: number): number {
  const retryAfter = Number(headers.get('retry-after'));
  if (problem.status === 429 && Number.isFinite(retryAfter) && retryAfter > 0) {
    return Math.min(retryAfter * 1000, RETRY_AFTER_CAP_MS);
  }
  return backoffMs(attempt);
}

function queryString(query: RequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function problemOf(status: number, parsed: unknown, text: string): ApiProblem {
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) {
    const document = parsed as Record<string, unknown>;
    if (typeof document.code === 'string') {
      const detail = typeof document.detail === 'string' ? document.detail : '';
      return new ApiProblem(status, document.code, detail, document);
    }
  }
  const detail = text.trim().slice(0, 300) || `HTTP ${status}`;
  return new ApiProblem(status, `http_${status}`, detail, {});
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code;
      return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
    }
    if (error.name === 'TimeoutError') return 'no answer in time';
    return error.message;
  }
  return String(error);
}
