/** What every command gets: the global flags, a client for the server, and how to print. */
import { ApiClient } from './api-client.js';
import type { CliIo } from './cli-io.js';
import { resolveConnection, type Connection } from './connection.js';

export interface GlobalFlags {
  url?: string;
  key?: string;
  json?: boolean;
}

export class CommandContext {
  private connection: Connection | undefined;
  private apiClient: ApiClient | undefined;
  private readonly zones = new Map<string, string>();

  constructor(
    readonly io: CliIo,
    private readonly flags: GlobalFlags,
  ) {}

  get json(): boolean {
    return this.flags.json === true;
  }

  /** The server and key, resolved on first use (so `--help` and `serve` need neither). */
  get server(): Connection {
    this.connection ??= resolveConnection(this.flags, this.io);
    return this.connection;
  }

  get client(): ApiClient {
    this.apiClient ??= new ApiClient({
      url: this.server.url,
      key: this.server.key,
      ...(this.io.fetch ? { fetch: this.io.fetch } : {}),
      ...(this.io.sleep ? { sleep: this.io.sleep } : {}),
    });
    return this.apiClient;
  }

  /** Prints `value` as JSON with `--json`, else what `render` makes of it. */
  print(value: unknown, render: () => string): void {
    this.io.stdout(this.json ? `${JSON.stringify(value, null, 2)}\n` : render());
  }

  /** A remark for people (hints, "shown once"); stays out of stdout so pipes get data only. */
  note(text: string): void {
    this.io.stderr(`${text}\n`);
  }

  /** The org's time zone, for showing times and reading times given without an offset. */
  async timeZoneOf(org: string): Promise<string> {
    let zone = this.zones.get(org);
    if (zone === undefined) {
      const answer = await this.client.get<{ timezone: string }>(orgPath(org));
      zone = answer.body.timezone;
      this.zones.set(org, zone);
    }
    return zone;
  }
}

/** `/v1/orgs/{org}` and below, with the id escaped. */
export function orgPath(org: string, rest = ''): string {
  return `/v1/orgs/${encodeURIComponent(org)}${rest}`;
}
