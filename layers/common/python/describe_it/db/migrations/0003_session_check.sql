-- Correction 8: DynamoDB's revoked#<sid> items are a cache; the truth about a session is its refresh-token
-- family in auth_refresh_tokens. When DynamoDB is unreachable, the access-token check asks this function
-- instead. Every function's role may call it (only the auth role can read the table itself), and it says
-- nothing but "is this family still signed in".
-- (0002 is another change's number; the runner applies files in order whatever the gaps.)
CREATE FUNCTION session_is_live(p_family uuid) RETURNS boolean
  LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  RETURN EXISTS (SELECT FROM public.auth_refresh_tokens t WHERE t.family_id = p_family AND t.revoked_at IS NULL);

REVOKE EXECUTE ON FUNCTION session_is_live(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION session_is_live(uuid) TO describeit_app, describeit_auth, describeit_admin;
