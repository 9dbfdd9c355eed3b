-- 0004: vocabulary lists, items and review (issue 9).
--   1. List word counts by delta, so concurrent writers never lose an update.
--   2. Correction 23: deleting (or moving away) an item other learners study keeps it for them, in an archive.
--   3. Correction 24: read visibility that the planner can inline (no per-row SECURITY DEFINER call).
--   4. A Spanish sort key (the local server has no ICU collations; ñ sorts after n, accents are secondary).

-- ====================================================================================================
-- 1. Word counts
-- ====================================================================================================
-- 0001 recounted with count(*) in the writer's snapshot: two concurrent inserts into one list each
-- counted without the other's row, and the second UPDATE overwrote the first. A delta
-- (total_words = total_words + n) is re-evaluated by READ COMMITTED's EvalPlanQual on the newest row
-- version once the first writer commits, so every writer's change lands.
DROP TRIGGER vocabulary_items_count_ins ON vocabulary_items;
DROP TRIGGER vocabulary_items_count_del ON vocabulary_items;
DROP TRIGGER vocabulary_items_count_move ON vocabulary_items;
DROP FUNCTION vocabulary_items_after_insert();
DROP FUNCTION vocabulary_items_after_delete();
DROP FUNCTION vocabulary_items_after_move();
DROP FUNCTION vocabulary_lists_recount(uuid[]);

-- SECURITY DEFINER: also runs under roles without list rights (cascades of an account deletion, archives).
CREATE FUNCTION vocabulary_items_count_insert() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  UPDATE public.vocabulary_lists l SET total_words = l.total_words + d.n
    FROM (SELECT vocabulary_list_id AS id, count(*) AS n FROM new_rows GROUP BY 1) d
   WHERE l.id = d.id;
  RETURN NULL;
END $$;
CREATE FUNCTION vocabulary_items_count_delete() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  UPDATE public.vocabulary_lists l SET total_words = greatest(l.total_words - d.n, 0)
    FROM (SELECT vocabulary_list_id AS id, count(*) AS n FROM old_rows GROUP BY 1) d
   WHERE l.id = d.id;
  RETURN NULL;
END $$;
CREATE FUNCTION vocabulary_items_count_move() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  -- two rows, locked in id order so that two opposite moves cannot deadlock
  IF OLD.vocabulary_list_id < NEW.vocabulary_list_id THEN
    UPDATE public.vocabulary_lists SET total_words = greatest(total_words - 1, 0) WHERE id = OLD.vocabulary_list_id;
    UPDATE public.vocabulary_lists SET total_words = total_words + 1 WHERE id = NEW.vocabulary_list_id;
  ELSE
    UPDATE public.vocabulary_lists SET total_words = total_words + 1 WHERE id = NEW.vocabulary_list_id;
    UPDATE public.vocabulary_lists SET total_words = greatest(total_words - 1, 0) WHERE id = OLD.vocabulary_list_id;
  END IF;
  RETURN NULL;
END $$;
REVOKE EXECUTE ON FUNCTION vocabulary_items_count_insert(), vocabulary_items_count_delete(),
  vocabulary_items_count_move() FROM PUBLIC;
CREATE TRIGGER vocabulary_items_count_ins AFTER INSERT ON vocabulary_items
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vocabulary_items_count_insert();
CREATE TRIGGER vocabulary_items_count_del AFTER DELETE ON vocabulary_items
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION vocabulary_items_count_delete();
CREATE TRIGGER vocabulary_items_count_move AFTER UPDATE OF vocabulary_list_id ON vocabulary_items FOR EACH ROW
  WHEN (OLD.vocabulary_list_id IS DISTINCT FROM NEW.vocabulary_list_id) EXECUTE FUNCTION vocabulary_items_count_move();

-- Counts that drifted under the old triggers are right again from here on.
UPDATE vocabulary_lists l SET total_words = c.n
  FROM (SELECT l2.id, (SELECT count(*) FROM vocabulary_items i WHERE i.vocabulary_list_id = l2.id) AS n
          FROM vocabulary_lists l2) c
 WHERE l.id = c.id AND l.total_words <> c.n;

