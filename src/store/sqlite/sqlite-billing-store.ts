/** Plans, packs, plan history and purchases in the same SQLite file as the ledger. */
import type Database from 'better-sqlite3';
import type { Instant } from '../../core/period.js';
import type {
  Pack,
  PaymentProviderName,
  Plan,
  PlanChange,
  Purchase,
  PurchaseStatus,
} from '../../billing/model.js';
import type { BillingStore, PurchaseTransition } from '../../billing/ports.js';
import {
  PURCHASE_COLUMNS,
  formatInvoiceNumber,
  packFromRow,
  planChangeFromRow,
  planFromRow,
  purchaseFromRow,
  purchaseValues,
} from '../billing-rows.js';

type Row = Record<string, unknown>;

export class SqliteBillingStore implements BillingStore {
  constructor(private readonly db: Database.Database) {}

  private get(sql: string, ...params: unknown[]): Row | undefined {
    return this.db.prepare(sql).get(...params) as Row | undefined;
  }

  private all(sql: string, ...params: unknown[]): Row[] {
    return this.db.prepare(sql).all(...params) as Row[];
  }

  private run(sql: string, ...params: unknown[]): number {
    return Number(this.db.prepare(sql).run(...params).changes);
  }

  async putPlan(plan: Plan): Promise<void> {
    this.run(
      `INSERT INTO plans (id, name, description, currency, price_per_credit, monthly_fee,
                          monthly_allowance, expires, created_at, updated_at, archived_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description,
         currency = excluded.currency, price_per_credit = excluded.price_per_credit,
         monthly_fee = excluded.monthly_fee, monthly_allowance = excluded.monthly_allowance,
         expires = excluded.expires, created_at = excluded.created_at,
         updated_at = excluded.updated_at, archived_at = excluded.archived_at`,
      plan.id,
      plan.name,
      plan.description,
      plan.currency,
      plan.pricePerCredit,
      plan.monthlyFee,
      plan.monthlyAllowance,
      plan.expires ? 1 : 0,
      plan.createdAt,
      plan.updatedAt,
      plan.archivedAt,
    );
  }

  async getPlan(planId: string): Promise<Plan | undefined> {
    const row = this.get('SELECT * FROM plans WHERE id = ?', planId);
    return row ? planFromRow(row) : undefined;
  }

  async listPlans(): Promise<Plan[]> {
    return this.all('SELECT * FROM plans ORDER BY id').map(planFromRow);
  }

  async putPack(pack: Pack): Promise<void> {
    this.run(
      `INSERT INTO packs (id, name, credits, price, currency, created_at, updated_at, archived_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, credits = excluded.credits,
         price = excluded.price, currency = excluded.currency, created_at = excluded.created_at,
         updated_at = excluded.updated_at, archived_at = excluded.archived_at`,
      pack.id,
      pack.name,
      pack.credits,
      pack.price,
      pack.currency,
      pack.createdAt,
      pack.updatedAt,
      pack.archivedAt,
    );
  }

  async getPack(packId: string): Promise<Pack | undefined> {
    const row = this.get('SELECT * FROM packs WHERE id = ?', packId);
    return row ? packFromRow(row) : undefined;
  }

  async listPacks(): Promise<Pack[]> {
    return this.all('SELECT * FROM packs ORDER BY price, id').map(packFromRow);
  }

  async changePlan(change: PlanChange): Promise<void> {
    const apply = this.db.transaction(() => {
      this.run(
        'DELETE FROM plan_changes WHERE org_id = ? AND starts_at > ?',
        change.orgId,
        change.decidedAt,
      );
      this.run(
        `INSERT INTO plan_changes (org_id, plan_id, starts_at, decided_at, decided_by)
         VALUES (?, ?, ?, ?, ?)`,
        change.orgId,
        change.planId,
        change.startsAt,
        change.decidedAt,
        change.by,
      );
    });
    apply.immediate();
  }

  async planHistory(orgId: string): Promise<PlanChange[]> {
    return this.all(
      'SELECT * FROM plan_changes WHERE org_id = ? ORDER BY starts_at, id',
      orgId,
    ).map(planChangeFromRow);
  }

  async planHistories(orgIds: readonly string[]): Promise<PlanChange[]> {
    // The ids as one JSON parameter: a page of a thousand orgs stays one statement.
    return this.all(
      `SELECT * FROM plan_changes WHERE org_id IN (SELECT value FROM json_each(?))
       ORDER BY org_id, starts_at, id`,
      JSON.stringify(orgIds),
    ).map(planChangeFromRow);
  }

