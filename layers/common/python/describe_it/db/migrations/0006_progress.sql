-- 0005: progress, streaks, analytics and sessions (issue 11, item 1): the indexes of their hot queries.
-- No new table (so nothing for correction 22), no new function (so nothing for correction 18).
--
-- Stats, streaks and analytics are computed from the domain tables on every request (no stored totals):
-- one pass per table over the caller's index range, bucketed into the user's days in SQL. The indexes
-- below make those passes index-only (every column the aggregates read is in the index), and give the
-- keyset pages their exact sort order (sort key, id) so no page needs a sort.

-- review_logs: points, accuracy, active days, distinct items of a day, first mastery (stability_after).
-- Replaces the plain (user_id, reviewed_at DESC) index: a b-tree is read backwards just as well.
CREATE INDEX review_logs_user_reviewed_cover_idx ON review_logs (user_id, reviewed_at)
  INCLUDE (rating, vocabulary_item_id, state_after, stability_after);
DROP INDEX review_logs_user_reviewed_idx;

-- qa_responses: points, accuracy, skills (category) and difficulty breakdowns, best time of day.
CREATE INDEX qa_responses_user_answered_cover_idx ON qa_responses (user_id, answered_at)
  INCLUDE (is_correct, category, difficulty);
DROP INDEX qa_responses_user_answered_idx;

-- sessions: GET /api/sessions pages newest first, ties by id.
CREATE INDEX sessions_user_started_id_idx ON sessions (user_id, started_at DESC, id DESC);
DROP INDEX sessions_user_started_idx;

-- sessions: the first perfect session (achievement perfect_score: completed, >= 10 graded answers, all right)
CREATE INDEX sessions_user_perfect_idx ON sessions (user_id, ended_at)
  WHERE status = 'completed' AND reviews_count + qa_attempts >= 10
    AND reviews_correct + qa_correct = reviews_count + qa_attempts;

-- user_interactions: GET /api/progress/track pages newest first, ties by id; the rest reads the same range.
CREATE INDEX user_interactions_user_occurred_id_idx ON user_interactions (user_id, occurred_at DESC, id DESC);
DROP INDEX user_interactions_user_occurred_idx;

-- learning_progress: GET /api/progress sorted by due (also the review queue's order), last review or
-- mastery, ties by id.
CREATE INDEX learning_progress_user_due_id_idx ON learning_progress (user_id, due, id);
DROP INDEX learning_progress_user_due_idx;
CREATE INDEX learning_progress_user_last_review_idx ON learning_progress (user_id, last_review, id);
CREATE INDEX learning_progress_user_mastery_idx ON learning_progress (user_id, mastery, id);
-- per-list completion (studied / mastered items of each own list) reads phase and item from the index
CREATE INDEX learning_progress_user_phase_item_idx ON learning_progress (user_id, learning_phase, vocabulary_item_id);
DROP INDEX learning_progress_user_phase_idx;

-- ====================================================================================================
-- When an item was first mastered (achievement phrases_50, "items mastered" per day): a fact the review
-- that crosses mastery 0.8 records once, in its own transaction, instead of every stats call re-deriving
-- it from the whole review history. Backfilled from review_logs with the same rule the review path uses:
-- mastery = round(R(30 d, S), 3) >= 0.8 in the review state, R(t, S) = (1 + F·t/S)^D, D = -w20 (the
-- user's fitted w20, else FSRS-6's 0.1542), F = 0.9^(1/D) - 1 (py-fsrs 6).
-- ====================================================================================================
ALTER TABLE learning_progress ADD COLUMN first_mastered_at timestamptz;
UPDATE learning_progress p SET first_mastered_at = m.at
  FROM (SELECT r.user_id, r.vocabulary_item_id, min(r.reviewed_at) AS at
          FROM review_logs r
          LEFT JOIN user_settings s ON s.user_id = r.user_id
          CROSS JOIN LATERAL (SELECT -coalesce(s.fsrs_parameters[21], 0.1542) AS d) w
         WHERE r.state_after = 'review'
           AND round(power(1 + (power(0.9, 1 / w.d) - 1) * 30 / r.stability_after, w.d)::numeric, 3) >= 0.8
         GROUP BY 1, 2) m
 WHERE p.user_id = m.user_id AND p.vocabulary_item_id = m.vocabulary_item_id;
CREATE INDEX learning_progress_user_mastered_idx ON learning_progress (user_id, first_mastered_at)
  WHERE first_mastered_at IS NOT NULL;

-- ====================================================================================================
-- Daily rollups of closed days (api.md §11, §17). Stats and streaks need the whole history; a heavy
-- learner's raw rows (tens of thousands of reviews, items, answers) are too many to scan per request, so
-- days that can no longer change are read from one row per active day here, and only the last weeks come
-- from the raw tables. A rollup row holds exactly what the raw computation gives for that day (the same
-- SQL writes it: progress/activity.py), in the zone it was computed in: rows of another zone than the
-- user's current one are never read (a zone change re-buckets the history) and are replaced by the next
-- roll-up. "Closed" = older than 32 days in the user's zone: nothing can be back-dated that far (events
-- 30 days, reviews 7, sessions 1).
-- ====================================================================================================
ALTER TABLE learning_analytics
  ADD COLUMN time_zone text,
  ADD COLUMN items_created integer NOT NULL DEFAULT 0 CHECK (items_created >= 0),
  ADD COLUMN study_seconds bigint NOT NULL DEFAULT 0 CHECK (study_seconds >= 0),
  ADD COLUMN first_activity_at timestamptz;