-- ====================================================================================================
-- 2. Archives (correction 23)
-- ====================================================================================================
-- When an item leaves a list (the list or the item is deleted, or the owner moves the item) and other
-- learners have progress on it, each of them gets a copy of the item in a private list of their own,
-- "<list name> (archived)", and their learning_progress and review_logs rows move to that copy. One
-- archive list per learner and source list (archived_from), reused by later deletions from that list.
-- Triggers rather than a call in the service: every path that removes items (the API, an admin, the
-- cascade of an account deletion) keeps the learners' history, and no caller can forget it.
ALTER TABLE vocabulary_lists ADD COLUMN archived_from uuid;  -- the source list; no FK: it is gone
CREATE UNIQUE INDEX vocabulary_lists_archive_uq ON vocabulary_lists (owner_id, archived_from)
  WHERE archived_from IS NOT NULL;

-- The archive list of p_learner for the source list (created on first use; a name clash gets a number).
CREATE FUNCTION vocabulary_archive_list(p_learner uuid, p_source vocabulary_lists) RETURNS uuid
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_id uuid;
  v_name text;
  v_n integer := 1;
BEGIN
  SELECT id INTO v_id FROM public.vocabulary_lists WHERE owner_id = p_learner AND archived_from = p_source.id;
  IF FOUND THEN RETURN v_id; END IF;
  LOOP
    v_name := left(p_source.name, 80) || CASE WHEN v_n = 1 THEN ' (archived)' ELSE ' (archived ' || v_n || ')' END;
    BEGIN
      INSERT INTO public.vocabulary_lists (owner_id, name, description, category, difficulty_level, language_pair,
                                           tags, archived_from)
      VALUES (p_learner, v_name, p_source.description, p_source.category, p_source.difficulty_level,
              p_source.language_pair, p_source.tags, p_source.id)
      RETURNING id INTO v_id;
      RETURN v_id;
    EXCEPTION WHEN unique_violation THEN
      -- the name is taken (or a concurrent delete made the archive first): look again, then try the next name
      SELECT id INTO v_id FROM public.vocabulary_lists WHERE owner_id = p_learner AND archived_from = p_source.id;
      IF FOUND THEN RETURN v_id; END IF;
      v_n := v_n + 1;
      IF v_n > 1000 THEN RAISE; END IF;
    END;
  END LOOP;
END $$;

-- Copy the items p_items of p_source for every learner other than the owner who has progress on them,
-- and move those learners' progress and review logs to the copies.
CREATE FUNCTION vocabulary_archive_items(p_source vocabulary_lists, p_items uuid[]) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_learners uuid[];
  v_archives uuid[] := '{}';
  v_learner uuid;
