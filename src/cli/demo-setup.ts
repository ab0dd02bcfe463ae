/** The demo's setup: its features priced from before the year starts, the org and its keys. */
import type { ApiClient } from './api-client.js';
import type { CreatedKeyBody, FeatureListBody, OrgBody } from './api-types.js';
import { ALL_DEMO_FEATURES, MONTHLY_ALLOWANCE } from './demo-catalog.js';

const samePrices = (
  a: readonly { unit: string; credits: string; per: string }[],
  b: readonly { unit: string; credits: string; per: string }[],
) =>
  a.length === b.length &&
  a.every((line, index) => {
    const other = b[index];
    return (
      other !== undefined &&
      line.unit === other.unit &&
      line.credits === other.credits &&
      line.per === other.per
    );
  });

/**
 * Prices the demo's features from `effectiveAt` on, leaving alone those already priced the same
 * since then (a second demo changes nothing). Returns the ids it set.
 */
export async function ensureDemoFeatures(root: ApiClient, effectiveAt: number): Promise<string[]> {
  const current = (await root.get<FeatureListBody>('/v1/features')).body.data;
  const set: string[] = [];
  for (const feature of ALL_DEMO_FEATURES) {
    const existing = current.find((candidate) => candidate.id === feature.id);
    if (
      existing &&
      samePrices(existing.prices, feature.prices) &&
      Date.parse(existing.effectiveAt) <= effectiveAt
    ) {
      continue;
    }
    await root.put(`/v1/features/${encodeURIComponent(feature.id)}`, {
      name: feature.name,
      prices: feature.prices,
      effectiveAt: new Date(effectiveAt).toISOString(),
    });
    set.push(feature.id);
  }
  return set;
}

export interface DemoOrg {
  org: OrgBody;
  adminKey: CreatedKeyBody;
  operatorKey: CreatedKeyBody;
}

/** A new org dated `start`, with the monthly allowance, an admin key and the booth app's key. */
export async function createDemoOrg(
  root: ApiClient,
  options: { name: string; timeZone: string; start: number; runId: string },
): Promise<DemoOrg> {
  const org = (
    await root.post<OrgBody>(
      '/v1/orgs',
      {
        name: options.name,
        timezone: options.timeZone,
        plan: 'pro',
        allowance: { credits: MONTHLY_ALLOWANCE },
        at: new Date(options.start).toISOString(),
      },
      `${options.runId}-org`,
    )
  ).body;
  const keys = `/v1/orgs/${encodeURIComponent(org.id)}/api-keys`;
  const adminKey = (
    await root.post<CreatedKeyBody>(
      keys,
      { name: 'demo admin', role: 'admin' },
      `${options.runId}-admin-key`,
    )
  ).body;
  const operatorKey = (
    await root.post<CreatedKeyBody>(
      keys,
      { name: 'booth app', role: 'operator' },
      `${options.runId}-operator-key`,
    )
  ).body;
  return { org, adminKey, operatorKey };
}

/** "garcia-lee-wedding" → "Garcia Lee Wedding". */
function projectName(id: string): string {
  return id
    .split('-')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(' ');
}

/** The projects charges will name: the everyday ones and each event's. */
export async function createDemoProjects(
  root: ApiClient,
  org: string,
  projects: Iterable<string>,
  runId: string,
): Promise<void> {
  for (const id of new Set(projects)) {
    await root.post(
      `/v1/orgs/${encodeURIComponent(org)}/projects`,
      { id, name: projectName(id) },
      `${runId}-project-${id}`,
    );
  }
}
