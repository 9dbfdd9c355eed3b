-- 0005: saved descriptions, Q&A answers and the search of descriptions (issue 11, items 2–4).
--   1. Per-command write policies on saved_descriptions, so a read is filtered by its read policy only.
--   2. Keyset indexes for the pages of saved descriptions and answers (newest first, ties by id).
--   3. search_descriptions(): full text over both languages with index use under row-level security.
-- Applied like every migration: one transaction, as describeit_owner. Never edit once applied.

-- ====================================================================================================
-- 1. saved_descriptions: read own + public, write own (schema.md §7), written per command
-- ====================================================================================================
-- The 0001 write policy was FOR ALL, so every SELECT was filtered by
-- (user_id = me OR is_public) OR (user_id = me): the same rows, a longer filter on every read.
DROP POLICY app_write ON saved_descriptions;
CREATE POLICY app_insert ON saved_descriptions FOR INSERT TO describeit_app WITH CHECK (user_id = app_user_id());
CREATE POLICY app_update ON saved_descriptions FOR UPDATE TO describeit_app
  USING (user_id = app_user_id()) WITH CHECK (user_id = app_user_id());
CREATE POLICY app_delete ON saved_descriptions FOR DELETE TO describeit_app USING (user_id = app_user_id());

-- ====================================================================================================
-- 2. Keyset pages
-- ====================================================================================================
-- A page continues after (created_at, id) of the last row; with the id in the index that row
-- comparison is an index condition, so page 50 reads one page of index, not 50.
CREATE INDEX saved_descriptions_user_created_id_idx ON saved_descriptions (user_id, created_at DESC, id DESC);
DROP INDEX saved_descriptions_user_created_idx;
-- (0006 replaced the plain (user_id, answered_at) index with a covering one for the aggregates; pages
-- need the id in the key.)
CREATE INDEX qa_responses_user_answered_id_idx ON qa_responses (user_id, answered_at DESC, id DESC);

-- ====================================================================================================
-- 3. Search of saved descriptions (api.md §12)
-- ====================================================================================================
-- As for search_vocabulary() (0004): under row-level security the planner may not use @@ (not
-- leakproof) as an index condition ahead of the policy, so every search scanned the table. This runs
-- the match as the owner, with the read policy written out (own rows, public rows; app_user_id() is
-- the caller's), so the two GIN indexes of 0001 serve it. It returns one page of ids, ranks and the
-- language that matched; the caller reads the rows back through row-level security.
CREATE FUNCTION search_descriptions(p_q text, p_scope text, p_style description_style, p_favorite boolean,
                                    p_after_score double precision, p_after_id uuid, p_limit integer,
                                    p_offset integer)
  RETURNS TABLE (id uuid, score double precision, matched_on text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  WITH hits AS (
    SELECT d.id,
           (ts_rank(to_tsvector('spanish_unaccent', d.spanish_description),
                    websearch_to_tsquery('spanish_unaccent', p_q))
            + ts_rank(to_tsvector('english_unaccent', d.english_description),
                      websearch_to_tsquery('english_unaccent', p_q)))::float8 AS score,
           CASE WHEN to_tsvector('spanish_unaccent', d.spanish_description)
                     @@ websearch_to_tsquery('spanish_unaccent', p_q) THEN 'spanish'
                ELSE 'english' END AS matched_on
      FROM public.saved_descriptions d
     WHERE (to_tsvector('spanish_unaccent', d.spanish_description) @@ websearch_to_tsquery('spanish_unaccent', p_q)
            OR to_tsvector('english_unaccent', d.english_description) @@ websearch_to_tsquery('english_unaccent', p_q))
       AND (d.user_id = public.app_user_id() OR d.is_public)
       AND CASE p_scope WHEN 'mine' THEN d.user_id = public.app_user_id()
                        WHEN 'public' THEN d.is_public
                        ELSE false END
       AND (p_style IS NULL OR d.style = p_style)
       -- whether someone else marked a row as a favourite is theirs to know: own rows only
       AND (p_favorite IS NULL OR (d.user_id = public.app_user_id() AND d.is_favorite = p_favorite)))
  SELECT h.id, h.score, h.matched_on FROM hits h
   WHERE p_after_score IS NULL OR h.score < p_after_score OR (h.score = p_after_score AND h.id > p_after_id)
   ORDER BY h.score DESC, h.id
   LIMIT p_limit OFFSET p_offset
$$;
REVOKE EXECUTE ON FUNCTION search_descriptions(text, text, description_style, boolean, double precision, uuid,
  integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_descriptions(text, text, description_style, boolean, double precision, uuid,
  integer, integer) TO describeit_app;
