import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from './main.js';
import { statementFileName } from './statement-command.js';

const CSV = 'kind,opening,added,consumed,expired,closing\r\ntotal,0,1500,8,0,1492\r\n';
const PDF = Buffer.from('%PDF-1.3 not really a PDF\n%%EOF\n', 'latin1');

interface FakeAnswer {
  status: number;
  body: string | Buffer;
  headers: Record<string, string>;
}

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** `tally <argv…>` against a fake server answering `answer`, in a fresh working folder. */
async function run(argv: string[], answer: FakeAnswer) {
  const cwd = mkdtempSync(join(tmpdir(), 'tally-statement-'));
  folders.push(cwd);
  const sent: { url: string; accept: string | undefined }[] = [];
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    env: { TALLY_URL: 'http://tally.test', TALLY_KEY: 'tly_test' },
    cwd,
    sleep: async () => undefined,
    fetch: (async (url: string | URL | Request, init?: RequestInit) => {
      sent.push({ url: String(url), accept: (init?.headers as Record<string, string>).accept });
      return new Response(answer.body, { status: answer.status, headers: answer.headers });
    }) as typeof fetch,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr, sent, cwd };
}

const csvAnswer: FakeAnswer = {
  status: 200,
  body: CSV,
  headers: {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': 'attachment; filename="org_1-statement-2026-03.csv"',
  },
};
const pdfAnswer = (fileName = 'org_1-statement-2026-03.pdf'): FakeAnswer => ({
  status: 200,
  body: PDF,
  headers: {
    'content-type': 'application/pdf',
    'content-disposition': `attachment; filename="${fileName}"`,
  },
});

describe('tally statement --csv / --pdf', () => {
  it('prints the CSV the server made, unchanged', async () => {
    const result = await run(['statement', 'org_1', '2026-03', '--csv'], csvAnswer);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(CSV);
    expect(result.sent).toEqual([
      {
        url: 'http://tally.test/v1/orgs/org_1/reports/statement.csv?month=2026-03',
        accept: '*/*',
      },
    ]);
  });

  it('saves the CSV with --out', async () => {
    const result = await run(
      ['statement', 'org_1', '2026-03', '--csv', '--out', 'march.csv', '--json'],
      csvAnswer,
    );
    expect(result.code, result.stderr).toBe(0);
    const file = join(result.cwd, 'march.csv');
    expect(readFileSync(file, 'utf8')).toBe(CSV);
    expect(JSON.parse(result.stdout)).toEqual({
      org: 'org_1',
      month: '2026-03',
      format: 'csv',
      file,
      bytes: CSV.length,
    });
  });

  it('saves the PDF byte for byte, under --out or the name the server gives', async () => {
    const named = await run(['statement', 'org_1', '2026-03', '--pdf'], pdfAnswer());
    expect(named.code, named.stderr).toBe(0);
    expect(named.sent[0]?.url).toBe(
      'http://tally.test/v1/orgs/org_1/reports/statement.pdf?month=2026-03',
    );
    const file = join(named.cwd, 'org_1-statement-2026-03.pdf');
    expect(readFileSync(file).equals(PDF)).toBe(true);
    expect(named.stdout).toContain(`Saved the PDF statement of 2026-03 to ${file}`);

    const out = await run(
      ['statement', 'org_1', '2026-03', '--pdf', '--out', 'statement.pdf'],
      pdfAnswer(),
    );
    expect(readFileSync(join(out.cwd, 'statement.pdf')).equals(PDF)).toBe(true);

    const sneaky = await run(['statement', 'org_1', '2026-03', '--pdf'], pdfAnswer('../x.pdf'));
    expect(sneaky.code, sneaky.stderr).toBe(0);
    expect(readFileSync(join(sneaky.cwd, 'org_1-statement-2026-03.pdf')).equals(PDF)).toBe(true);
  });

  it('refuses contradicting flags before sending anything', async () => {
    for (const argv of [
      ['statement', 'org_1', '2026-03', '--csv', '--pdf'],
      ['statement', 'org_1', '2026-03', '--out', 'x.csv'],
      ['statement', 'org_1', '2026-3', '--csv'],
    ]) {
      const result = await run(argv, csvAnswer);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/error/);
      expect(result.sent).toEqual([]);
    }
  });

  it("reports the server's refusal", async () => {
    const result = await run(['statement', 'org_1', '2999-01', '--pdf'], {
      status: 400,
      body: JSON.stringify({
        type: 'urn:tally:problem:invalid_request',
        title: 'Invalid request',
        status: 400,
        code: 'invalid_request',
        detail: 'the month has not begun',
        field: 'month',
      }),
      headers: { 'content-type': 'application/problem+json' },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid_request: the month has not begun');
  });
});

describe('statementFileName', () => {
  it("takes the server's name only when it is a plain file name of the right kind", () => {
    const header = (name: string) => `attachment; filename="${name}"`;
    expect(
      statementFileName(header('org_1-statement-2026-03.pdf'), 'org_1', '2026-03', 'pdf'),
    ).toBe('org_1-statement-2026-03.pdf');
    for (const suggested of ['../../etc/x.pdf', '/tmp/x.pdf', '.hidden.pdf', 'x.csv', 'x.exe']) {
      expect(statementFileName(header(suggested), 'org_1', '2026-03', 'pdf'), suggested).toBe(
        'org_1-statement-2026-03.pdf',
      );
    }
    expect(statementFileName(null, '../org', '2026-03', 'csv')).toBe(
      '___org-statement-2026-03.csv',
    );
  });
});
