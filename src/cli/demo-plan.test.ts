import { describe, expect, it } from 'vitest';
import { allocate, planDemo } from './demo-plan.js';
import { formatZoned } from './zoned-time.js';

describe('planDemo', () => {
  const end = Date.parse('2026-03-18T16:00:00Z');
  const plan = planDemo({ end, months: 12, charges: 30_000, timeZone: 'Europe/Berlin', seed: 1 });
  const charges = plan.actions.filter((action) => action.type === 'charge');

  it('plans exactly the charges asked, in time order, inside the year', () => {
    expect(charges).toHaveLength(30_000);
    expect(plan.start).toBe(Date.parse('2025-03-18T16:00:00Z'));
    for (let i = 1; i < plan.actions.length; i += 1) {
      expect((plan.actions[i]?.at ?? 0) >= (plan.actions[i - 1]?.at ?? 0)).toBe(true);
    }
    expect(plan.actions.every((action) => action.at > plan.start && action.at < end)).toBe(true);
  });

  it('is the same year for the same seed', () => {
    const again = planDemo({
      end,
      months: 12,
      charges: 30_000,
      timeZone: 'Europe/Berlin',
      seed: 1,
    });
    expect(again.actions.map((action) => action.at)).toEqual(plan.actions.map((a) => a.at));
  });

  it('has the rhythm of a photo-booth business', () => {
    const perWeekday = [0, 0, 0, 0, 0, 0, 0];
    const perHour = Array.from({ length: 24 }, () => 0);
    for (const charge of charges) {
      const local = formatZoned(charge.at, 'Europe/Berlin');
      const weekday = new Date(`${local.slice(0, 10)}T00:00:00Z`).getUTCDay();
      perWeekday[weekday] = (perWeekday[weekday] ?? 0) + 1;
      const hour = Number(local.slice(11, 13));
      perHour[hour] = (perHour[hour] ?? 0) + 1;
    }
    // Saturdays are the busiest, Mondays the quietest; nights are quiet but for event parties.
    expect(Math.max(...perWeekday)).toBe(perWeekday[6]);
    expect(Math.min(...perWeekday)).toBe(perWeekday[1]);
    for (const hour of [1, 2, 3, 4, 5, 6, 7]) expect(perHour[hour], `${hour}:00`).toBe(0);
    expect((perHour[14] ?? 0) > (perHour[9] ?? 0)).toBe(true);
  });

  it('attributes charges to events and operators, with failures and token-priced chat', () => {
    expect(plan.events.length).toBeGreaterThanOrEqual(12);
    const projects = new Set(charges.map((charge) => charge.project));
    for (const event of plan.events) expect(projects.has(event.project)).toBe(true);
    expect(projects.has('mall-kiosk')).toBe(true);
    const users = new Set(charges.map((charge) => charge.user));
    expect(users.size).toBeGreaterThanOrEqual(5);
    const failed = charges.filter((charge) => charge.failed).length;
    expect(failed / charges.length).toBeGreaterThan(0.005);
    expect(failed / charges.length).toBeLessThan(0.05);
    const chat = charges.filter((charge) => charge.feature === 'chat');
    expect(chat.length).toBeGreaterThan(500);
    expect(chat.every((charge) => charge.quantities?.input_tokens !== undefined)).toBe(true);
  });

  it('resolves each hold after it was placed, and refunds after the charge', () => {
    const holds = plan.actions.filter((action) => action.type === 'hold');
    const resolutions = plan.actions.filter(
      (action) => action.type === 'capture' || action.type === 'void',
    );
    expect(holds.length).toBeGreaterThanOrEqual(50);
    expect(resolutions).toHaveLength(holds.length);
    for (const resolution of resolutions) {
      if (resolution.type !== 'capture' && resolution.type !== 'void') continue;
      const hold = holds.find((candidate) => candidate.outcome === resolution.hold);
      expect(hold && hold.at < resolution.at).toBe(true);
    }
    const refunds = plan.actions.filter((action) => action.type === 'refund');
    expect(refunds.length).toBeGreaterThanOrEqual(3);
    for (const refund of refunds) {
      if (refund.type !== 'refund') continue;
      const charge = charges.find((candidate) => candidate.outcome === refund.charge);
      expect(charge && charge.at < refund.at).toBe(true);
    }
  });

  it('plans small years too', () => {
    const small = planDemo({ end, months: 1, charges: 10, timeZone: 'UTC', seed: 2 });
    expect(small.actions.filter((action) => action.type === 'charge')).toHaveLength(10);
    expect(small.events.length).toBeGreaterThanOrEqual(2);
  });
});

describe('allocate', () => {
  it('splits a total exactly by weight', () => {
    expect(allocate(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(allocate(7, [0, 2, 5])).toEqual([0, 2, 5]);
    expect(allocate(5, [0, 0])).toEqual([0, 0]);
  });
});