BEGIN
  v_learners := ARRAY(SELECT DISTINCT p.user_id FROM public.learning_progress p
                       WHERE p.vocabulary_item_id = ANY (p_items) AND p.user_id IS DISTINCT FROM p_source.owner_id
                       ORDER BY 1);
  IF cardinality(v_learners) = 0 THEN RETURN; END IF;
  FOREACH v_learner IN ARRAY v_learners LOOP
    v_archives := v_archives || public.vocabulary_archive_list(v_learner, p_source);
  END LOOP;
  -- The same Spanish text may already be in an archive (archived earlier): that copy is reused.
  INSERT INTO public.vocabulary_items (vocabulary_list_id, spanish_text, english_translation, lemma, definition,
      part_of_speech, difficulty_level, category, gender, article, plural_form, conjugation,
      context_sentence_spanish, context_sentence_english, examples, tags, pronunciation_ipa, usage_notes,
      frequency_score, source_image_id, source_description_id, metadata)
    SELECT a.archive, i.spanish_text, i.english_translation, i.lemma, i.definition, i.part_of_speech,
           i.difficulty_level, i.category, i.gender, i.article, i.plural_form, i.conjugation,
           i.context_sentence_spanish, i.context_sentence_english, i.examples, i.tags, i.pronunciation_ipa,
           i.usage_notes, i.frequency_score, i.source_image_id, i.source_description_id, i.metadata
      FROM unnest(v_learners, v_archives) AS a (learner, archive)
      JOIN public.learning_progress p ON p.user_id = a.learner AND p.vocabulary_item_id = ANY (p_items)
      JOIN public.vocabulary_items i ON i.id = p.vocabulary_item_id
    ON CONFLICT (vocabulary_list_id, lower(spanish_text)) DO NOTHING;
  -- Logs first: the pairs below are found through the progress rows, which move last.
  UPDATE public.review_logs r SET vocabulary_item_id = c.id
    FROM unnest(v_learners, v_archives) AS a (learner, archive)
    JOIN public.learning_progress p ON p.user_id = a.learner AND p.vocabulary_item_id = ANY (p_items)
    JOIN public.vocabulary_items i ON i.id = p.vocabulary_item_id
    JOIN public.vocabulary_items c ON c.vocabulary_list_id = a.archive AND lower(c.spanish_text) = lower(i.spanish_text)
   WHERE r.user_id = a.learner AND r.vocabulary_item_id = i.id;
  -- A learner who already has a card on the reused copy keeps that card (both cards' logs are kept).
  UPDATE public.learning_progress p SET vocabulary_item_id = c.id
    FROM unnest(v_learners, v_archives) AS a (learner, archive)
    JOIN public.vocabulary_items i ON i.id = ANY (p_items)
    JOIN public.vocabulary_items c ON c.vocabulary_list_id = a.archive AND lower(c.spanish_text) = lower(i.spanish_text)
   WHERE p.user_id = a.learner AND p.vocabulary_item_id = i.id
     AND NOT EXISTS (SELECT FROM public.learning_progress q WHERE q.user_id = a.learner AND q.vocabulary_item_id = c.id);
END $$;

CREATE FUNCTION vocabulary_lists_before_delete() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  PERFORM public.vocabulary_archive_items(OLD, ARRAY(
    SELECT DISTINCT p.vocabulary_item_id FROM public.learning_progress p
      JOIN public.vocabulary_items i ON i.id = p.vocabulary_item_id
     WHERE i.vocabulary_list_id = OLD.id AND p.user_id IS DISTINCT FROM OLD.owner_id));
  RETURN OLD;
END $$;

-- Deleting or moving one item. When the whole list is being deleted its row is already gone here
-- (the list trigger has archived everything): nothing to do.
CREATE FUNCTION vocabulary_items_before_leave() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  v_list public.vocabulary_lists;
BEGIN
  SELECT * INTO v_list FROM public.vocabulary_lists WHERE id = OLD.vocabulary_list_id;
  IF FOUND AND EXISTS (SELECT FROM public.learning_progress p
                        WHERE p.vocabulary_item_id = OLD.id AND p.user_id IS DISTINCT FROM v_list.owner_id) THEN
    PERFORM public.vocabulary_archive_items(v_list, ARRAY[OLD.id]);
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$;
REVOKE EXECUTE ON FUNCTION vocabulary_archive_list(uuid, vocabulary_lists),
  vocabulary_archive_items(vocabulary_lists, uuid[]), vocabulary_lists_before_delete(),
  vocabulary_items_before_leave() FROM PUBLIC;

CREATE TRIGGER vocabulary_lists_archive BEFORE DELETE ON vocabulary_lists
  FOR EACH ROW EXECUTE FUNCTION vocabulary_lists_before_delete();
CREATE TRIGGER vocabulary_items_archive_del BEFORE DELETE ON vocabulary_items
  FOR EACH ROW EXECUTE FUNCTION vocabulary_items_before_leave();
CREATE TRIGGER vocabulary_items_archive_move BEFORE UPDATE OF vocabulary_list_id ON vocabulary_items FOR EACH ROW
  WHEN (OLD.vocabulary_list_id IS DISTINCT FROM NEW.vocabulary_list_id) EXECUTE FUNCTION vocabulary_items_before_leave();

-- ====================================================================================================
-- 3. Read visibility the planner can inline (correction 24)
-- ====================================================================================================
-- can_read_list()/owns_list() were SECURITY DEFINER calls per row: opaque to the planner, so a public
-- search scanned every row and called them one by one. Now the policies are plain predicates on
-- indexed columns. Only the caller's shared list ids come from a definer function (the share policies
-- read vocabulary_lists, so reading shares back from the list policy directly would recurse); it takes
-- no row argument and is wrapped in a scalar sub-select, so it runs once per query as an InitPlan.
CREATE FUNCTION shared_list_ids() RETURNS uuid[] LANGUAGE sql STABLE SECURITY DEFINER
  SET search_path = pg_catalog, public, pg_temp
  RETURN ARRAY(SELECT s.list_id FROM public.vocabulary_list_shares s WHERE s.user_id = public.app_user_id());
