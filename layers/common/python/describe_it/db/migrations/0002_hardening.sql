-- Migration 0002: database hardening (corrections.md 18–22). Applied like 0001: one transaction, as
-- describeit_owner. Never edit this file once applied anywhere; add the next number instead.
-- (TEMP on the database is revoked in roles.sql: only the database owner may do that.)

-- ====================================================================================================
-- 18. SECURITY DEFINER functions: a fixed search_path with pg_temp last (a temporary object can then
--     never shadow one of ours), and EXECUTE only for the roles that call them.
-- ====================================================================================================

ALTER FUNCTION users_create_settings() SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION owns_list(uuid) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION can_read_list(uuid) SET search_path = pg_catalog, public, pg_temp;
ALTER FUNCTION vocabulary_lists_recount(uuid[]) SET search_path = pg_catalog, public, pg_temp;

-- A trigger fires without its caller holding EXECUTE on the trigger function: nobody needs it.
REVOKE EXECUTE ON FUNCTION users_create_settings() FROM PUBLIC;
-- Called by the vocabulary_items triggers, as whoever changed the items (a cascade runs as the owner).
REVOKE EXECUTE ON FUNCTION vocabulary_lists_recount(uuid[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION vocabulary_lists_recount(uuid[]) TO describeit_app, describeit_admin;
-- owns_list and can_read_list (the RLS policies): revoked from PUBLIC and granted to app and admin in 0001.

-- ====================================================================================================
-- 19. The app role reads users through a column grant without password_hash (the auth role keeps all).
-- ====================================================================================================

REVOKE SELECT ON users FROM describeit_app;
GRANT SELECT (id, email, username, full_name, avatar_url, email_verified_at, tier, role, status, time_zone,
              spanish_level, ui_language, failed_login_count, last_failed_login_at, locked_until,
              password_changed_at, last_login_at, last_active_at, created_at, updated_at)
  ON users TO describeit_app;

-- ====================================================================================================
-- 20. Public profiles: id and username only, behind a security barrier (the view runs with its owner's
--     rights, so no function in a caller's WHERE may see the rows it filters out first).
-- ====================================================================================================

DROP VIEW user_public_profiles;
CREATE VIEW user_public_profiles WITH (security_barrier) AS
  SELECT id, username FROM users WHERE status = 'active';
GRANT SELECT ON user_public_profiles TO describeit_app, describeit_admin;

-- ====================================================================================================
-- 21. Shared images: a user may fill a metadata column that is NULL; overwriting one is for the server
--     (provider data it fetched itself: it sets app.image_source = 'provider' in that transaction,
--     transaction-local like app.user_id) and for admins.
-- ====================================================================================================

CREATE FUNCTION images_guard_metadata() RETURNS trigger LANGUAGE plpgsql
  SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  col text;
  old_values jsonb := to_jsonb(OLD);
  new_values jsonb := to_jsonb(NEW);
BEGIN
  IF current_setting('app.image_source', true) = 'provider'
     OR pg_has_role(current_user, 'describeit_admin', 'USAGE') THEN
    RETURN NEW;
  END IF;
  FOREACH col IN ARRAY ARRAY['unsplash_id', 'thumbnail_url', 'description', 'alt_description', 'width', 'height',
                             'color', 'photographer_name', 'photographer_username', 'photographer_url'] LOOP
    IF old_values -> col <> 'null'::jsonb AND (old_values -> col) IS DISTINCT FROM (new_values -> col) THEN
      RAISE EXCEPTION 'images.% is already set; only provider data or an admin may change it', col
        USING ERRCODE = 'insufficient_privilege';
    END IF;
  END LOOP;
  RETURN NEW;
END $$;
REVOKE EXECUTE ON FUNCTION images_guard_metadata() FROM PUBLIC;
CREATE TRIGGER images_guard_metadata BEFORE UPDATE ON images
  FOR EACH ROW EXECUTE FUNCTION images_guard_metadata();

-- ====================================================================================================
-- 22. Tables added from here on: ENABLE and FORCE row level security, and the admin_all policy, e.g.
--       ALTER TABLE t ENABLE ROW LEVEL SECURITY; ALTER TABLE t FORCE ROW LEVEL SECURITY;
--       CREATE POLICY admin_all ON t TO describeit_admin USING (true) WITH CHECK (true);
--     tests/integration/db/test_rls.py fails on a table without them. The 0001 tables stay unforced:
--     their SECURITY DEFINER functions run as the owner and would stop seeing rows.
-- ====================================================================================================
