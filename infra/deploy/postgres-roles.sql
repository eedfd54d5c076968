-- Least-privilege roles for the hub's PostgreSQL database (docs/operations.md, "Database roles").
--
-- Run as a superuser, connected to the hub's database, twice on a new install and once
-- after every `hub db migrate`:
--   psql -v ON_ERROR_STOP=1 -d ketenhub -f infra/deploy/postgres-roles.sql   # roles, schema owner
--   HUB_DATABASE_URL=postgresql://ketenhub_owner@.../ketenhub hub db migrate  # tables, as the owner
--   psql -v ON_ERROR_STOP=1 -d ketenhub -f infra/deploy/postgres-roles.sql   # grants on those tables
-- It is idempotent: every run revokes the hub tables' privileges and grants exactly these.
-- Passwords are not set here: ALTER ROLE ketenhub_api PASSWORD '...' (or \password) afterwards.
--
--   ketenhub_owner    owns the schema and every table: migrations, and the operator commands
--                     (hub org, hub keys rotate|shred, hub retention run, hub backup reapply-shreds)
--   ketenhub_api      `hub serve` with HUB_CREATE_TABLES=false: appends events and log entries,
--                     never UPDATEs or DELETEs them
--   ketenhub_auditor  reads the access log, the tree heads, the parties and the shred list

DO $$
DECLARE
  r text;
BEGIN
  FOREACH r IN ARRAY ARRAY['ketenhub_owner', 'ketenhub_api', 'ketenhub_auditor'] LOOP
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = r) THEN
      EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT', r);
    END IF;
  END LOOP;
  EXECUTE format('REVOKE ALL ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO ketenhub_owner, ketenhub_api, ketenhub_auditor',
                 current_database());
END $$;

-- Only the owner creates objects; the others may only look the schema up.
ALTER SCHEMA public OWNER TO ketenhub_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO ketenhub_api, ketenhub_auditor;

-- Start from nothing on every table (the tables are the owner's: `hub db migrate` as ketenhub_owner).
DO $$
DECLARE
  t text;
BEGIN
  FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'hub\_%' LOOP
    EXECUTE format('REVOKE ALL ON TABLE public.%I FROM PUBLIC, ketenhub_api, ketenhub_auditor', t);
  END LOOP;
END $$;

-- The grants, table by table. A table the hub creates must be named here (tests/ops/test_roles.py
-- fails otherwise), so that what each role may do to it is a decision, not a default.
DO $$
DECLARE
  g record;
BEGIN
  FOR g IN SELECT * FROM (VALUES
    -- Events and snapshots (eventsourcing's tables for the application named "Hub"): append only.
    ('hub_events',       'SELECT, INSERT',                      'ketenhub_api'),
    ('hub_snapshots',    'SELECT, INSERT',                      'ketenhub_api'),
    -- The access log and its signed tree heads: append only. The state row (size, last hash,
    -- Merkle frontier) is the one row the API must update on every append.
    ('hub_access_log',   'SELECT, INSERT',                      'ketenhub_api'),
    ('hub_tree_heads',   'SELECT, INSERT',                      'ketenhub_api'),
    ('hub_access_state', 'SELECT, INSERT, UPDATE',              'ketenhub_api'),
    -- The record directory: new rows, and `changed_at` moved by every later event (retention).
    -- Table-level UPDATE also lets the API take the EXCLUSIVE lock that orders feed sequence numbers.
    ('hub_directory',    'SELECT, INSERT, UPDATE',              'ketenhub_api'),
    ('hub_idempotency',  'SELECT, INSERT',                      'ketenhub_api'),
    -- The involvement register: new rows, and `until` set when an inschrijving ends (history is kept).
    ('hub_involvement',  'SELECT, INSERT, UPDATE (until)',      'ketenhub_api'),
    ('hub_nonces',       'SELECT, INSERT, DELETE',              'ketenhub_api'),
    -- Keys: a new pupil's data key (and a purpose's first key) is made by the push that needs it.
    -- UPDATE on created_at only, because `SELECT ... FOR SHARE` (a push pins its data key against
    -- a shred, and a new key's purpose key against a rotation) needs UPDATE on some column; the
    -- wrapped keys themselves cannot be changed.
    ('hub_data_keys',    'SELECT, INSERT, UPDATE (created_at)', 'ketenhub_api'),
    ('hub_purpose_keys', 'SELECT, INSERT, UPDATE (created_at)', 'ketenhub_api'),
    ('hub_key_ids',      'SELECT',                              'ketenhub_api'),
    ('hub_shredded',     'SELECT',                              'ketenhub_api'),
    ('hub_meta',         'SELECT',                              'ketenhub_api'),
    -- The schema's revision (Alembic's version table): the API refuses to start unless it is the head.
    ('hub_alembic_version', 'SELECT',                           'ketenhub_api'),
    -- Parties are registered by operators (hub org ...); the API only reads them.
    ('hub_orgs',         'SELECT',                              'ketenhub_api'),
    ('hub_org_keys',     'SELECT',                              'ketenhub_api'),
    ('hub_swv_schools',  'SELECT',                              'ketenhub_api'),
    -- The auditor: the log, its heads, who the parties are, and which keys were destroyed when.
    ('hub_access_log',   'SELECT',                              'ketenhub_auditor'),
    ('hub_access_state', 'SELECT',                              'ketenhub_auditor'),
    ('hub_tree_heads',   'SELECT',                              'ketenhub_auditor'),
    ('hub_orgs',         'SELECT',                              'ketenhub_auditor'),
    ('hub_org_keys',     'SELECT',                              'ketenhub_auditor'),
    ('hub_shredded',     'SELECT',                              'ketenhub_auditor')
  ) AS v(tbl, privs, grantee) LOOP
    IF to_regclass('public.' || g.tbl) IS NOT NULL THEN
      EXECUTE format('GRANT %s ON TABLE public.%I TO %I', g.privs, g.tbl, g.grantee);
    END IF;
  END LOOP;
  IF to_regclass('public.hub_events_notification_id_seq') IS NOT NULL THEN
    GRANT USAGE ON SEQUENCE public.hub_events_notification_id_seq TO ketenhub_api;
  END IF;
END $$;

-- eventsourcing serialises event inserts with LOCK TABLE hub_events IN EXCLUSIVE MODE, and
-- PostgreSQL lets a role take that lock only with UPDATE, DELETE, TRUNCATE or (from 17) MAINTAIN.
-- From 17 the API gets MAINTAIN; before, it gets TRUNCATE, and a trigger owned by the owner
-- refuses every TRUNCATE of the table. UPDATE and DELETE stay refused by the grants themselves.
CREATE OR REPLACE FUNCTION public.hub_refuse_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'permission denied: % is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
END $$;
ALTER FUNCTION public.hub_refuse_truncate() OWNER TO ketenhub_owner;
REVOKE ALL ON FUNCTION public.hub_refuse_truncate() FROM PUBLIC;

DO $$
BEGIN
  IF to_regclass('public.hub_events') IS NULL THEN
    RETURN;
  END IF;
  DROP TRIGGER IF EXISTS hub_events_append_only ON public.hub_events;
  CREATE TRIGGER hub_events_append_only BEFORE TRUNCATE ON public.hub_events
    FOR EACH STATEMENT EXECUTE FUNCTION public.hub_refuse_truncate();
  IF current_setting('server_version_num')::int >= 170000 THEN
    EXECUTE 'GRANT MAINTAIN ON TABLE public.hub_events TO ketenhub_api';
  ELSE
    GRANT TRUNCATE ON TABLE public.hub_events TO ketenhub_api;
  END IF;
END $$;
