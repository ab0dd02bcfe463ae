/**
 * PostgreSQL schema migrations, applied in order at start under an advisory lock, so that several
 * servers starting at once apply each exactly once. Never edit a migration that has shipped: add
 * the next one. Instants are milliseconds and amounts micro-credits, both `bigint`, as in SQLite.
 */
import type { Migration } from '../migration.js';

/**
 * `tally_commit(batch)` applies one server's batch of decided writes in one statement, so that no
 * lock is held across a network round trip. Each org in the batch names the version its writes
 * were decided on; an org whose version moved since (another server wrote), or one of whose
 * idempotency keys was stored meanwhile, is left out and returned, and its writes are decided
 * again. The others are applied. When the prices it was decided with are no longer current, nothing
 * is applied and the answer is null. Orgs arrive sorted by id, so that two servers lock in the same
 * order and never deadlock.
 */
/** The rule for a day's largest charge: `isLarger` of src/core/rollup.ts, in SQL. */
const LARGER = `(r.largest_id IS NULL OR (excluded.largest_id IS NOT NULL AND
  (excluded.largest > r.largest OR (excluded.largest = r.largest AND excluded.largest_id < r.largest_id))))`;

const COMMIT_FUNCTION_V1 = `
CREATE FUNCTION tally_commit(batch jsonb) RETURNS text[] LANGUAGE plpgsql AS $fn$
DECLARE
  item jsonb;
  target text;
  expected bigint;
  conflicted text[] := '{}';
BEGIN
  IF (SELECT value FROM tally_meta WHERE name = 'prices_version')
     IS DISTINCT FROM (batch->>'pricesVersion')::bigint THEN
    RETURN NULL; -- prices changed: the whole batch is decided again
  END IF;

  FOR item IN SELECT value FROM jsonb_array_elements(batch->'orgs') LOOP
    target := item->>'id';
    expected := (item->>'expected')::bigint;
    IF EXISTS (SELECT 1 FROM stored_responses
               WHERE org_id = target AND key IN (SELECT jsonb_array_elements_text(item->'keys'))) THEN
      conflicted := conflicted || target;
    ELSIF expected IS NULL AND item->'org' = 'null'::jsonb THEN
      IF EXISTS (SELECT 1 FROM orgs WHERE id = target) THEN conflicted := conflicted || target; END IF;
    ELSIF expected IS NULL THEN
      INSERT INTO orgs (id, name, time_zone, plan, created_at, clock, version)
      VALUES (target, item->'org'->>'name', item->'org'->>'time_zone', item->'org'->>'plan',
              (item->'org'->>'created_at')::bigint, (item->'org'->>'clock')::bigint, 1)
      ON CONFLICT (id) DO NOTHING;
      IF NOT FOUND THEN conflicted := conflicted || target; END IF;
    ELSIF item->'org' = 'null'::jsonb THEN
      IF NOT EXISTS (SELECT 1 FROM orgs WHERE id = target AND version = expected) THEN
        conflicted := conflicted || target;
      END IF;
    ELSE
      UPDATE orgs SET clock = (item->'org'->>'clock')::bigint, version = version + 1
      WHERE id = target AND version = expected;
      IF NOT FOUND THEN conflicted := conflicted || target; END IF;
    END IF;
  END LOOP;

  INSERT INTO grants (id, org_id, kind, amount, remaining, held, effective_at, expires_at, priority,
                      note, schedule_id, live)
  SELECT id, org_id, kind, amount, remaining, held, effective_at, expires_at, priority, note,
         schedule_id, remaining > 0
  FROM jsonb_to_recordset(batch->'grants') AS row (id text, org_id text, kind text, amount bigint,
       remaining bigint, held bigint, effective_at bigint, expires_at bigint, priority integer,
       note text, schedule_id text)
  WHERE org_id <> ALL (conflicted)
  ON CONFLICT (id) DO UPDATE SET remaining = excluded.remaining, held = excluded.held,
                                 live = excluded.live;

  INSERT INTO schedules (id, org_id, kind, credits, priority, note, next_at, end_at)
  SELECT id, org_id, kind, credits, priority, note, next_at, end_at
  FROM jsonb_to_recordset(batch->'schedules') AS row (id text, org_id text, kind text,
       credits bigint, priority integer, note text, next_at bigint, end_at bigint)
  WHERE org_id <> ALL (conflicted)
  ON CONFLICT (id) DO UPDATE SET next_at = excluded.next_at;

  INSERT INTO holds (id, org_id, status, feature, quantities, credits, reservations, created_at,
                     expires_at, resolved_at, charge_id, "user", project, model, note, metadata)
  SELECT id, org_id, status, feature, quantities, credits, reservations, created_at, expires_at,
         resolved_at, charge_id, "user", project, model, note, metadata
  FROM jsonb_to_recordset(batch->'holds') AS row (id text, org_id text, status text, feature text,
       quantities text, credits bigint, reservations text, created_at bigint, expires_at bigint,
       resolved_at bigint, charge_id text, "user" text, project text, model text, note text,
       metadata text)
  WHERE org_id <> ALL (conflicted)
  ON CONFLICT (id) DO UPDATE SET status = excluded.status, resolved_at = excluded.resolved_at,
                                 charge_id = excluded.charge_id;

  INSERT INTO transactions (org_id, at, id, type, status, feature, credits, held, balance_after,
                            "user", project, model, quantities, draws, note, metadata, hold_id,
                            charge_id, reason)
  SELECT org_id, at, id, type, status, feature, credits, held, balance_after, "user", project,
         model, quantities, draws, note, metadata, hold_id, charge_id, reason
  FROM jsonb_to_recordset(batch->'transactions') AS row (org_id text, at bigint, id text,
       type text, status text, feature text, credits bigint, held bigint, balance_after bigint,
       "user" text, project text, model text, quantities text, draws text, note text,
       metadata text, hold_id text, charge_id text, reason text)
  WHERE org_id <> ALL (conflicted);

  INSERT INTO entries (org_id, at, transaction_id, line, grant_id, kind, type, amount, held)
  SELECT org_id, at, transaction_id, line, grant_id, kind, type, amount, held
  FROM jsonb_to_recordset(batch->'entries') AS row (org_id text, at bigint, transaction_id text,
       line integer, grant_id text, kind text, type text, amount bigint, held bigint)
  WHERE org_id <> ALL (conflicted);

  INSERT INTO stored_responses (org_id, key, request_hash, response, created_at)
  SELECT org_id, key, request_hash, response, created_at
  FROM jsonb_to_recordset(batch->'stored') AS row (org_id text, key text, request_hash text,
       response text, created_at bigint)
  WHERE org_id <> ALL (conflicted);

  RETURN conflicted;
END
$fn$;
`;

