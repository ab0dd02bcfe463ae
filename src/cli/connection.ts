/**
 * Where the server is and which key to send: `--url`, else `TALLY_URL`, else the local default;
 * `--key`, else `TALLY_KEY`, else, for a server on this machine, `TALLY_ROOT_KEY` or the root key
 * the server saved in its data folder (`$TALLY_DATA_DIR/root-key`, default `./data/root-key`).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CliIo } from './cli-io.js';
import { UsageError } from './cli-errors.js';

export const DEFAULT_URL = 'http://127.0.0.1:4000';

export interface Connection {
  url: string;
  key: string | undefined;
  /** Where the key came from, for messages: "--key", "TALLY_KEY", a file path. */
  keySource: string | undefined;
}

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1', '0.0.0.0']);

export function resolveConnection(
  flags: { url?: string | undefined; key?: string | undefined },
  io: CliIo,
): Connection {
  const url = (flags.url ?? io.env.TALLY_URL ?? DEFAULT_URL).replace(/\/+$/, '');
  let hostname: string;
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('protocol');
    hostname = parsed.hostname;
  } catch {
    throw new UsageError(`--url must be an http(s) URL such as ${DEFAULT_URL}, not ${url}`);
  }
  if (flags.key) return { url, key: flags.key, keySource: '--key' };
  if (io.env.TALLY_KEY) return { url, key: io.env.TALLY_KEY, keySource: 'TALLY_KEY' };
  if (LOCAL_HOSTS.has(hostname)) {
    if (io.env.TALLY_ROOT_KEY) {
      return { url, key: io.env.TALLY_ROOT_KEY, keySource: 'TALLY_ROOT_KEY' };
    }
    const path = resolve(io.cwd ?? process.cwd(), io.env.TALLY_DATA_DIR ?? './data', 'root-key');
    const key = readKeyFile(path);
    if (key) return { url, key, keySource: path };
  }
  return { url, key: undefined, keySource: undefined };
}

function readKeyFile(path: string): string | undefined {
  try {
    const key = readFileSync(path, 'utf8').trim();
    return key.length > 0 ? key : undefined;
  } catch {
    return undefined;
  }
}
