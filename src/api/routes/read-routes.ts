/** What orgs read: grants, balance, the activity log and statements. */
import { sendProblem } from '../errors.js';
import { decodeCursor, encodeCursor, optionalInstant } from '../parse.js';
import { presentBalance, presentGrant, presentStatement, presentTransaction } from '../present.js';
import {
  balanceQuery,
  balanceResponse,
  grantListResponse,
  grantsQuery,
  orgParams,
  problemResponse,
  statementQuery,
  statementResponse,
  transactionListResponse,
  transactionsQuery,
} from '../schemas.js';
import { transactionFilterOf } from '../transaction-filter.js';
import type { RouteContext, ZodApp } from './route-context.js';

const problems = {
  400: problemResponse,
  401: problemResponse,
  403: problemResponse,
  404: problemResponse,
};

export function registerReadRoutes(app: ZodApp, { ledger }: RouteContext): void {
  app.get(
    '/v1/orgs/:org/grants',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['grants'],
        summary: 'Every grant with what is left of it',
        params: orgParams,
        querystring: grantsQuery,
        response: { 200: grantListResponse, ...problems },
      },
    },
    async (request, reply) => {
      const at = optionalInstant(request.query.at, 'at');
      const grants = await ledger.listGrants(request.params.org, {
        active: request.query.active === 'true',
        ...(at === undefined ? {} : { at }),
      });
      if (!grants.ok) return sendProblem(reply, grants.refusal);
      return { data: grants.value.map(presentGrant), nextCursor: null };
    },
  );

  app.get(
    '/v1/orgs/:org/balance',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['balance'],
        summary: 'Available, held, by kind and next expiry, at any instant',
        params: orgParams,
        querystring: balanceQuery,
        response: { 200: balanceResponse, ...problems },
      },
    },
    async (request, reply) => {
      const balance = await ledger.balance(
        request.params.org,
        optionalInstant(request.query.at, 'at'),
      );
      return balance.ok ? presentBalance(balance.value) : sendProblem(reply, balance.refusal);
    },
  );

  app.get(
    '/v1/orgs/:org/transactions',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['transactions'],
        summary: 'The activity log, newest first',
        params: orgParams,
        querystring: transactionsQuery,
        response: { 200: transactionListResponse, ...problems },
      },
    },
    async (request, reply) => {
      const query = request.query;
      const page = await ledger.transactions(request.params.org, transactionFilterOf(query), {
        ...(query.limit === undefined ? {} : { limit: query.limit }),
        ...(query.cursor === undefined ? {} : { cursor: decodeCursor(query.cursor) }),
      });
      if (!page.ok) return sendProblem(reply, page.refusal);
      return {
        data: page.value.data.map(presentTransaction),
        nextCursor: page.value.nextCursor ? encodeCursor(page.value.nextCursor) : null,
      };
    },
  );

  app.get(
    '/v1/orgs/:org/reports/statement',
    {
      config: { need: 'viewer' },
      schema: {
        tags: ['reports'],
        summary: 'The reconciled statement of one month, by credit kind',
        params: orgParams,
        querystring: statementQuery,
        response: { 200: statementResponse, ...problems },
      },
    },
    async (request, reply) => {
      const statement = await ledger.statement(request.params.org, request.query.month);
      return statement.ok
        ? presentStatement(statement.value)
        : sendProblem(reply, statement.refusal);
    },
  );
}
