-- Operator bootstrap (schema.md §1, first block): the four database roles and their rights on this
-- database. Run by the connecting admin (the RDS master user, or a local superuser) before the first
-- migration, and again on every deploy: every statement here is idempotent.
--
-- describeit_owner: owns all objects, used by migrations only; RLS is ENABLED (not forced), so it is exempt.
-- describeit_app:   every user-facing API function and the export worker (RLS: own rows, public/shared content).
-- describeit_auth:  /api/auth/* and the email sender (users, auth tables, outbox; nothing else).
-- describeit_admin: admin routes and the maintenance cron; sees all rows through explicit admin_all policies
--                   (no BYPASSRLS: granting it needs a true superuser, which RDS does not provide).
-- Passwords are not set here: the runner sets them from the role secrets (bootstrap_roles).
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'describeit_owner') THEN CREATE ROLE describeit_owner NOLOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'describeit_app')   THEN CREATE ROLE describeit_app LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'describeit_auth')  THEN CREATE ROLE describeit_auth LOGIN; END IF;
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'describeit_admin') THEN CREATE ROLE describeit_admin LOGIN; END IF;
END $$;

-- The migration runner connects as the admin and switches with SET ROLE describeit_owner, so that every
-- object it creates is owned by describeit_owner. The RDS master user is not a superuser: it needs an
-- explicit membership (on PostgreSQL 16+ the creator's automatic grant has neither SET nor INHERIT).
-- Granting an existing membership again only raises a notice.
GRANT describeit_owner TO CURRENT_USER;

-- role-level defaults instead of per-session SET (a session SET pins RDS Proxy connections)
ALTER ROLE describeit_app   SET statement_timeout = '5s';
ALTER ROLE describeit_app   SET idle_in_transaction_session_timeout = '10s';
ALTER ROLE describeit_auth  SET statement_timeout = '5s';
ALTER ROLE describeit_admin SET statement_timeout = '60s';

-- CREATE on the database lets the owner install the trusted extensions (citext, unaccent, pg_trgm).
DO $$ BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO describeit_owner', current_database()); END $$;
GRANT CREATE, USAGE ON SCHEMA public TO describeit_owner;
GRANT USAGE ON SCHEMA public TO describeit_app, describeit_auth, describeit_admin;

-- No temporary objects for the service's roles (correction 18): TEMP comes to everyone through PUBLIC, and
-- a temporary table or function is the classic way to shadow a name a SECURITY DEFINER function uses.
-- Nobody gets it back: nothing here needs temporary tables. Revoking needs the database owner (the RDS
-- master user, or the local superuser), which is who runs this file.
DO $$ BEGIN
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
  EXECUTE format('REVOKE TEMPORARY ON DATABASE %I FROM describeit_owner, describeit_app, describeit_auth, describeit_admin',
                 current_database());
END $$;