  async insertPurchase(purchase: Purchase): Promise<void> {
    this.run(
      `INSERT INTO purchases (${PURCHASE_COLUMNS.join(', ')})
       VALUES (${PURCHASE_COLUMNS.map(() => '?').join(', ')})`,
      ...purchaseValues(purchase),
    );
  }

  async getPurchase(orgId: string, purchaseId: string): Promise<Purchase | undefined> {
    const row = this.get('SELECT * FROM purchases WHERE org_id = ? AND id = ?', orgId, purchaseId);
    return row ? purchaseFromRow(row) : undefined;
  }

  async findPurchaseByProviderRef(
    provider: PaymentProviderName,
    providerRef: string,
  ): Promise<Purchase | undefined> {
    const row = this.get(
      'SELECT * FROM purchases WHERE provider = ? AND provider_ref = ?',
      provider,
      providerRef,
    );
    return row ? purchaseFromRow(row) : undefined;
  }

  async listPurchases(
    orgId: string,
    options: {
      limit: number;
      before?: { createdAt: Instant; id: string };
      status?: PurchaseStatus;
    },
  ): Promise<Purchase[]> {
    const conditions = ['org_id = ?'];
    const params: unknown[] = [orgId];
    if (options.before) {
      conditions.push('(created_at, id) < (?, ?)');
      params.push(options.before.createdAt, options.before.id);
    }
    if (options.status) {
      conditions.push('status = ?');
      params.push(options.status);
    }
    return this.all(
      `SELECT * FROM purchases WHERE ${conditions.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT ?`,
      ...params,
      options.limit,
    ).map(purchaseFromRow);
  }

  async setCheckout(
    purchaseId: string,
    providerRef: string | null,
    paymentUrl: string | null,
  ): Promise<void> {
    this.run(
      'UPDATE purchases SET provider_ref = ?, payment_url = ? WHERE id = ?',
      providerRef,
      paymentUrl,
      purchaseId,
    );
  }

  async transitionPurchase(
    purchaseId: string,
    transition: PurchaseTransition,
  ): Promise<{ purchase: Purchase; moved: boolean } | undefined> {
    const move = this.db.transaction(() => {
      // The status condition sits in the UPDATE itself: of two confirmations, the second finds
      // the purchase already moved and changes nothing.
      const moved =
        transition.from.length > 0 &&
        this.run(
          `UPDATE purchases SET status = :to,
             paid_at = CASE :to WHEN 'paid' THEN :at ELSE paid_at END,
             failed_at = CASE :to WHEN 'failed' THEN :at ELSE failed_at END,
             refunded_at = CASE :to WHEN 'refunded' THEN :at ELSE refunded_at END,
             grant_id = COALESCE(:grantId, grant_id),
             failure_reason = COALESCE(:failureReason, failure_reason)
           WHERE id = :id AND status IN (${transition.from.map((_, i) => `:from${i}`).join(', ')})`,
          {
            to: transition.to,
            at: transition.at,
            grantId: transition.grantId ?? null,
            failureReason: transition.failureReason ?? null,
            id: purchaseId,
            ...Object.fromEntries(transition.from.map((status, i) => [`from${i}`, status])),
          },
        ) > 0;
      const row = this.get('SELECT * FROM purchases WHERE id = ?', purchaseId);
      return row ? { purchase: purchaseFromRow(row), moved } : undefined;
    });
    return move.immediate();
  }

  async issueInvoice(purchaseId: string, at: Instant): Promise<Purchase | undefined> {
    const issue = this.db.transaction(() => {
      const row = this.get('SELECT * FROM purchases WHERE id = ?', purchaseId);
      if (!row) return undefined;
      const purchase = purchaseFromRow(row);
      if (purchase.invoiceNumber !== null) return purchase;
      // The counter and the purchase change in this one transaction: a failure undoes both, so
      // no number is skipped.
      const counter = this.get(
        'UPDATE invoice_counter SET next = next + 1 WHERE id = 1 RETURNING next - 1 AS issued',
      ) as { issued: bigint };
      const updated = this.get(
        'UPDATE purchases SET invoice_number = ?, invoiced_at = ? WHERE id = ? RETURNING *',
        formatInvoiceNumber(counter.issued),
        at,
        purchaseId,
      ) as Row;
      return purchaseFromRow(updated);
    });
    return issue.immediate();
  }

  async deleteOrg(orgId: string): Promise<void> {
    const remove = this.db.transaction(() => {
      this.run('DELETE FROM plan_changes WHERE org_id = ?', orgId);
      this.run('DELETE FROM purchases WHERE org_id = ?', orgId);
    });
    remove.immediate();
  }
}
