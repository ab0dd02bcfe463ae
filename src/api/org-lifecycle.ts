/**
 * An org's end, and the pause that is its alternative. Deleting removes the org from every store
 * that keeps something of it (ledger, access, billing, the HTTP idempotency responses); it is
 * announced first (`preview`) and needs the org's name typed back. Suspending refuses the org's
 * writes (see `Access.checkWritable`) and keeps everything, credits included.
 *
 * Deletion order: access first (its rows reference the org row), then billing and the HTTP
 * responses, then the ledger, whose one-transaction removal is what makes the org unknown to
 * every write at once. Each step is idempotent, so a deletion cut short is finished by running it
 * again.
 */
import type { Access } from '../access/access.js';
import type { Suspension } from '../access/model.js';
import type { BillingStore } from '../billing/ports.js';
import { ok, refuse, type Result } from '../core/refusal.js';
import type { Balance } from '../ledger/balance.js';
import type { Ledger } from '../ledger/ledger.js';
import type { Org } from '../ledger/model.js';
import type { ResponseStore } from './idempotency.js';

/** What deleting an org removes, by kind of record, as the API counts them. */
export interface OrgRecordCounts {
  readonly grants: number;
  readonly transactions: number;
  readonly holds: number;
  readonly projects: number;
  readonly allowances: number;
  readonly members: number;
  readonly apiKeys: number;
  readonly purchases: number;
}

export interface DeletionPreview {
  readonly org: Org;
  /** The credits that go with the org. */
  readonly balance: Balance;
  readonly counts: OrgRecordCounts;
}

/** The part of billing that keeps an org's records. */
export type BillingRecords = Pick<BillingStore, 'listPurchases' | 'deleteOrg'>;

export interface OrgLifecycleOptions {
  ledger: Ledger;
  access: Access;
  responses: ResponseStore;
  /** Absent where billing is not wired: there are no purchases to count or remove. */
  billing?: BillingRecords | undefined;
}

const PURCHASE_PAGE = 1000;

export class OrgLifecycle {
  private readonly ledger: Ledger;
  private readonly access: Access;
  private readonly responses: ResponseStore;
  private readonly billing: BillingRecords | undefined;

  constructor(options: OrgLifecycleOptions) {
    this.ledger = options.ledger;
    this.access = options.access;
    this.responses = options.responses;
    this.billing = options.billing;
  }

  /** What deleting the org would remove, computed from the stores now. */
  async preview(orgId: string): Promise<Result<DeletionPreview>> {
    const org = await this.ledger.getOrg(orgId);
    if (!org.ok) return org;
    const [balance, counts] = await Promise.all([this.ledger.balance(orgId), this.count(orgId)]);
    if (!balance.ok) return balance;
    if (!counts.ok) return counts;
    return ok({ org: org.value, balance: balance.value, counts: counts.value });
  }

  /**
   * Deletes the org for good when `confirm` is its name exactly (or its id); anything else is
   * refused (`confirmation_mismatch`) and deletes nothing.
   */
  async delete(orgId: string, confirm: string): Promise<Result<OrgRecordCounts>> {
    const org = await this.ledger.getOrg(orgId);
    if (!org.ok) return org;
    if (confirm !== org.value.name && confirm !== org.value.id) {
      return refuse(
        'confirmation_mismatch',
        `to delete the org, confirm with its name: ${JSON.stringify(org.value.name)}`,
        { org: orgId, confirmWith: org.value.name },
      );
    }
    const purchases = await this.countPurchases(orgId);
    const access = await this.access.deleteOrg(orgId);
    await this.billing?.deleteOrg(orgId);
    await this.responses.deleteOrg(orgId);
    const ledger = await this.ledger.deleteOrg(orgId).catch(async () => {
      // A key, member or suspension added meanwhile still references the org row, which the
      // ledger's removal then refuses as a whole: remove it too and try once more.
      await this.access.deleteOrg(orgId);
      return this.ledger.deleteOrg(orgId);
    });
    // Unknown here means another deletion of the same org got there first.
    if (!ledger.ok) return ledger;
    return ok({
      grants: ledger.value.grants,
      transactions: ledger.value.transactions,
      holds: ledger.value.holds,
      projects: ledger.value.projects,
      allowances: ledger.value.allowances,
      members: access.members,
      apiKeys: access.apiKeys,
      purchases,
    });
  }

  /** Refuses the org's writes until it is resumed; a suspended org keeps its first suspension. */
  async suspend(
    orgId: string,
    reason: string | null | undefined,
  ): Promise<Result<{ org: Org; suspension: Suspension }>> {
    const org = await this.ledger.getOrg(orgId);
    if (!org.ok) return org;
    const suspension = await this.access.suspendOrg(orgId, reason);
    if (!suspension.ok) return suspension;
    return ok({ org: org.value, suspension: suspension.value });
  }

  /** Takes writes again; resuming an org that is not suspended changes nothing. */
  async resume(orgId: string): Promise<Result<Org>> {
    const org = await this.ledger.getOrg(orgId);
    if (!org.ok) return org;
    await this.access.resumeOrg(orgId);
    return org;
  }

  private async count(orgId: string): Promise<Result<OrgRecordCounts>> {
    const [ledger, keys, members, purchases] = await Promise.all([
      this.ledger.countOrgRows(orgId),
      this.access.listKeys(orgId),
      this.access.listMembers(orgId),
      this.countPurchases(orgId),
    ]);
    if (!ledger.ok) return ledger;
    return ok({
      grants: ledger.value.grants,
      transactions: ledger.value.transactions,
      holds: ledger.value.holds,
      projects: ledger.value.projects,
      allowances: ledger.value.allowances,
      members: members.length,
      apiKeys: keys.length,
      purchases,
    });
  }

  private async countPurchases(orgId: string): Promise<number> {
    if (!this.billing) return 0;
    let count = 0;
    let before: { createdAt: number; id: string } | undefined;
    for (;;) {
      const page = await this.billing.listPurchases(orgId, {
        limit: PURCHASE_PAGE,
        ...(before === undefined ? {} : { before }),
      });
      count += page.length;
      const last = page[page.length - 1];
      if (page.length < PURCHASE_PAGE || !last) return count;
      before = { createdAt: last.createdAt, id: last.id };
    }
  }
}