REVOKE EXECUTE ON FUNCTION shared_list_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION shared_list_ids() TO describeit_app;

DROP POLICY app_read ON vocabulary_lists;
CREATE POLICY app_read ON vocabulary_lists FOR SELECT TO describeit_app
  USING (is_public OR owner_id = app_user_id() OR id = ANY ((SELECT shared_list_ids())::uuid[]));

-- Items inherit their list's visibility: the sub-select on vocabulary_lists is itself filtered by the
-- list policies above (policies apply inside policies), and the planner turns it into a semi-join.
DROP POLICY app_read ON vocabulary_items;
DROP POLICY app_write ON vocabulary_items;
CREATE POLICY app_read ON vocabulary_items FOR SELECT TO describeit_app
  USING (EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = vocabulary_list_id));
-- Writes are per command, so a SELECT is not also filtered by an OR of the write policy.
CREATE POLICY app_insert ON vocabulary_items FOR INSERT TO describeit_app
  WITH CHECK (EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = vocabulary_list_id AND l.owner_id = app_user_id()));
CREATE POLICY app_update ON vocabulary_items FOR UPDATE TO describeit_app
  USING (EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = vocabulary_list_id AND l.owner_id = app_user_id()))
  WITH CHECK (EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = vocabulary_list_id AND l.owner_id = app_user_id()));
CREATE POLICY app_delete ON vocabulary_items FOR DELETE TO describeit_app
  USING (EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = vocabulary_list_id AND l.owner_id = app_user_id()));

DROP POLICY app_read ON vocabulary_list_shares;
DROP POLICY app_write ON vocabulary_list_shares;
CREATE POLICY app_read ON vocabulary_list_shares FOR SELECT TO describeit_app
  USING (user_id = app_user_id()
         OR EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = list_id AND l.owner_id = app_user_id()));
CREATE POLICY app_insert ON vocabulary_list_shares FOR INSERT TO describeit_app
  WITH CHECK (user_id <> app_user_id()
              AND EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = list_id AND l.owner_id = app_user_id()));
CREATE POLICY app_update ON vocabulary_list_shares FOR UPDATE TO describeit_app
  USING (EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = list_id AND l.owner_id = app_user_id()))
  WITH CHECK (user_id <> app_user_id()
              AND EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = list_id AND l.owner_id = app_user_id()));
CREATE POLICY app_delete ON vocabulary_list_shares FOR DELETE TO describeit_app
  USING (EXISTS (SELECT FROM vocabulary_lists l WHERE l.id = list_id AND l.owner_id = app_user_id()));

DROP FUNCTION owns_list(uuid);
DROP FUNCTION can_read_list(uuid);

