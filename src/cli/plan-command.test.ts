import { describe, expect, it } from 'vitest';
import type { OrgPlanBody, PlanBody, PlanComparisonBody } from './api-types.js';
import { describeTerms, renderComparison, renderOrgPlan } from './plan-command.js';

const plan = (overrides: Partial<PlanBody>): PlanBody => ({
  id: 'basic',
  name: 'Basic',
  description: '',
  currency: 'USD',
  pricePerCredit: 2,
  pricePerCreditFormatted: '0.02',
  monthlyFee: 2900,
  monthlyFeeFormatted: '29.00',
  monthlyAllowance: '1500',
  expires: true,
  archivedAt: null,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});

const payg = plan({
  id: 'payg',
  name: 'Pay as you go',
  pricePerCredit: 3,
  pricePerCreditFormatted: '0.03',
  monthlyFee: 0,
  monthlyFeeFormatted: '0.00',
  monthlyAllowance: '0',
  expires: false,
});

describe('describeTerms', () => {
  it('names the price per credit, and the fee and allowance when there are any', () => {
    expect(describeTerms(plan({}))).toBe(
      '0.02 USD a credit, 29.00 USD a month, 1,500 free credits a month',
    );
    expect(describeTerms(payg)).toBe('0.03 USD a credit');
  });
});

describe('renderOrgPlan', () => {
  const base: OrgPlanBody = {
    plan: payg,
    since: null,
    renewsAt: null,
    expiresAt: null,
    noExpiry: true,
    next: null,
    history: [],
  };

  it('says "no expiry" for a plan that never expires', () => {
    const text = renderOrgPlan(base, 'UTC');
    expect(text).toMatch(/^plan\s+payg \(Pay as you go\)$/m);
    expect(text).toMatch(/^expires\s+no expiry$/m);
    expect(text).toMatch(/^change waiting\s+none$/m);
    expect(text).not.toMatch(/History/);
  });

  it('shows the renewal, or the expiry and the change waiting, in the zone', () => {
    const renewing = renderOrgPlan(
      {
        ...base,
        plan: plan({}),
        noExpiry: false,
        since: '2026-03-10T08:00:00.000Z',
        renewsAt: '2026-03-31T22:00:00.000Z',
        history: [
          {
            plan: 'basic',
            startsAt: '2026-03-10T08:00:00.000Z',
            decidedAt: '2026-03-10T08:00:00.000Z',
            by: 'root',
          },
        ],
        change: { kind: 'upgrade', startsAt: '2026-03-10T08:00:00.000Z', toppedUp: '1500' },
      },
      'Europe/Berlin',
    );
    expect(renewing).toMatch(/^renews\s+2026-04-01 00:00:00 Europe\/Berlin$/m);
    expect(renewing).toMatch(/^change\s+upgrade, from 2026-03-10 09:00:00 Europe\/Berlin$/m);
    expect(renewing).toMatch(/^topped up\s+1,500$/m);
    expect(renewing).toMatch(
      /^History:\nSTARTS \(Europe\/Berlin\)\s+PLAN\s+DECIDED\s+BY\n2026-03-10 09:00:00\s+basic\s+2026-03-10 09:00:00\s+root$/m,
    );

    const ending = renderOrgPlan(
      {
        ...base,
        plan: plan({}),
        noExpiry: false,
        expiresAt: '2026-04-01T00:00:00.000Z',
        next: { plan: payg, startsAt: '2026-04-01T00:00:00.000Z' },
      },
      'UTC',
    );
    expect(ending).toMatch(/^expires\s+2026-04-01 00:00:00 UTC$/m);
    expect(ending).toMatch(
      /^change waiting\s+payg \(Pay as you go\) from 2026-04-01 00:00:00 UTC$/m,
    );
  });
});

describe('renderComparison', () => {
  const month = (cost: number) => ({ month: '', used: '0', free: '0', bought: '0', cost });

  it('has a row per plan: total, signed difference and the cost of each month', () => {
    const comparison: PlanComparisonBody = {
      months: ['2026-01', '2026-02'],
      plans: [
        {
          plan: plan({}),
          current: true,
          total: 5800,
          totalFormatted: '58.00',
          difference: 0,
          months: [month(2900), month(2900)],
        },
        {
          plan: payg,
          current: false,
          total: 300,
          totalFormatted: '3.00',
          difference: -5500,
          months: [month(0), month(300)],
        },
        {
          plan: plan({ id: 'euro', currency: 'EUR', monthlyFee: 100 }),
          current: false,
          total: 200,
          totalFormatted: '2.00',
          difference: null,
          months: [month(100), month(100)],
        },
      ],
    };
    expect(renderComparison(comparison).split('\n')).toEqual([
      'PLAN                 TOTAL  DIFFERENCE    2026-01    2026-02',
      'basic (current)  58.00 USD    0.00 USD  29.00 USD  29.00 USD',
      'payg              3.00 USD  -55.00 USD   0.00 USD   3.00 USD',
      'euro              2.00 EUR           -   1.00 EUR   1.00 EUR',
      '',
    ]);
  });
});
