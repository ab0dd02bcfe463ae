/**
 * Plans the photo-booth operator's year for `tally demo`, before anything is sent: every charge,
 * hold, capture, void and refund with its instant, in time order. Busier on Fridays and weekends,
 * in the wedding season and December, growing over the year, quiet in a summer break, with event
 * weekends far busier than ordinary days. Seeded: the same options plan the same year.
 */
import {
  CHAT_FEATURE,
  DEMO_FEATURES,
  EVERYDAY_PROJECTS,
  OPERATORS,
  REFUND_NOTES,
  TRIAL,
  VOID_REASONS,
  type DemoFeature,
} from './demo-catalog.js';
import {
  SEASON,
  WEEKDAY,
  calendarDays,
  chooseEvents,
  weekdayOf,
  type CalendarDay,
} from './demo-calendar.js';
import { Random } from './random.js';
import { zonedInstant } from './zoned-time.js';

export interface DemoPlanOptions {
  /** The last instant of the year played (now, or a little before). */
  end: number;
  months: number;
  charges: number;
  timeZone: string;
  seed: number;
}

/** Filled in while the plan runs: what the server answered for a charge or a hold. */
export interface Outcome {
  id?: string;
  credits?: string;
}

interface Attributed {
  at: number;
  feature: string;
  user: string;
  project: string;
  model?: string;
}

export type DemoAction =
  | (Attributed & {
      type: 'charge';
      quantities?: Record<string, string>;
      failed: boolean;
      outcome: Outcome;
    })
  | (Attributed & { type: 'hold'; credits: string; note: string; outcome: Outcome })
  | { type: 'capture'; at: number; hold: Outcome; credits: string }
  | { type: 'void'; at: number; hold: Outcome; reason: string }
  | { type: 'refund'; at: number; charge: Outcome; half: boolean; note: string }
  | { type: 'trial'; at: number; credits: string; expiresAt: number };

