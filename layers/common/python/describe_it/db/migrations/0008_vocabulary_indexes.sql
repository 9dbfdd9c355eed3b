-- 0008: covering indexes for the due queue, found with bench/vocabulary.py on the issue 9 data set
-- (bench/RESULTS.md, "Vocabulary (issue 9)": the plans before and after).
--
-- GET /api/vocabulary/review counts the caller's due cards (dueCount, overdueCount) and checks, under
-- row-level security, that each card's item is still readable. For a learner with thousands of due
-- cards that was a heap visit per card (learning_progress) and another per item (vocabulary_items),
-- scattered over both tables. With the item id in the (user_id, due) index and the list id beside the
-- item's primary key, both sides are index-only scans (the policy needs only vocabulary_list_id).

-- Replaces 0006's learning_progress_user_due_id_idx (user_id, due, id): the same key, so it serves every
-- query that one served (GET /api/progress by due, the queue's ORDER BY due, id, next due).
CREATE INDEX learning_progress_user_due_id_item_idx ON learning_progress (user_id, due, id)
  INCLUDE (vocabulary_item_id);
DROP INDEX learning_progress_user_due_id_idx;

CREATE INDEX vocabulary_items_id_list_idx ON vocabulary_items (id) INCLUDE (vocabulary_list_id);

-- ====================================================================================================
-- The vocabulary search: one text match over all items for the public and "all" scopes
-- ====================================================================================================
-- 0004's search_vocabulary() joined items to the visible lists in one query, and the planner drove a
-- nested loop over the lists: for each list, the BitmapOr of the four GIN indexes (both full-text
-- configurations, both trigram columns) ANDed with that list's items. For the caller's own lists (a
-- few) that is the best plan: the intersection is small, so few rows are rechecked. For the public
-- scope it ran the same four index scans once per public list (100 lists: ~100 ms for a common word).
-- Now scope 'mine' keeps that plan, and the other scopes match once over all items (a materialized
-- step: one BitmapOr), then keep the visible rows. Same signature, results and ranking; CREATE OR
-- REPLACE keeps the owner and the grants. Only the branch of the caller's scope runs (the other one's
-- filter is false before it reads anything).
CREATE OR REPLACE FUNCTION search_vocabulary(p_q text, p_scope text, p_difficulty difficulty_level, p_category text,
                                             p_part_of_speech part_of_speech, p_list uuid,
                                             p_after_score double precision, p_after_id uuid, p_limit integer,
                                             p_offset integer)
  RETURNS TABLE (id uuid, score double precision, matched_on text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
  WITH matched AS MATERIALIZED (
    SELECT i.id, i.vocabulary_list_id, i.spanish_text, i.english_translation
      FROM public.vocabulary_items i
     WHERE (to_tsvector('spanish_unaccent', i.spanish_text) @@ websearch_to_tsquery('spanish_unaccent', p_q)
            OR to_tsvector('english_unaccent', i.english_translation) @@ websearch_to_tsquery('english_unaccent', p_q)
            OR public.immutable_unaccent(lower(i.spanish_text)) % public.immutable_unaccent(lower(p_q))
            OR public.immutable_unaccent(lower(i.english_translation)) % public.immutable_unaccent(lower(p_q)))
       AND (p_difficulty IS NULL OR i.difficulty_level = p_difficulty)
       AND (p_category IS NULL OR lower(i.category) = lower(p_category))
       AND (p_part_of_speech IS NULL OR i.part_of_speech = p_part_of_speech)
       AND (p_list IS NULL OR i.vocabulary_list_id = p_list)),
  candidates AS (
    -- own lists: per list, the GIN bitmaps ANDed with the list's items
    SELECT i.id, i.spanish_text, i.english_translation
      FROM public.vocabulary_items i JOIN public.vocabulary_lists l ON l.id = i.vocabulary_list_id
     WHERE p_scope = 'mine'
       AND (to_tsvector('spanish_unaccent', i.spanish_text) @@ websearch_to_tsquery('spanish_unaccent', p_q)
            OR to_tsvector('english_unaccent', i.english_translation) @@ websearch_to_tsquery('english_unaccent', p_q)
            OR public.immutable_unaccent(lower(i.spanish_text)) % public.immutable_unaccent(lower(p_q))
            OR public.immutable_unaccent(lower(i.english_translation)) % public.immutable_unaccent(lower(p_q)))
       AND l.owner_id = public.app_user_id()
       AND (p_difficulty IS NULL OR i.difficulty_level = p_difficulty)
       AND (p_category IS NULL OR lower(i.category) = lower(p_category))
       AND (p_part_of_speech IS NULL OR i.part_of_speech = p_part_of_speech)
       AND (p_list IS NULL OR i.vocabulary_list_id = p_list)
    UNION ALL
    -- public and all: the one match over all items, then the visible lists
    SELECT m.id, m.spanish_text, m.english_translation
      FROM matched m JOIN public.vocabulary_lists l ON l.id = m.vocabulary_list_id
     WHERE p_scope <> 'mine'
       AND (l.is_public OR l.owner_id = public.app_user_id() OR l.id = ANY ((SELECT public.shared_list_ids())::uuid[]))
       AND (p_scope <> 'public' OR l.is_public)),
  hits AS (
    SELECT c.id,
           (ts_rank(to_tsvector('spanish_unaccent', c.spanish_text), websearch_to_tsquery('spanish_unaccent', p_q))
            + ts_rank(to_tsvector('english_unaccent', c.english_translation), websearch_to_tsquery('english_unaccent', p_q))
            + greatest(similarity(public.immutable_unaccent(lower(c.spanish_text)), public.immutable_unaccent(lower(p_q))),
                       similarity(public.immutable_unaccent(lower(c.english_translation)),
                                  public.immutable_unaccent(lower(p_q)))))::float8 AS score,
           CASE WHEN to_tsvector('spanish_unaccent', c.spanish_text) @@ websearch_to_tsquery('spanish_unaccent', p_q)
                  THEN 'spanish'
                WHEN to_tsvector('english_unaccent', c.english_translation) @@ websearch_to_tsquery('english_unaccent', p_q)
                  THEN 'english'
                ELSE 'fuzzy' END AS matched_on
      FROM candidates c)
  SELECT h.id, h.score, h.matched_on FROM hits h
   WHERE p_after_score IS NULL OR h.score < p_after_score OR (h.score = p_after_score AND h.id > p_after_id)
   ORDER BY h.score DESC, h.id
   LIMIT p_limit OFFSET p_offset
$$;
