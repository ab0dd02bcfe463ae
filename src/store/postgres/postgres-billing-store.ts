/** Plans, packs, plan history and purchases in the same PostgreSQL database as the ledger. */
import type pg from 'pg';
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

export class PostgresBillingStore implements BillingStore {
  constructor(private readonly pool: pg.Pool) {}

  private async all(sql: string, ...params: unknown[]): Promise<Row[]> {
    return (await this.pool.query<Row>(sql, params)).rows;
  }

  private async transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async putPlan(plan: Plan): Promise<void> {
    await this.all(
      `INSERT INTO plans (id, name, description, currency, price_per_credit, monthly_fee,
                          monthly_allowance, expires, created_at, updated_at, archived_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
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
      plan.expires,
      plan.createdAt,
      plan.updatedAt,
      plan.archivedAt,
    );
  }

  async getPlan(planId: string): Promise<Plan | undefined> {
    const [row] = await this.all('SELECT * FROM plans WHERE id = $1', planId);
    return row ? planFromRow(row) : undefined;
  }

  async listPlans(): Promise<Plan[]> {
    return (await this.all('SELECT * FROM plans ORDER BY id')).map(planFromRow);
  }

  async putPack(pack: Pack): Promise<void> {
    await this.all(
      `INSERT INTO packs (id, name, credits, price, currency, created_at, updated_at, archived_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
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
    const [row] = await this.all('SELECT * FROM packs WHERE id = $1', packId);
    return row ? packFromRow(row) : undefined;
  }

  async listPacks(): Promise<Pack[]> {
    return (await this.all('SELECT * FROM packs ORDER BY price, id')).map(packFromRow);
  }

  async changePlan(change: PlanChange): Promise<void> {
    await this.transaction(async (client) => {
      // Two changes of one org at once would each miss the line the other adds: one at a time.
      await client.query("SELECT pg_advisory_xact_lock(hashtextextended('plan:' || $1, 0))", [
        change.orgId,
      ]);
      await client.query('DELETE FROM plan_changes WHERE org_id = $1 AND starts_at > $2', [
        change.orgId,
        change.decidedAt,
      ]);
      await client.query(
        `INSERT INTO plan_changes (org_id, plan_id, starts_at, decided_at, decided_by)
         VALUES ($1, $2, $3, $4, $5)`,
        [change.orgId, change.planId, change.startsAt, change.decidedAt, change.by],
      );
    });
  }

  async planHistory(orgId: string): Promise<PlanChange[]> {
    const rows = await this.all(
      'SELECT * FROM plan_changes WHERE org_id = $1 ORDER BY starts_at, id',
      orgId,
    );
    return rows.map(planChangeFromRow);
  }

  async planHistories(orgIds: readonly string[]): Promise<PlanChange[]> {
    const rows = await this.all(
      'SELECT * FROM plan_changes WHERE org_id = ANY($1) ORDER BY org_id, starts_at, id',
      [...orgIds],
    );
    return rows.map(planChangeFromRow);
  }

  async insertPurchase(purchase: Purchase): Promise<void> {
    await this.all(
      `INSERT INTO purchases (${PURCHASE_COLUMNS.join(', ')})
       VALUES (${PURCHASE_COLUMNS.map((_, index) => `$${index + 1}`).join(', ')})`,
      ...purchaseValues(purchase),
    );
  }

  async getPurchase(orgId: string, purchaseId: string): Promise<Purchase | undefined> {
    const [row] = await this.all(
      'SELECT * FROM purchases WHERE org_id = $1 AND id = $2',
      orgId,
      purchaseId,
    );
    return row ? purchaseFromRow(row) : undefined;
  }

  async findPurchaseByProviderRef(
    provider: PaymentProviderName,
    providerRef: string,
  ): Promise<Purchase | undefined> {
    const [row] = await this.all(
      'SELECT * FROM purchases WHERE provider = $1 AND provider_ref = $2',
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
    const params: unknown[] = [orgId];
    const conditions = ['org_id = $1'];
    if (options.before) {
      params.push(options.before.createdAt, options.before.id);
      conditions.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    if (options.status) {
      params.push(options.status);
      conditions.push(`status = $${params.length}`);
    }
    params.push(options.limit);
    const rows = await this.all(
      `SELECT * FROM purchases WHERE ${conditions.join(' AND ')}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      ...params,
    );
    return rows.map(purchaseFromRow);
  }

  async setCheckout(
    purchaseId: string,
    providerRef: string | null,
    paymentUrl: string | null,
  ): Promise<void> {
    await this.all(
      'UPDATE purchases SET provider_ref = $2, payment_url = $3 WHERE id = $1',
      purchaseId,
      providerRef,
      paymentUrl,
    );
  }

  async transitionPurchase(
    purchaseId: string,
    transition: PurchaseTransition,
  ): Promise<{ purchase: Purchase; moved: boolean } | undefined> {
    // One statement: a concurrent UPDATE waits for the row's lock, then checks the status again
    // on the committed row, so of two confirmations only the first moves the purchase.
    const [moved] = await this.all(
      `UPDATE purchases SET status = $3,
         paid_at = CASE $3 WHEN 'paid' THEN $4::bigint ELSE paid_at END,
         failed_at = CASE $3 WHEN 'failed' THEN $4::bigint ELSE failed_at END,
         refunded_at = CASE $3 WHEN 'refunded' THEN $4::bigint ELSE refunded_at END,
         grant_id = COALESCE($5, grant_id), failure_reason = COALESCE($6, failure_reason)
       WHERE id = $1 AND status = ANY($2::text[])
       RETURNING *`,
      purchaseId,
      transition.from,
      transition.to,
      transition.at,
      transition.grantId ?? null,
      transition.failureReason ?? null,
    );
    if (moved) return { purchase: purchaseFromRow(moved), moved: true };
    const [row] = await this.all('SELECT * FROM purchases WHERE id = $1', purchaseId);
    return row ? { purchase: purchaseFromRow(row), moved: false } : undefined;
  }

  async issueInvoice(purchaseId: string, at: Instant): Promise<Purchase | undefined> {
    return this.transaction(async (client) => {
      // The purchase's lock first, then the counter's, in every call: no deadlock, and a
      // concurrent call for the same purchase waits and then finds its number.
      const [row] = (
        await client.query<Row>('SELECT * FROM purchases WHERE id = $1 FOR UPDATE', [purchaseId])
      ).rows;
      if (!row) return undefined;
      if (row.invoice_number !== null) return purchaseFromRow(row);
      // In the same transaction as the purchase's update: a rollback undoes both, so no number
      // is skipped.
      const [counter] = (
        await client.query<{ issued: bigint }>(
          'UPDATE invoice_counter SET next = next + 1 WHERE id = 1 RETURNING next - 1 AS issued',
        )
      ).rows;
      if (!counter) throw new Error('invoice_counter has no row');
      const [updated] = (
        await client.query<Row>(
          'UPDATE purchases SET invoice_number = $2, invoiced_at = $3 WHERE id = $1 RETURNING *',
          [purchaseId, formatInvoiceNumber(counter.issued), at],
        )
      ).rows;
      return purchaseFromRow(updated as Row);
    });
  }

  async deleteOrg(orgId: string): Promise<void> {
    await this.transaction(async (client) => {
      await client.query('DELETE FROM plan_changes WHERE org_id = $1', [orgId]);
      await client.query('DELETE FROM purchases WHERE org_id = $1', [orgId]);
    });
  }
}