export interface DemoPlan {
  start: number;
  end: number;
  actions: DemoAction[];
  events: { project: string; days: string[] }[];
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** When each kind of day has guests: hours from local midnight (past 24 runs into the night). */
const OPEN_HOURS: Readonly<Record<SlotKind, readonly [number, number]>> = {
  kiosk: [10, 21],
  studio: [9, 18],
  office: [8, 18],
  evening: [17, 25],
  fair: [10, 19],
};

type SlotKind = 'kiosk' | 'studio' | 'office' | 'evening' | 'fair';

interface Slot {
  date: CalendarDay;
  kind: SlotKind;
  weight: number;
  project: string;
  crew: readonly string[];
  /** The open hours as instants, cut to the year played. */
  open: number;
  close: number;
}

export function planDemo(options: DemoPlanOptions): DemoPlan {
  const random = new Random(options.seed);
  const end = options.end;
  const startDate = new Date(end);
  startDate.setUTCMonth(startDate.getUTCMonth() - options.months);
  const start = startDate.getTime();
  const zone = options.timeZone;

  const days = calendarDays(start, end, zone);
  const events = chooseEvents(days, options.months, random);
  const slots: Slot[] = [];
  /** A slot with its weight cut to the part of its open hours inside the year (first and last days). */
  const addSlot = (slot: Omit<Slot, 'open' | 'close'>) => {
    const [from, to] = OPEN_HOURS[slot.kind];
    const opens = zonedInstant(...slot.date, from * HOUR, zone);
    const closes = zonedInstant(...slot.date, to * HOUR, zone);
    const open = Math.max(opens, start + 60_000);
    const close = Math.min(closes, end);
    if (close <= open) return;
    slots.push({ ...slot, weight: (slot.weight * (close - open)) / (closes - opens), open, close });
  };
  days.forEach((date, index) => {
    const [, month, day] = date;
    const weekday = weekdayOf(date);
    const summerBreak = month === 8 && day >= 10 && day <= 20 ? 0.2 : 1;
    const growth = 0.8 + (0.4 * index) / Math.max(1, days.length - 1);
    const base =
      (WEEKDAY[weekday] ?? 1) *
      (SEASON[month - 1] ?? 1) *
      growth *
      summerBreak *
      random.between(0.75, 1.25);
    addSlot({ date, kind: 'kiosk', weight: base * 0.62, project: '', crew: [] });
    if (weekday >= 2 && weekday <= 6) {
      addSlot({ date, kind: 'studio', weight: base * 0.28, project: '', crew: [] });
    }
    if (weekday >= 1 && weekday <= 5) {
      addSlot({ date, kind: 'office', weight: base * 0.1, project: '', crew: [] });
    }
  });
  for (const event of events) {
    const crew = random.shuffle(OPERATORS.crew).slice(0, random.int(1, 2));
    for (const date of event.dates) {
      const weight = 3 * event.template.size * (event.template.shape === 'fair' ? 0.8 : 1);
      addSlot({ date, kind: event.template.shape, weight, project: event.project, crew });
    }
  }

  const actions: DemoAction[] = [];
  const inRange = (at: number) => at > start + 60_000 && at < end;
  const counts = allocate(
    options.charges,
    slots.map((slot) => slot.weight),
  );
  slots.forEach((slot, index) => {
    for (let n = 0; n < (counts[index] ?? 0); n += 1) {
      actions.push(chargeIn(slot, random, zone));
    }
  });

  // Long AI portrait sets: a hold for four images, then a capture of what was made, or a void.
  const busy = slots.filter((slot) => slot.kind === 'evening' || slot.kind === 'fair');
  const holdCount = Math.max(3, Math.round(options.charges / 400));
  for (let n = 0; n < holdCount; n += 1) {
    const slot = random.pick(busy.length > 0 ? busy : slots);
    const at = timeIn(slot, random, zone);
    const outcome: Outcome = {};
    const feature = DEMO_FEATURES.find((candidate) => candidate.id === 'text-to-image');
    actions.push({
      type: 'hold',
      at,
      feature: 'text-to-image',
      credits: '32',
      note: 'AI portrait set: 4 images',
      user: userFor(slot, random),
      project: slot.project || EVERYDAY_PROJECTS.kiosk,
      model: random.pick(feature?.models ?? ['flux-schnell']),
      outcome,
    });
    const resolveAt = (min: number, max: number) => Math.min(end - 1, at + random.int(min, max));
    if (random.chance(0.75)) {
      const images = random.weighted([
        [2, 1],
        [3, 2],
        [4, 6],
      ] as const);
      actions.push({
        type: 'capture',
        at: resolveAt(20_000, 180_000),
        hold: outcome,
        credits: String(images * 8),
      });
    } else {
      actions.push({
        type: 'void',
        at: resolveAt(30_000, 300_000),
        hold: outcome,
        reason: random.pick(VOID_REASONS),
      });
    }
  }

  // A few refunds, hours after the charge, when a guest complained.
  const refundable = actions.filter(
    (action) =>
      action.type === 'charge' &&
      !action.failed &&
      (action.feature === 'text-to-image' || action.feature === 'erase'),
  );
  const refundCount = Math.max(3, Math.round(options.charges / 1500));
  for (let n = 0; n < refundCount && refundable.length > 0; n += 1) {
    const charge = refundable.splice(random.int(0, refundable.length - 1), 1)[0];
    if (charge?.type !== 'charge') continue;
    const at = charge.at + random.int(2 * HOUR, 40 * HOUR);
    if (!inRange(at)) continue;
    actions.push({
      type: 'refund',
      at,
      charge: charge.outcome,
      half: random.chance(0.3),
      note: random.pick(REFUND_NOTES),
    });
  }

  actions.push({
    type: 'trial',
    at: start + 1_000,
    credits: TRIAL.credits,
    expiresAt: start + TRIAL.days * DAY,
  });
  actions.sort((a, b) => a.at - b.at);
  return {
    start,
    end,
    actions,
    events: events.map((event) => ({
      project: event.project,
      days: event.dates.map((date) => date.map((part) => String(part).padStart(2, '0')).join('-')),
    })),
  };
}

/** Splits `total` in proportion to `weights`, exactly (largest remainders). */
export function allocate(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum <= 0) return weights.map(() => 0);
  const shares = weights.map((weight) => (total * weight) / sum);
  const counts = shares.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = shares
    .map((share, index) => ({ index, rest: share - Math.floor(share) }))
    .sort((a, b) => b.rest - a.rest);
  for (const { index } of order) {
    if (left <= 0) break;
    counts[index] = (counts[index] ?? 0) + 1;
    left -= 1;
  }
  return counts;
}