-- ====================================================================================================
-- 4. Spanish order
-- ====================================================================================================
-- Spanish collation without ICU: accents ignored, ñ after every n-word ('~' sorts after letters in "C").
-- Queries order by spanish_sort_key(spanish_text) COLLATE "C" (byte order of the key).
CREATE FUNCTION spanish_sort_key(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  RETURN public.immutable_unaccent(replace(lower($1), 'ñ', 'n~'));
CREATE INDEX vocabulary_items_list_sort_idx
  ON vocabulary_items (vocabulary_list_id, (spanish_sort_key(spanish_text) COLLATE "C"), id);
CREATE INDEX vocabulary_items_list_created_id_idx ON vocabulary_items (vocabulary_list_id, created_at, id);
DROP INDEX vocabulary_items_list_created_idx;

-- ====================================================================================================
-- 5. Vocabulary search
-- ====================================================================================================
-- Under row-level security the planner may not evaluate a non-leakproof operator (@@ on tsvectors, %
-- of pg_trgm) before the policy, so those conditions can never be index conditions for the app role:
-- every search would scan. This function runs the match as the owner, with the visibility of the
-- policies written out (public, own, shared with the caller: app_user_id() is the caller's), so the
-- GIN indexes serve it. One call per request, returning at most p_limit rows; the caller re-reads
-- those rows through row-level security.
CREATE FUNCTION search_vocabulary(p_q text, p_scope text, p_difficulty difficulty_level, p_category text,
                                  p_part_of_speech part_of_speech, p_list uuid, p_after_score double precision,
                                  p_after_id uuid, p_limit integer, p_offset integer)
  RETURNS TABLE (id uuid, score double precision, matched_on text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  WITH hits AS (
    SELECT i.id,
           (ts_rank(to_tsvector('spanish_unaccent', i.spanish_text), websearch_to_tsquery('spanish_unaccent', p_q))
            + ts_rank(to_tsvector('english_unaccent', i.english_translation), websearch_to_tsquery('english_unaccent', p_q))
            + greatest(similarity(public.immutable_unaccent(lower(i.spanish_text)), public.immutable_unaccent(lower(p_q))),
                       similarity(public.immutable_unaccent(lower(i.english_translation)),
                                  public.immutable_unaccent(lower(p_q)))))::float8 AS score,
           CASE WHEN to_tsvector('spanish_unaccent', i.spanish_text) @@ websearch_to_tsquery('spanish_unaccent', p_q)
                  THEN 'spanish'
                WHEN to_tsvector('english_unaccent', i.english_translation) @@ websearch_to_tsquery('english_unaccent', p_q)
                  THEN 'english'
                ELSE 'fuzzy' END AS matched_on
      FROM public.vocabulary_items i JOIN public.vocabulary_lists l ON l.id = i.vocabulary_list_id
     WHERE (to_tsvector('spanish_unaccent', i.spanish_text) @@ websearch_to_tsquery('spanish_unaccent', p_q)
            OR to_tsvector('english_unaccent', i.english_translation) @@ websearch_to_tsquery('english_unaccent', p_q)
            OR public.immutable_unaccent(lower(i.spanish_text)) % public.immutable_unaccent(lower(p_q))
            OR public.immutable_unaccent(lower(i.english_translation)) % public.immutable_unaccent(lower(p_q)))
       AND (l.is_public OR l.owner_id = public.app_user_id() OR l.id = ANY ((SELECT public.shared_list_ids())::uuid[]))
       AND CASE p_scope WHEN 'mine' THEN l.owner_id = public.app_user_id()
                        WHEN 'public' THEN l.is_public
                        ELSE true END
       AND (p_difficulty IS NULL OR i.difficulty_level = p_difficulty)
       AND (p_category IS NULL OR lower(i.category) = lower(p_category))
       AND (p_part_of_speech IS NULL OR i.part_of_speech = p_part_of_speech)
       AND (p_list IS NULL OR i.vocabulary_list_id = p_list))
  SELECT h.id, h.score, h.matched_on FROM hits h
   WHERE p_after_score IS NULL OR h.score < p_after_score OR (h.score = p_after_score AND h.id > p_after_id)
   ORDER BY h.score DESC, h.id
   LIMIT p_limit OFFSET p_offset
$$;
REVOKE EXECUTE ON FUNCTION search_vocabulary(text, text, difficulty_level, text, part_of_speech, uuid,
  double precision, uuid, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION search_vocabulary(text, text, difficulty_level, text, part_of_speech, uuid,
  double precision, uuid, integer, integer) TO describeit_app;