/** Version 3 of `tally_commit`: version 1 that also writes projects and allowances. */
const COMMIT_FUNCTION_V3 = COMMIT_FUNCTION_V1.replace(
  'CREATE FUNCTION',
  'CREATE OR REPLACE FUNCTION',
).replace(
  '  INSERT INTO stored_responses',
  `  INSERT INTO projects (org_id, id, name, created_at, archived_at, budget_credits, budget_period,
                        budget_window_start, budget_used)
  SELECT org_id, id, name, created_at, archived_at, budget_credits, budget_period,
         budget_window_start, budget_used
  FROM jsonb_to_recordset(batch->'projects') AS row (org_id text, id text, name text,
       created_at bigint, archived_at bigint, budget_credits bigint, budget_period text,
       budget_window_start bigint, budget_used bigint)
  WHERE org_id <> ALL (conflicted)
  ON CONFLICT (org_id, id) DO UPDATE SET name = excluded.name, archived_at = excluded.archived_at,
    budget_credits = excluded.budget_credits, budget_period = excluded.budget_period,
    budget_window_start = excluded.budget_window_start, budget_used = excluded.budget_used;

  INSERT INTO allowances (org_id, "user", credits, period, window_start, used, created_at,
                          removed_at)
  SELECT org_id, "user", credits, period, window_start, used, created_at, removed_at
  FROM jsonb_to_recordset(batch->'allowances') AS row (org_id text, "user" text, credits bigint,
       period text, window_start bigint, used bigint, created_at bigint, removed_at bigint)
  WHERE org_id <> ALL (conflicted)
  ON CONFLICT (org_id, "user") DO UPDATE SET credits = excluded.credits, period = excluded.period,
    window_start = excluded.window_start, used = excluded.used, created_at = excluded.created_at,
    removed_at = excluded.removed_at;

  INSERT INTO stored_responses`,
);

