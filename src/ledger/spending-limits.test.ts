/** Projects, budgets and allowances, decided with the pool in one write (DESIGN.md rule 3). */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { credits } from '../core/amount.js';
import { code, testLedger, value, type TestLedger } from '../../test/support/harness.js';

describe('spending limits', () => {
  let t: TestLedger;
  let org: string;

  beforeEach(async () => {
    t = testLedger('2026-03-10T12:00:00Z');
    value(
      await t.ledger.setFeature({
        id: 'image',
        name: 'Image',
        prices: [{ unit: 'action', credits: credits(8) }],
        effectiveAt: 0,
      }),
    );
    org = value(await t.ledger.createOrg({ name: 'Booths', timeZone: 'America/New_York' })).id;
    value(await t.ledger.grant(org, { kind: 'purchase', credits: credits(1000) }));
    t.clock.advance(1000);
  });
  afterEach(() => t.close());

  const charge = (input: { user?: string; project?: string; at?: number } = {}) =>
    t.ledger.charge(org, { feature: 'image', ...input });

  describe('projects', () => {
    it('must exist and be open for a charge or hold to name them', async () => {
      expect(code(await charge({ project: 'wedding' }))).toBe('unknown_project');
      const made = value(await t.ledger.createProject(org, { id: 'wedding', name: ' Wedding ' }));
      expect(made).toMatchObject({
        id: 'wedding',
        name: 'Wedding',
        archivedAt: null,
        budget: null,
      });
      expect(code(await t.ledger.createProject(org, { id: 'wedding', name: 'Again' }))).toBe(
        'project_exists',
      );
      expect(value(await charge({ project: 'wedding' })).project).toBe('wedding');

      value(await t.ledger.updateProject(org, 'wedding', { archived: true, name: 'Old wedding' }));
      expect(code(await charge({ project: 'wedding' }))).toBe('project_archived');
      expect(code(await t.ledger.hold(org, { feature: 'image', project: 'wedding' }))).toBe(
        'project_archived',
      );
      const reopened = value(await t.ledger.updateProject(org, 'wedding', { archived: false }));
      expect(reopened).toMatchObject({ name: 'Old wedding', archivedAt: null });
      expect(code(await charge({ project: 'wedding' }))).toBe('ok');
      expect(value(await t.ledger.listProjects(org)).map((project) => project.id)).toEqual([
        'wedding',
      ]);
    });

    it('refuses ids and names it cannot keep, and unknown projects to update', async () => {
      for (const id of ['', 'Wedding', 'a b', '-x', 'x'.repeat(65)]) {
        expect(code(await t.ledger.createProject(org, { id, name: 'x' })), id).toBe(
          'invalid_request',
        );
      }
      expect(code(await t.ledger.createProject(org, { id: 'ok', name: '  ' }))).toBe(
        'invalid_request',
      );
      expect(
        code(
          await t.ledger.createProject(org, {
            id: 'ok',
            name: 'Ok',
            budget: { credits: -1n, period: 'month' },
          }),
        ),
      ).toBe('invalid_request');
      expect(code(await t.ledger.updateProject(org, 'nope', { name: 'x' }))).toBe(
        'unknown_project',
      );
      expect(code(await t.ledger.createProject('org_nope', { id: 'ok', name: 'Ok' }))).toBe(
        'unknown_org',
      );
    });

    it('keep a monthly budget, which starts again at the month boundary in the org zone', async () => {
      value(
        await t.ledger.createProject(org, {
          id: 'expo',
          name: 'Expo',
          budget: { credits: credits(20), period: 'month' },
        }),
      );
      value(await charge({ project: 'expo' }));
      value(await charge({ project: 'expo' }));
      const refused = await charge({ project: 'expo' });
      expect(refused.ok).toBe(false);
      if (refused.ok) return;
      expect(refused.refusal.code).toBe('project_budget_exceeded');
      expect(refused.refusal.details).toMatchObject({
        project: 'expo',
        limit: credits(20),
        used: credits(16),
        left: credits(4),
        required: credits(8),
        resetsAt: '2026-04-01T04:00:00.000Z',
      });
      // The refusal is in the log, and nothing was spent.
      const log = value(await t.ledger.transactions(org, { statuses: ['refused'] }, {}));
      expect(log.data).toHaveLength(1);
      expect(log.data[0]).toMatchObject({ reason: 'project_budget_exceeded', credits: 0n });
      expect(value(await t.ledger.balance(org)).available).toBe(credits(1000 - 16));

      t.clock.set('2026-04-01T03:59:59.999Z');
      expect(code(await charge({ project: 'expo' }))).toBe('project_budget_exceeded');
      t.clock.set('2026-04-01T04:00:00.000Z');
      expect(code(await charge({ project: 'expo' }))).toBe('ok');
      const [expo] = value(await t.ledger.listProjects(org));
      expect(expo?.budget).toMatchObject({ used: credits(8), left: credits(12) });
    });

    it('keep a total budget that a budget change keeps counting', async () => {
      value(
        await t.ledger.createProject(org, {
          id: 'job',
          name: 'Client job',
          budget: { credits: credits(10), period: 'total' },
        }),
      );
      value(await charge({ project: 'job' }));
      t.clock.set('2027-01-01T00:00:00Z');
      expect(code(await charge({ project: 'job' }))).toBe('project_budget_exceeded');
      const raised = value(
        await t.ledger.updateProject(org, 'job', {
          budget: { credits: credits(16), period: 'total' },
        }),
      );
      expect(raised.budget).toMatchObject({ used: credits(8), left: credits(8), resetsAt: null });
      expect(code(await charge({ project: 'job' }))).toBe('ok');
      value(await t.ledger.updateProject(org, 'job', { budget: null }));
      expect(code(await charge({ project: 'job' }))).toBe('ok');
    });
  });

  describe('allowances', () => {
    it('limit what one user may spend per day, resetting exactly at midnight in the org zone', async () => {
      const set = value(
        await t.ledger.setAllowance(org, 'ana', { credits: credits(10), period: 'day' }),
      );
      expect(set).toMatchObject({ user: 'ana', used: 0n, left: credits(10) });
      value(await charge({ user: 'ana' }));
      const refused = await charge({ user: 'ana' });
      expect(code(refused)).toBe('allowance_exceeded');
      if (!refused.ok) {
        expect(refused.refusal.details).toMatchObject({
          user: 'ana',
          left: credits(2),
          resetsAt: '2026-03-11T04:00:00.000Z',
        });
      }
      expect(code(await charge({ user: 'bo' }))).toBe('ok');
      expect(code(await charge({}))).toBe('ok');

      t.clock.set('2026-03-11T03:59:59.999Z');
      expect(code(await charge({ user: 'ana' }))).toBe('allowance_exceeded');
      t.clock.set('2026-03-11T04:00:00.000Z');
      expect(code(await charge({ user: 'ana' }))).toBe('ok');
      const [ana] = value(await t.ledger.listAllowances(org));
      expect(ana).toMatchObject({ used: credits(8), left: credits(2) });
    });

    it('count holds when placed and settle them on capture, void and lapse', async () => {
      value(await t.ledger.setAllowance(org, 'ana', { credits: credits(10), period: 'month' }));
      const held = value(await t.ledger.hold(org, { feature: 'image', user: 'ana' }));
      expect(code(await charge({ user: 'ana' }))).toBe('allowance_exceeded');
      value(await t.ledger.void(org, held.id, {}));
      value(await charge({ user: 'ana' }));

      const second = value(
        await t.ledger.hold(org, { feature: 'image', user: 'ana', credits: credits(2) }),
      );
      expect(code(await t.ledger.capture(org, second.id, { credits: credits(3) }))).toBe(
        'allowance_exceeded',
      );
      value(await t.ledger.capture(org, second.id, { credits: credits(1) }));
      expect(value(await t.ledger.listAllowances(org))[0]?.used).toBe(credits(9));

      const lapsing = value(
        await t.ledger.hold(org, {
          feature: 'image',
          user: 'ana',
          credits: credits(1),
          ttlSeconds: 60,
        }),
      );
      expect(lapsing.status).toBe('pending');
      expect(value(await t.ledger.listAllowances(org))[0]?.left).toBe(0n);
      t.clock.advance(61_000);
      value(await t.ledger.advance(org));
      expect(value(await t.ledger.listAllowances(org))[0]?.left).toBe(credits(1));
    });

    it('take back what a refund returns within the same window', async () => {
      value(await t.ledger.setAllowance(org, 'ana', { credits: credits(8), period: 'week' }));
      const spent = value(await charge({ user: 'ana' }));
      expect(code(await charge({ user: 'ana' }))).toBe('allowance_exceeded');
      value(await t.ledger.refund(org, spent.id, { credits: credits(8) }));
      expect(code(await charge({ user: 'ana' }))).toBe('ok');
    });

    it('never let concurrent charges push a user past the allowance', async () => {
      value(await t.ledger.setAllowance(org, 'ana', { credits: credits(8), period: 'day' }));
      const results = await Promise.all(Array.from({ length: 20 }, () => charge({ user: 'ana' })));
      expect(results.filter((result) => result.ok)).toHaveLength(1);
      expect(results.filter((result) => code(result) === 'allowance_exceeded')).toHaveLength(19);
    });

    it('can be changed and removed, and setting them never moves the org clock', async () => {
      const backfilled = value(
        await t.ledger.createOrg({ name: 'Backfill', at: Date.parse('2026-03-01T00:00:00Z') }),
      ).id;
      value(
        await t.ledger.grant(backfilled, {
          kind: 'purchase',
          credits: credits(100),
          at: Date.parse('2026-03-01T00:00:00Z'),
        }),
      );
      value(await t.ledger.setAllowance(backfilled, 'ana', { credits: 0n, period: 'total' }));
      value(await t.ledger.createProject(backfilled, { id: 'old-job', name: 'Old job' }));
      // Settings are not entries: charges dated before them are still in order.
      const early = { feature: 'image', user: 'ana', at: Date.parse('2026-03-05T00:00:00Z') };
      expect(code(await t.ledger.charge(backfilled, early))).toBe('allowance_exceeded');
      value(
        await t.ledger.setAllowance(backfilled, 'ana', { credits: credits(8), period: 'total' }),
      );
      expect(code(await t.ledger.charge(backfilled, { ...early, project: 'old-job' }))).toBe('ok');
      value(await t.ledger.removeAllowance(backfilled, 'ana'));
      expect(code(await t.ledger.removeAllowance(backfilled, 'ana'))).toBe('unknown_allowance');
      expect(value(await t.ledger.listAllowances(backfilled))).toEqual([]);
      expect(code(await t.ledger.charge(backfilled, early))).toBe('ok');
      expect(code(await t.ledger.setAllowance(org, '', { credits: 1n, period: 'day' }))).toBe(
        'invalid_request',
      );
    });
  });
});
