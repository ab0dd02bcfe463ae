import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CliIo } from './cli-io.js';
import { DEFAULT_URL, resolveConnection } from './connection.js';

const folder = mkdtempSync(join(tmpdir(), 'tally-cli-'));
mkdirSync(join(folder, 'data'));
writeFileSync(join(folder, 'data', 'root-key'), 'tly_root_from_file\n');
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const io = (env: Record<string, string>, cwd = folder): CliIo => ({
  stdout: () => undefined,
  stderr: () => undefined,
  env,
  cwd,
});

describe('resolveConnection', () => {
  it('prefers flags, then the environment', () => {
    expect(resolveConnection({ url: 'http://a:1/', key: 'k1' }, io({ TALLY_KEY: 'k2' }))).toEqual({
      url: 'http://a:1',
      key: 'k1',
      keySource: '--key',
    });
    expect(resolveConnection({}, io({ TALLY_URL: 'https://t.example', TALLY_KEY: 'k2' }))).toEqual({
      url: 'https://t.example',
      key: 'k2',
      keySource: 'TALLY_KEY',
    });
  });

  it('falls back to the local root key in the data folder', () => {
    expect(resolveConnection({}, io({}))).toEqual({
      url: DEFAULT_URL,
      key: 'tly_root_from_file',
      keySource: join(folder, 'data', 'root-key'),
    });
    expect(resolveConnection({}, io({ TALLY_ROOT_KEY: 'tly_env' })).key).toBe('tly_env');
    expect(resolveConnection({}, io({ TALLY_DATA_DIR: join(folder, 'none') })).key).toBeUndefined();
  });

  it('never sends a local root key to a remote server', () => {
    expect(resolveConnection({ url: 'https://tally.example.com' }, io({})).key).toBeUndefined();
  });

  it('refuses what is not an http URL', () => {
    expect(() => resolveConnection({ url: 'ftp://x' }, io({}))).toThrow(/--url/);
    expect(() => resolveConnection({ url: 'nonsense' }, io({}))).toThrow(/--url/);
  });
});
