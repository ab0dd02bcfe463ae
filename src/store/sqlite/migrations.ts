/**
 * Versioned schema migrations, applied in order at open inside one transaction each. Never edit a
 * migration that has shipped: add the next one.
 */
import type { Migration } from '../migration.js';

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ledger',
    sql: `
      CREATE TABLE orgs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        time_zone TEXT NOT NULL,
        plan TEXT,
        created_at INTEGER NOT NULL,
        clock INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE grants (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES orgs (id),
        kind TEXT NOT NULL,
        amount INTEGER NOT NULL CHECK (amount > 0),
        remaining INTEGER NOT NULL CHECK (remaining >= 0),
        held INTEGER NOT NULL CHECK (held >= 0 AND held <= remaining),
        effective_at INTEGER NOT NULL,
        expires_at INTEGER,
        priority INTEGER NOT NULL,
        note TEXT,
        schedule_id TEXT,
        -- 1 while credits are left. Kept apart from remaining so that spending (which changes
        -- remaining) leaves the index alone: one page fewer to write and fsync per charge.
        live INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX grants_by_org ON grants (org_id, effective_at);
      CREATE INDEX grants_live ON grants (org_id) WHERE live = 1;

      CREATE TABLE schedules (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES orgs (id),
        kind TEXT NOT NULL,
        credits INTEGER NOT NULL,
        priority INTEGER NOT NULL,
        note TEXT,
        next_at INTEGER NOT NULL,
        end_at INTEGER
      ) STRICT;
      CREATE INDEX schedules_by_org ON schedules (org_id);

      CREATE TABLE holds (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES orgs (id),
        status TEXT NOT NULL,
        feature TEXT NOT NULL,
        quantities TEXT,
        credits INTEGER NOT NULL,
        reservations TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL,
        resolved_at INTEGER,
        charge_id TEXT,
        user TEXT,
        project TEXT,
        model TEXT,
        note TEXT,
        metadata TEXT
      ) STRICT;
      CREATE INDEX holds_pending ON holds (org_id) WHERE status = 'pending';

      -- The log and its entries are clustered by org and instant: a write adds few pages (each
      -- page is fsynced at commit), and an org's history reads as one range.
      CREATE TABLE transactions (
        org_id TEXT NOT NULL REFERENCES orgs (id),
        at INTEGER NOT NULL,
        id TEXT NOT NULL,
        type TEXT NOT NULL,
        status TEXT NOT NULL,
        feature TEXT,
        credits INTEGER NOT NULL,
        held INTEGER NOT NULL,
        balance_after INTEGER NOT NULL,
        user TEXT,
        project TEXT,
        model TEXT,
        quantities TEXT,
        draws TEXT NOT NULL,
        note TEXT,
        metadata TEXT,
        hold_id TEXT,
        charge_id TEXT,
        reason TEXT,
        PRIMARY KEY (org_id, at, id)
      ) STRICT, WITHOUT ROWID;
      CREATE UNIQUE INDEX transactions_by_id ON transactions (id);
      CREATE INDEX transactions_by_charge ON transactions (charge_id) WHERE charge_id IS NOT NULL;

      CREATE TABLE entries (
        org_id TEXT NOT NULL,
        at INTEGER NOT NULL,
        transaction_id TEXT NOT NULL,
        line INTEGER NOT NULL,
        grant_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        type TEXT NOT NULL,
        amount INTEGER NOT NULL,
        held INTEGER NOT NULL,
        PRIMARY KEY (org_id, at, transaction_id, line)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE price_versions (
        feature_id TEXT NOT NULL,
        effective_at INTEGER NOT NULL,
        name TEXT NOT NULL,
        lines TEXT NOT NULL,
        PRIMARY KEY (feature_id, effective_at)
      ) STRICT;

      CREATE TABLE stored_responses (
        org_id TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        response TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (org_id, key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX stored_responses_by_age ON stored_responses (created_at);
    `,
  },
  {
    version: 2,
    name: 'access',
    sql: `
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES orgs (id),
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        prefix TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        last_used_at INTEGER,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX api_keys_by_org ON api_keys (org_id);

      CREATE TABLE members (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL REFERENCES orgs (id),
        email TEXT NOT NULL,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        UNIQUE (org_id, email)
      ) STRICT;
      CREATE INDEX members_by_email ON members (email);

      CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        member_id TEXT NOT NULL REFERENCES members (id) ON DELETE CASCADE,
        org_id TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        csrf_token TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);

      -- First responses to writes made outside the ledger, under their Idempotency-Key.
      CREATE TABLE http_responses (
        scope TEXT NOT NULL,
        key TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        status INTEGER NOT NULL,
        body TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX http_responses_by_age ON http_responses (created_at);
    `,
  },
  {
    version: 3,
    name: 'projects and allowances',
    sql: `
      -- Budgets and allowances count what was spent in their current window (window_start).
      CREATE TABLE projects (
        org_id TEXT NOT NULL REFERENCES orgs (id),
        id TEXT NOT NULL,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        archived_at INTEGER,
        budget_credits INTEGER,
        budget_period TEXT,
        budget_window_start INTEGER,
        budget_used INTEGER,
        PRIMARY KEY (org_id, id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE allowances (
        org_id TEXT NOT NULL REFERENCES orgs (id),
        "user" TEXT NOT NULL,
        credits INTEGER NOT NULL,
        period TEXT NOT NULL,
        window_start INTEGER NOT NULL,
        used INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        removed_at INTEGER,
        PRIMARY KEY (org_id, "user")
      ) STRICT, WITHOUT ROWID;
    `,
  },
  {
    version: 4,
    name: 'billing',
    sql: `
      -- Money is in minor units of the row's currency (cents for USD), credits in micro-credits.
      CREATE TABLE plans (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        description TEXT NOT NULL,
        currency TEXT NOT NULL,
        price_per_credit INTEGER NOT NULL CHECK (price_per_credit >= 0),
        monthly_fee INTEGER NOT NULL CHECK (monthly_fee >= 0),
        monthly_allowance INTEGER NOT NULL CHECK (monthly_allowance >= 0),
        expires INTEGER NOT NULL CHECK (expires IN (0, 1)),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        archived_at INTEGER
      ) STRICT;

      CREATE TABLE packs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        credits INTEGER NOT NULL CHECK (credits > 0),
        price INTEGER NOT NULL CHECK (price >= 0),
        currency TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        archived_at INTEGER
      ) STRICT;

      -- No foreign key to orgs here or in purchases: billing is a port of its own, and each store
      -- removes its part of an org. id keeps two lines that start at the same instant in the
      -- order they were added.
      CREATE TABLE plan_changes (
        id INTEGER PRIMARY KEY,
        org_id TEXT NOT NULL,
        plan_id TEXT NOT NULL REFERENCES plans (id),
        starts_at INTEGER NOT NULL,
        decided_at INTEGER NOT NULL,
        decided_by TEXT
      ) STRICT;
      CREATE INDEX plan_changes_by_org ON plan_changes (org_id, starts_at);

      CREATE TABLE purchases (
        id TEXT PRIMARY KEY,
        org_id TEXT NOT NULL,
        pack_id TEXT REFERENCES packs (id),
        description TEXT NOT NULL,
        credits INTEGER NOT NULL CHECK (credits > 0),
        unit_price INTEGER,
        amount INTEGER NOT NULL CHECK (amount >= 0),
        currency TEXT NOT NULL,
        provider TEXT NOT NULL,
        provider_ref TEXT,
        payment_url TEXT,
        status TEXT NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'refunded')),
        buyer TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        paid_at INTEGER,
        failed_at INTEGER,
        refunded_at INTEGER,
        failure_reason TEXT,
        grant_id TEXT,
        invoice_number TEXT,
        invoiced_at INTEGER
      ) STRICT;
      CREATE INDEX purchases_by_org ON purchases (org_id, created_at, id);
      -- A provider's payment belongs to one purchase: its webhooks find it by reference.
      CREATE UNIQUE INDEX purchases_by_provider_ref ON purchases (provider, provider_ref)
        WHERE provider_ref IS NOT NULL;
      CREATE UNIQUE INDEX purchases_by_invoice_number ON purchases (invoice_number)
        WHERE invoice_number IS NOT NULL;

      -- One row: the installation's next invoice number. It moves only in the transaction that
      -- gives the number to a purchase, so numbers have no gaps, and never goes back.
      CREATE TABLE invoice_counter (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        next INTEGER NOT NULL
      ) STRICT;
      INSERT INTO invoice_counter (id, next) VALUES (1, 1);

      -- Something to buy on a fresh installation; root edits or archives them.
      INSERT INTO plans (id, name, description, currency, price_per_credit, monthly_fee,
                         monthly_allowance, expires, created_at, updated_at, archived_at)
      VALUES
        ('payg', 'Pay as you go', 'No subscription: buy credits when you need them.', 'USD',
         3, 0, 0, 0, 0, 0, NULL),
        ('basic', 'Basic', '1,500 free credits every month and cheaper credits.', 'USD',
         2, 2900, 1500000000, 1, 0, 0, NULL),
        ('pro', 'Pro', '5,000 free credits every month and the lowest price per credit.', 'USD',
         1, 9900, 5000000000, 1, 0, 0, NULL);
      INSERT INTO packs (id, name, credits, price, currency, created_at, updated_at, archived_at)
      VALUES
        ('starter', 'Starter pack', 2500000000, 2500, 'USD', 0, 0, NULL),
        ('studio', 'Studio pack', 12000000000, 10000, 'USD', 0, 0, NULL);
    `,
  },
  {
    // The SQLite store's upsert moves a schedule's end itself; PostgreSQL needs a new
    // tally_commit. Kept so that both adapters count the same versions.
    version: 5,
    name: 'plan changes move schedules',
    sql: 'SELECT 1;',
  },
  {
    version: 6,
    name: 'org lifecycle',
    sql: `
      -- An org whose writes are refused until it is resumed; its credits and history stay.
      CREATE TABLE org_suspensions (
        org_id TEXT PRIMARY KEY REFERENCES orgs (id),
        suspended_at INTEGER NOT NULL,
        reason TEXT
      ) STRICT;
      -- Deleting an org removes its sessions by org.
      CREATE INDEX sessions_by_org ON sessions (org_id);
    `,
  },
  {
    version: 7,
    name: 'rollups',
    sql: `
      -- Usage per local day and value of a dimension (src/core/rollup.ts), kept with every write.
      CREATE TABLE usage_rollups (
        org_id TEXT NOT NULL,
        dimension TEXT NOT NULL,
        day TEXT NOT NULL,
        value TEXT NOT NULL,
        used INTEGER NOT NULL,
        usage_count INTEGER NOT NULL,
        failures INTEGER NOT NULL,
        refused INTEGER NOT NULL,
        refunded INTEGER NOT NULL,
        largest INTEGER NOT NULL,
        largest_id TEXT,
        PRIMARY KEY (org_id, dimension, day, value)
      ) STRICT, WITHOUT ROWID;

      -- One value's days (a project's timeline), or the values under a prefix (its features).
      CREATE INDEX usage_rollups_by_value ON usage_rollups (org_id, dimension, value, day);

      -- Entry amounts per local day, grant and type: statements and balances at any instant.
      CREATE TABLE entry_rollups (
        org_id TEXT NOT NULL,
        day TEXT NOT NULL,
        grant_id TEXT NOT NULL,
        type TEXT NOT NULL,
        kind TEXT NOT NULL,
        amount INTEGER NOT NULL,
        held INTEGER NOT NULL,
        PRIMARY KEY (org_id, day, grant_id, type)
      ) STRICT, WITHOUT ROWID;

      -- Orgs whose history predates rollups: built from their raw rows when the server starts.
      CREATE TABLE rollups_pending (org_id TEXT PRIMARY KEY) STRICT, WITHOUT ROWID;
      INSERT INTO rollups_pending SELECT id FROM orgs;
    `,
  },
];
