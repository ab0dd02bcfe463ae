/**
 * The statement of one month as files to keep or send on: CSV for spreadsheets, PDF for people.
 * Same query, roles and refusals as `GET …/reports/statement` (read-routes.ts), same figures.
 */
import { z } from 'zod';
import { renderStatementPdf } from '../../reports/statement-pdf.js';
import { statementCsv, STATEMENT_CSV_HEADER } from '../../reports/statement-csv.js';
import { sendProblem } from '../errors.js';
import { orgParams, problemResponse, statementQuery } from '../schemas.js';
import type { RouteContext, ZodApp } from './route-context.js';

const problems = {
  400: problemResponse,
  401: problemResponse,
  403: problemResponse,
  404: problemResponse,
};

const csvResponse = {
  description:
    'RFC 4180 CSV in UTF-8, lines ended by CRLF. First a table with the header ' +
    `\`${STATEMENT_CSV_HEADER.join(',')}\`, one line per credit kind and a \`total\` line; then ` +
    'a blank line and `field,value` lines: org, month, timezone, start, end, final, asOf, ' +
    "carriedForward, usageCount. Credits are the JSON statement's exact decimals; instants are " +
    "ISO 8601 with the org's UTC offset.",
  content: {
    'text/csv': { schema: z.string().meta({ description: 'The statement as CSV' }) },
  },
};

const pdfResponse = {
  description: 'An A4 PDF of the statement: the reconciliation by credit kind, with totals',
  content: {
    'application/pdf': {
      schema: z
        .custom<Buffer>((value) => Buffer.isBuffer(value))
        .meta({ type: 'string', format: 'binary', description: 'The statement as PDF' }),
    },
  },
};

/** `org_01…-statement-2026-03.csv`: the id kept to characters every file system and header takes. */
function fileName(org: string, month: string, extension: 'csv' | 'pdf'): string {
  return `${org.replace(/[^A-Za-z0-9_-]/g, '_')}-statement-${month}.${extension}`;
}

export function registerStatementExportRoutes(app: ZodApp, { ledger }: RouteContext): void {
  /** The statement and its org, or the refusal the JSON route would answer. */
  const load = async (org: string, month: string) => {
    const statement = await ledger.statement(org, month);
    if (!statement.ok) return statement;
    const found = await ledger.getOrg(org);
    if (!found.ok) return found;
    const { id, name, timeZone } = found.value;
    return { ok: true as const, statement: statement.value, org: { id, name, timeZone } };
  };

  app.get(
    '/v1/orgs/:org/reports/statement.csv',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'The statement of one month as CSV',
        params: orgParams,
        querystring: statementQuery,
        response: { 200: csvResponse, ...problems },
      },
    },
    async (request, reply) => {
      const loaded = await load(request.params.org, request.query.month);
      if (!loaded.ok) return sendProblem(reply, loaded.refusal);
      const name = fileName(loaded.org.id, loaded.statement.month, 'csv');
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(statementCsv(loaded.statement, loaded.org));
    },
  );

  app.get(
    '/v1/orgs/:org/reports/statement.pdf',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'The statement of one month as a PDF',
        params: orgParams,
        querystring: statementQuery,
        response: { 200: pdfResponse, ...problems },
      },
    },
    async (request, reply) => {
      const loaded = await load(request.params.org, request.query.month);
      if (!loaded.ok) return sendProblem(reply, loaded.refusal);
      const name = fileName(loaded.org.id, loaded.statement.month, 'pdf');
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="${name}"`)
        .send(await renderStatementPdf(loaded.statement, loaded.org));
    },
  );
}