/** An hour of the slot's day (past 24 runs into the night), as the slot's rhythm has it. */
function hourIn(kind: SlotKind, random: Random): number {
  const clip = (hour: number, min: number, max: number) => Math.min(max, Math.max(min, hour));
  switch (kind) {
    case 'kiosk':
      return random.chance(0.6)
        ? clip(random.normal(14.5, 2.2), 10, 20.99)
        : clip(random.normal(18, 1.4), 10, 20.99);
    case 'studio':
      return random.between(9, 18);
    case 'office':
      return clip(random.normal(11, 2.5), 8, 18);
    case 'evening':
      return clip(random.normal(21, 1.8), 17, 24.99);
    case 'fair':
      return clip(random.normal(14, 2.5), 10, 18.99);
  }
}

function timeIn(slot: Slot, random: Random, zone: string): number {
  for (let attempt = 0; attempt < 20; attempt += 1) {
    const at = zonedInstant(...slot.date, Math.floor(hourIn(slot.kind, random) * HOUR), zone);
    if (at >= slot.open && at < slot.close) return at;
  }
  // Open hours cut by the start or the end of the year: any instant of what is left.
  return random.int(slot.open, slot.close - 1);
}

function userFor(slot: Slot, random: Random): string {
  switch (slot.kind) {
    case 'kiosk':
      return random.pick(OPERATORS.kiosk);
    case 'studio':
      return random.chance(0.7) ? OPERATORS.owner : 'jonas';
    case 'office':
      return OPERATORS.owner;
    default:
      return random.pick(slot.crew.length > 0 ? slot.crew : OPERATORS.crew);
  }
}

function chargeIn(slot: Slot, random: Random, zone: string): DemoAction {
  const at = timeIn(slot, random, zone);
  const atEvent = slot.kind === 'evening' || slot.kind === 'fair';
  const feature: DemoFeature =
    slot.kind === 'office'
      ? CHAT_FEATURE
      : random.weighted(
          DEMO_FEATURES.map((candidate) => [
            candidate,
            atEvent ? candidate.eventWeight : candidate.weight,
          ]),
        );
  const project =
    slot.kind === 'kiosk'
      ? EVERYDAY_PROJECTS.kiosk
      : slot.kind === 'studio'
        ? EVERYDAY_PROJECTS.studio
        : slot.kind === 'office'
          ? EVERYDAY_PROJECTS.office
          : slot.project;
  const tokens = (median: number, spread: number, min: number, max: number) =>
    String(
      Math.round(Math.min(max, Math.max(min, Math.exp(random.normal(Math.log(median), spread))))),
    );
  return {
    type: 'charge',
    at,
    feature: feature.id,
    user: userFor(slot, random),
    project,
    ...(feature.models ? { model: random.pick(feature.models) } : {}),
    ...(feature === CHAT_FEATURE
      ? {
          quantities: {
            input_tokens: tokens(900, 0.6, 40, 12_000),
            output_tokens: tokens(300, 0.5, 20, 4_000),
          },
        }
      : {}),
    failed: random.chance(feature.failRate),
    outcome: {},
  };
}
