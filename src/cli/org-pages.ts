/** Every org of the installation (root), read from `GET /v1/orgs` a page at a time. */
import type { ApiClient } from './api-client.js';
import type { OrgBody, OrgListBody } from './api-types.js';

/** The largest page the API gives: fewest round trips. */
const PAGE_SIZE = 1000;

/** Follows the cursors to the last org; `onPage` hears how many were read so far. */
export async function listEveryOrg(
  client: ApiClient,
  onPage?: (count: number) => void,
): Promise<OrgBody[]> {
  const orgs: OrgBody[] = [];
  let cursor: string | undefined;
  do {
    const page = (await client.get<OrgListBody>('/v1/orgs', { limit: PAGE_SIZE, cursor })).body;
    orgs.push(...page.data);
    onPage?.(orgs.length);
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return orgs;
}