/** Version 5 of `tally_commit`: version 3 that also moves a schedule's end (a plan change). */
const COMMIT_FUNCTION_V5 = COMMIT_FUNCTION_V3.replace(
  'ON CONFLICT (id) DO UPDATE SET next_at = excluded.next_at;',
  'ON CONFLICT (id) DO UPDATE SET next_at = excluded.next_at, end_at = excluded.end_at;',
);
if (COMMIT_FUNCTION_V5 === COMMIT_FUNCTION_V3) throw new Error('tally_commit v5 did not apply');

/**
 * Version 7 of `tally_commit`: version 5 that also adds the batch's rollups (src/core/rollup.ts),
 * summed per key by the server, to the org's day rollups in the same transaction.
 */
const COMMIT_FUNCTION_V7 = COMMIT_FUNCTION_V5.replace(
  '  INSERT INTO stored_responses',
  `  INSERT INTO usage_rollups AS r (org_id, dimension, day, value, used, usage_count, failures,
                                  refused, refunded, largest, largest_id)
  SELECT org_id, dimension, day, value, used, usage_count, failures, refused, refunded, largest,
         largest_id
  FROM jsonb_to_recordset(batch->'usage_rollups') AS row (org_id text, dimension text, day text,
       value text, used bigint, usage_count bigint, failures bigint, refused bigint,
       refunded bigint, largest bigint, largest_id text)
  WHERE org_id <> ALL (conflicted)
  ON CONFLICT (org_id, dimension, day, value) DO UPDATE SET
    used = r.used + excluded.used,
    usage_count = r.usage_count + excluded.usage_count,
    failures = r.failures + excluded.failures,
    refused = r.refused + excluded.refused,
    refunded = r.refunded + excluded.refunded,
    largest = CASE WHEN ${LARGER} THEN excluded.largest ELSE r.largest END,
    largest_id = CASE WHEN ${LARGER} THEN excluded.largest_id ELSE r.largest_id END;

  INSERT INTO entry_rollups AS r (org_id, day, grant_id, type, kind, amount, held)
  SELECT org_id, day, grant_id, type, kind, amount, held
  FROM jsonb_to_recordset(batch->'entry_rollups') AS row (org_id text, day text, grant_id text,
       type text, kind text, amount bigint, held bigint)
  WHERE org_id <> ALL (conflicted)
  ON CONFLICT (org_id, day, grant_id, type) DO UPDATE SET
    amount = r.amount + excluded.amount, held = r.held + excluded.held;

  INSERT INTO stored_responses`,
);
if (COMMIT_FUNCTION_V7 === COMMIT_FUNCTION_V5) throw new Error('tally_commit v7 did not apply');

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'ledger',
    sql: `
      CREATE TABLE orgs (
        id text PRIMARY KEY,
        name text NOT NULL,
        time_zone text NOT NULL,
        plan text,
        created_at bigint NOT NULL,
        clock bigint NOT NULL,
        -- Moves with every write to the org: writes are decided on one version and commit only
        -- if it is still the current one.
        version bigint NOT NULL
      );

      CREATE TABLE grants (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES orgs (id),
        kind text NOT NULL,
        amount bigint NOT NULL CHECK (amount > 0),
        remaining bigint NOT NULL CHECK (remaining >= 0),
        held bigint NOT NULL CHECK (held >= 0 AND held <= remaining),
        effective_at bigint NOT NULL,
        expires_at bigint,
        priority integer NOT NULL,
        note text,
        schedule_id text,
        live boolean NOT NULL
      );
      CREATE INDEX grants_by_org ON grants (org_id, effective_at);
      CREATE INDEX grants_live ON grants (org_id) WHERE live;

      CREATE TABLE schedules (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES orgs (id),
        kind text NOT NULL,
        credits bigint NOT NULL,
        priority integer NOT NULL,
        note text,
        next_at bigint NOT NULL,
        end_at bigint
      );
      CREATE INDEX schedules_by_org ON schedules (org_id);

      CREATE TABLE holds (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES orgs (id),
        status text NOT NULL,
        feature text NOT NULL,
        quantities text,
        credits bigint NOT NULL,
        reservations text NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL,
        resolved_at bigint,
        charge_id text,
        "user" text,
        project text,
        model text,
        note text,
        metadata text
      );
      CREATE INDEX holds_pending ON holds (org_id) WHERE status = 'pending';

      CREATE TABLE transactions (
        org_id text NOT NULL REFERENCES orgs (id),
        at bigint NOT NULL,
        id text NOT NULL UNIQUE,
        type text NOT NULL,
        status text NOT NULL,
        feature text,
        credits bigint NOT NULL,
        held bigint NOT NULL,
        balance_after bigint NOT NULL,
        "user" text,
        project text,
        model text,
        quantities text,
        draws text NOT NULL,
        note text,
        metadata text,
        hold_id text,
        charge_id text,
        reason text,
        PRIMARY KEY (org_id, at, id)
      );
      CREATE INDEX transactions_by_charge ON transactions (charge_id) WHERE charge_id IS NOT NULL;

      CREATE TABLE entries (
        org_id text NOT NULL,
        at bigint NOT NULL,
        transaction_id text NOT NULL,
        line integer NOT NULL,
        grant_id text NOT NULL,
        kind text NOT NULL,
        type text NOT NULL,
        amount bigint NOT NULL,
        held bigint NOT NULL,
        PRIMARY KEY (org_id, at, transaction_id, line)
      );

      CREATE TABLE price_versions (
        feature_id text NOT NULL,
        effective_at bigint NOT NULL,
        name text NOT NULL,
        lines text NOT NULL,
        PRIMARY KEY (feature_id, effective_at)
      );

      CREATE TABLE stored_responses (
        org_id text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        response text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (org_id, key)
      );
      CREATE INDEX stored_responses_by_age ON stored_responses (created_at);

      -- Installation-wide counters; prices_version moves with every price change, so that a
      -- server pricing with an old list finds out at commit.
      CREATE TABLE tally_meta (name text PRIMARY KEY, value bigint NOT NULL);
      INSERT INTO tally_meta (name, value) VALUES ('prices_version', 0);
      ${COMMIT_FUNCTION_V1}
    `,
  },
  {
    version: 2,
    name: 'access',
    sql: `
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES orgs (id),
        name text NOT NULL,
        role text NOT NULL,
        prefix text NOT NULL,
        secret_hash text NOT NULL UNIQUE,
        created_at bigint NOT NULL,
        last_used_at bigint,
        revoked_at bigint
      );
      CREATE INDEX api_keys_by_org ON api_keys (org_id);

      CREATE TABLE members (
        id text PRIMARY KEY,
        org_id text NOT NULL REFERENCES orgs (id),
        email text NOT NULL,
        name text NOT NULL,
        role text NOT NULL,
        password_hash text NOT NULL,
        created_at bigint NOT NULL,
        UNIQUE (org_id, email)
      );
      CREATE INDEX members_by_email ON members (email);

      CREATE TABLE sessions (
        id text PRIMARY KEY,
        member_id text NOT NULL REFERENCES members (id) ON DELETE CASCADE,
        org_id text NOT NULL,
        secret_hash text NOT NULL UNIQUE,
        csrf_token text NOT NULL,
        created_at bigint NOT NULL,
        expires_at bigint NOT NULL
      );
      CREATE INDEX sessions_by_expiry ON sessions (expires_at);

      CREATE TABLE http_responses (
        scope text NOT NULL,
        key text NOT NULL,
        request_hash text NOT NULL,
        status integer NOT NULL,
        body text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (scope, key)
      );
      CREATE INDEX http_responses_by_age ON http_responses (created_at);
    `,
  },
  {
    version: 3,
    name: 'projects and allowances',
    sql: `
      -- Budgets and allowances count what was spent in their current window (window_start).
      CREATE TABLE projects (
        org_id text NOT NULL REFERENCES orgs (id),
        id text NOT NULL,
        name text NOT NULL,
        created_at bigint NOT NULL,
        archived_at bigint,
        budget_credits bigint,
        budget_period text,
        budget_window_start bigint,
        budget_used bigint,
        PRIMARY KEY (org_id, id)
      );

      CREATE TABLE allowances (
        org_id text NOT NULL REFERENCES orgs (id),
        "user" text NOT NULL,
        credits bigint NOT NULL,
        period text NOT NULL,
        window_start bigint NOT NULL,
        used bigint NOT NULL,
        created_at bigint NOT NULL,
        removed_at bigint,
        PRIMARY KEY (org_id, "user")
      );
      ${COMMIT_FUNCTION_V3}
    `,
  },
  {
    version: 4,
    name: 'billing',
    sql: `
      -- Money is in minor units of the row's currency (cents for USD), credits in micro-credits.
      CREATE TABLE plans (
        id text PRIMARY KEY,
        name text NOT NULL,
        description text NOT NULL,
        currency text NOT NULL,
        price_per_credit bigint NOT NULL CHECK (price_per_credit >= 0),
        monthly_fee bigint NOT NULL CHECK (monthly_fee >= 0),
        monthly_allowance bigint NOT NULL CHECK (monthly_allowance >= 0),
        expires boolean NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        archived_at bigint
      );

      CREATE TABLE packs (
        id text PRIMARY KEY,
        name text NOT NULL,
        credits bigint NOT NULL CHECK (credits > 0),
        price bigint NOT NULL CHECK (price >= 0),
        currency text NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        archived_at bigint
      );

      -- No foreign key to orgs here or in purchases: billing is a port of its own, and each store
      -- removes its part of an org. id keeps two lines that start at the same instant in the
      -- order they were added.
      CREATE TABLE plan_changes (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id text NOT NULL,
        plan_id text NOT NULL REFERENCES plans (id),
        starts_at bigint NOT NULL,
        decided_at bigint NOT NULL,
        decided_by text
      );
      CREATE INDEX plan_changes_by_org ON plan_changes (org_id, starts_at);

      CREATE TABLE purchases (
        id text PRIMARY KEY,
        org_id text NOT NULL,
        pack_id text REFERENCES packs (id),
        description text NOT NULL,
        credits bigint NOT NULL CHECK (credits > 0),
        unit_price bigint,
        amount bigint NOT NULL CHECK (amount >= 0),
        currency text NOT NULL,
        provider text NOT NULL,
        provider_ref text,
        payment_url text,
        status text NOT NULL CHECK (status IN ('pending', 'paid', 'failed', 'refunded')),
        buyer text NOT NULL,
        created_at bigint NOT NULL,
        paid_at bigint,
        failed_at bigint,
        refunded_at bigint,
        failure_reason text,
        grant_id text,
        invoice_number text,
        invoiced_at bigint
      );
      CREATE INDEX purchases_by_org ON purchases (org_id, created_at, id);
      -- A provider's payment belongs to one purchase: its webhooks find it by reference.
      CREATE UNIQUE INDEX purchases_by_provider_ref ON purchases (provider, provider_ref)
        WHERE provider_ref IS NOT NULL;
      CREATE UNIQUE INDEX purchases_by_invoice_number ON purchases (invoice_number)
        WHERE invoice_number IS NOT NULL;

      -- One row: the installation's next invoice number. It moves only in the transaction that
      -- gives the number to a purchase (a sequence would leave gaps on rollback), and never goes
      -- back.
      CREATE TABLE invoice_counter (
        id integer PRIMARY KEY CHECK (id = 1),
        next bigint NOT NULL
      );
      INSERT INTO invoice_counter (id, next) VALUES (1, 1);

      -- Something to buy on a fresh installation; root edits or archives them.
      INSERT INTO plans (id, name, description, currency, price_per_credit, monthly_fee,
                         monthly_allowance, expires, created_at, updated_at, archived_at)
      VALUES
        ('payg', 'Pay as you go', 'No subscription: buy credits when you need them.', 'USD',
         3, 0, 0, false, 0, 0, NULL),
        ('basic', 'Basic', '1,500 free credits every month and cheaper credits.', 'USD',
         2, 2900, 1500000000, true, 0, 0, NULL),
        ('pro', 'Pro', '5,000 free credits every month and the lowest price per credit.', 'USD',
         1, 9900, 5000000000, true, 0, 0, NULL);
      INSERT INTO packs (id, name, credits, price, currency, created_at, updated_at, archived_at)
      VALUES
        ('starter', 'Starter pack', 2500000000, 2500, 'USD', 0, 0, NULL),
        ('studio', 'Studio pack', 12000000000, 10000, 'USD', 0, 0, NULL);
    `,
  },
  {
    version: 5,
    name: 'plan changes move schedules',
    sql: COMMIT_FUNCTION_V5,
  },
  {
    version: 6,
    name: 'org lifecycle',
    sql: `
      -- An org whose writes are refused until it is resumed; its credits and history stay.
      CREATE TABLE org_suspensions (
        org_id text PRIMARY KEY REFERENCES orgs (id),
        suspended_at bigint NOT NULL,
        reason text
      );
      -- Deleting an org removes its sessions by org.
      CREATE INDEX sessions_by_org ON sessions (org_id);
    `,
  },
  {
    version: 7,
    name: 'rollups',
    sql:
      `
      -- Usage per local day and value of a dimension (src/core/rollup.ts), kept with every write.
      -- Days and values compare byte-wise, whatever the database's collation.
      CREATE TABLE usage_rollups (
        org_id text NOT NULL,
        dimension text NOT NULL,
        day text COLLATE "C" NOT NULL,
        value text COLLATE "C" NOT NULL,
        used bigint NOT NULL,
        usage_count bigint NOT NULL,
        failures bigint NOT NULL,
        refused bigint NOT NULL,
        refunded bigint NOT NULL,
        largest bigint NOT NULL,
        largest_id text COLLATE "C",
        PRIMARY KEY (org_id, dimension, day, value)
      );

      -- One value's days (a project's timeline), or the values under a prefix (its features).
      CREATE INDEX usage_rollups_by_value ON usage_rollups (org_id, dimension, value, day);

      -- Entry amounts per local day, grant and type: statements and balances at any instant.
      CREATE TABLE entry_rollups (
        org_id text NOT NULL,
        day text COLLATE "C" NOT NULL,
        grant_id text NOT NULL,
        type text NOT NULL,
        kind text NOT NULL,
        amount bigint NOT NULL,
        held bigint NOT NULL,
        PRIMARY KEY (org_id, day, grant_id, type)
      );

      -- Orgs whose history predates rollups: built from their raw rows when a server starts.
      CREATE TABLE rollups_pending (org_id text PRIMARY KEY);
      INSERT INTO rollups_pending SELECT id FROM orgs;
    ` + COMMIT_FUNCTION_V7,
  },
];
