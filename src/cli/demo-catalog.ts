/**
 * The photo-booth operator `tally demo` plays: the AI features and their prices (as in the seeds:
 * background removal 2 credits, text to image 8, erase 7, upscale 0, plus a token-priced chat),
 * the monthly allowance and packs, the events they work and the people who run the booths.
 */

export interface DemoFeature {
  id: string;
  name: string;
  prices: { unit: string; credits: string; per: string }[];
  /** Share of the booth's AI actions. */
  weight: number;
  /** Share at events (where guests ask for AI portraits more). */
  eventWeight: number;
  failRate: number;
  models?: readonly string[];
}

const action = (credits: string) => [{ unit: 'action', credits, per: '1' }];

export const DEMO_FEATURES: readonly DemoFeature[] = [
  {
    id: 'background-removal',
    name: 'Background removal',
    prices: action('2'),
    weight: 46,
    eventWeight: 40,
    failRate: 0.012,
  },
  {
    id: 'text-to-image',
    name: 'Text to image',
    prices: action('8'),
    weight: 12,
    eventWeight: 20,
    failRate: 0.035,
    models: ['flux-schnell', 'sdxl-turbo'],
  },
  { id: 'erase', name: 'Erase', prices: action('7'), weight: 8, eventWeight: 6, failRate: 0.025 },
  {
    id: 'upscale',
    name: 'Upscale',
    prices: action('0'),
    weight: 16,
    eventWeight: 16,
    failRate: 0.008,
  },
  {
    id: 'face-enhance',
    name: 'Face enhancement',
    prices: action('3'),
    weight: 14,
    eventWeight: 15,
    failRate: 0.015,
  },
  {
    id: 'translation',
    name: 'Caption translation',
    prices: action('1'),
    weight: 4,
    eventWeight: 3,
    failRate: 0.005,
  },
];

/** The back office writes captions, emails and quotes with a chat model, priced per token. */
export const CHAT_FEATURE: DemoFeature = {
  id: 'chat',
  name: 'Chat assistant',
  prices: [
    { unit: 'input_tokens', credits: '0.5', per: '1000' },
    { unit: 'output_tokens', credits: '1.5', per: '1000' },
  ],
  weight: 0,
  eventWeight: 0,
  failRate: 0.01,
  models: ['gpt-4o-mini', 'claude-haiku'],
};

export const ALL_DEMO_FEATURES: readonly DemoFeature[] = [...DEMO_FEATURES, CHAT_FEATURE];

export const MONTHLY_ALLOWANCE = '1500';
export const PACK = { credits: '2500', priceMinor: 2500, currency: 'USD' } as const;
export const TRIAL = { credits: '500', days: 14 } as const;
/** The operator buys a pack when fewer credits than this are left. */
export const LOW_BALANCE_MICROS = 120_000_000n;

/** The owner (back office, studio), kiosk staff and the event crew. */
export const OPERATORS = {
  owner: 'maya',
  kiosk: ['sam', 'lena'],
  crew: ['jonas', 'priya', 'omar', 'lena'],
} as const;

export interface EventTemplate {
  project: string;
  /** `evening`: one night, 17:00 to 01:00; `fair`: Friday to Sunday, 10:00 to 19:00. */
  shape: 'evening' | 'fair';
  /** Guests at the booth, relative to a normal event. */
  size: number;
}

export const EVENT_TEMPLATES: readonly EventTemplate[] = [
  { project: 'garcia-lee-wedding', shape: 'evening', size: 1 },
  { project: 'acme-summer-party', shape: 'evening', size: 1.3 },
  { project: 'city-marathon-expo', shape: 'fair', size: 1.4 },
  { project: 'riverside-high-prom', shape: 'evening', size: 1.2 },
  { project: 'novak-wedding', shape: 'evening', size: 0.9 },
  { project: 'techconf-sponsor-booth', shape: 'fair', size: 1.2 },
  { project: 'winter-gala', shape: 'evening', size: 1.1 },
  { project: 'harbor-food-festival', shape: 'fair', size: 1.6 },
  { project: 'okafor-60th-birthday', shape: 'evening', size: 0.7 },
  { project: 'brightline-holiday-party', shape: 'evening', size: 1.3 },
  { project: 'mendes-quinceanera', shape: 'evening', size: 0.9 },
  { project: 'christmas-market', shape: 'fair', size: 1.5 },
  { project: 'lakeside-charity-ball', shape: 'evening', size: 1 },
  { project: 'university-graduation', shape: 'fair', size: 1.3 },
  { project: 'rossi-anniversary', shape: 'evening', size: 0.6 },
  { project: 'spring-fashion-show', shape: 'evening', size: 1.1 },
  { project: 'county-fair', shape: 'fair', size: 1.4 },
  { project: 'startup-launch-night', shape: 'evening', size: 0.8 },
  { project: 'patel-wedding', shape: 'evening', size: 1.2 },
  { project: 'bookfair-author-wall', shape: 'fair', size: 1 },
  { project: 'summer-block-party', shape: 'evening', size: 1.1 },
  { project: 'kowalski-wedding', shape: 'evening', size: 1 },
  { project: 'design-week-popup', shape: 'fair', size: 1.2 },
  { project: 'alumni-reunion', shape: 'evening', size: 0.8 },
  { project: 'nguyen-wedding', shape: 'evening', size: 1.1 },
  { project: 'car-show-weekend', shape: 'fair', size: 1.3 },
  { project: 'halloween-masquerade', shape: 'evening', size: 1.2 },
  { project: 'company-20th-anniversary', shape: 'evening', size: 1 },
];

/** Everyday work: the permanent kiosk at the mall and walk-in studio sessions. */
export const EVERYDAY_PROJECTS = { kiosk: 'mall-kiosk', studio: 'studio', office: 'back-office' };

export const REFUND_NOTES = [
  'Guest complaint: the print came out blurred',
  'Duplicate generation after a kiosk timeout',
  'Wrong style applied; redone for free',
  'Goodwill for a slow booth at the event',
];

export const VOID_REASONS = [
  'Guest left before the portrait set finished',
  'Generation timed out',
  'Cancelled by the operator',
];
