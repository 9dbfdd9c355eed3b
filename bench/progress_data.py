"""A heavy learner (and a crowd of lighter ones) for the plans and timings of the progress routes.

Written straight into the tables as the database owner, in a few set-based statements (no API calls,
no per-row Python), so a data set of a few hundred thousand rows takes seconds. Every row is one the
API could have written: reviews reference real items and progress rows, sessions are completed with
counters, answers carry categories and difficulties. ``heavy(...)`` returns the learner's id.

    python -m bench.progress_data          # into the `make run` database, prints the heavy learner's id
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from uuid import UUID

FAKE_HASH = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"


@dataclass(frozen=True)
class Shape:
    days: int = 400  # history length
    items: int = 20_000  # in 10 own lists
    reviews: int = 40_000
    answers: int = 6_000
    sessions: int = 1_200
    events: int = 3_000
    others: int = 150  # lighter learners sharing the tables
    other_reviews: int = 1_500  # each


def _user(conn: object, email: str, time_zone: str) -> UUID:
    row = conn.execute(  # type: ignore[attr-defined]
        """INSERT INTO users (email, username, password_hash, time_zone, created_at)
           VALUES (%s, %s, %s, %s, now() - interval '2 years')
           ON CONFLICT (email) DO UPDATE SET time_zone = excluded.time_zone RETURNING id""",
        [email, email.split("@")[0].replace(".", "_")[:30], FAKE_HASH, time_zone],
    ).fetchone()
    return row[0]  # type: ignore[no-any-return]


def _learner(conn: object, me: UUID, shape: Shape, items: int, reviews: int) -> None:
    """Lists, items, progress, reviews, answers, sessions and events of one learner over ``shape.days``."""
    run = conn.execute  # type: ignore[attr-defined]
    lists = max(1, min(10, items // 100))
    run(
        """INSERT INTO vocabulary_lists (owner_id, name)
           SELECT %s, 'Lista ' || n FROM generate_series(1, %s) n ON CONFLICT DO NOTHING""",
        [me, lists],
    )
    # items created over the history, round-robin over the lists
    run(
        """INSERT INTO vocabulary_items (vocabulary_list_id, spanish_text, english_translation, difficulty_level,
                                         created_at)
           SELECT l.ids[1 + n %% cardinality(l.ids)], 'palabra ' || n, 'word ' || n,
                  (ARRAY['beginner','intermediate','advanced'])[1 + n %% 3]::difficulty_level,
                  now() - make_interval(days => %(days)s) + (n::float8 / %(items)s) * make_interval(days => %(days)s)
             FROM generate_series(1, %(items)s) n,
                  (SELECT array_agg(id ORDER BY name) AS ids FROM vocabulary_lists WHERE owner_id = %(me)s) l""",
        {"me": me, "items": items, "days": shape.days},
    )
    # progress on the items reviewed at least once (every item gets reviews, the newest ones last)
    run(
        """INSERT INTO learning_progress (user_id, vocabulary_item_id, state, step, stability, difficulty, due,
                                          last_review, reps, correct_count, incorrect_count, mastery,
                                          first_reviewed_at, first_mastered_at)
           SELECT %(me)s, i.id, CASE WHEN k %% 5 = 0 THEN 'learning' ELSE 'review' END::fsrs_state,
                  CASE WHEN k %% 5 = 0 THEN 0 END, 1 + (k %% 97), 1 + (k %% 9),
                  now() + make_interval(hours => ((k %% 400) - 100)::int), now() - make_interval(hours => (k %% 300)::int),
                  2, 1, 1, least(0.999, (k %% 100) / 100.0), i.created_at + interval '1 hour',
                  CASE WHEN k %% 5 <> 0 AND k %% 100 >= 80 THEN i.created_at + interval '3 days' END
             FROM (SELECT i.id, i.created_at, row_number() OVER (ORDER BY i.created_at) AS k
                     FROM vocabulary_items i JOIN vocabulary_lists l ON l.id = i.vocabulary_list_id
                    WHERE l.owner_id = %(me)s) i""",
        {"me": me},
    )
    run(
        """INSERT INTO review_logs (user_id, vocabulary_item_id, rating, reviewed_at, state_after, stability_after,
                                    difficulty_after, scheduled_days, due_after)
           SELECT %(me)s, p.ids[1 + (n * 7919) %% cardinality(p.ids)], 1 + (n * 31) %% 4, t, 'review', 1 + n %% 90, 5,
                  1, t + interval '1 day'
             FROM generate_series(1, %(reviews)s) n,
                  (SELECT array_agg(vocabulary_item_id) AS ids FROM learning_progress WHERE user_id = %(me)s) p,
                  LATERAL (SELECT now() - make_interval(days => %(days)s)
                                  + (n::float8 / %(reviews)s) * make_interval(days => %(days)s) AS t) ts
            WHERE (n / 97) %% 9 <> 4""",  # a few gaps: missed days break the streaks
        {"me": me, "reviews": reviews, "days": shape.days},
    )


def _heavy_extras(conn: object, me: UUID, shape: Shape) -> None:
    run = conn.execute  # type: ignore[attr-defined]
    span = {"me": me, "days": shape.days}
    run(
        """INSERT INTO sessions (user_id, session_type, status, started_at, ended_at, last_activity_at,
                                 reviews_count, reviews_correct, qa_attempts, qa_correct)
           SELECT %(me)s, (ARRAY['review','qa','vocabulary','mixed','description'])[1 + n %% 5]::session_type,
                  'completed', t, t + make_interval(mins => (5 + n %% 40)::int), t + make_interval(mins => (5 + n %% 40)::int),
                  10 + n %% 20, 8 + n %% 10, n %% 12, n %% 12
             FROM generate_series(1, %(n)s) n,
                  LATERAL (SELECT now() - make_interval(days => %(days)s)
                                  + (n::float8 / %(n)s) * make_interval(days => %(days)s) AS t) ts""",
        {**span, "n": shape.sessions},
    )
    run(
        """INSERT INTO qa_responses (user_id, question, correct_answer, user_answer, is_correct, difficulty,
                                     category, answered_at)
           SELECT %(me)s, '¿Qué ves?', 'un gato', 'un gato', n %% 4 <> 0,
                  (ARRAY['facil','medio','dificil'])[1 + n %% 3]::qa_difficulty,
                  (ARRAY['Vocabulario','Gramática','Cultura','Comprensión','Expresión'])[1 + n %% 5],
                  now() - make_interval(days => %(days)s) + (n::float8 / %(n)s) * make_interval(days => %(days)s)
             FROM generate_series(1, %(n)s) n""",
        {**span, "n": shape.answers},
    )
    run(
        """INSERT INTO user_interactions (user_id, event_type, score, time_spent_ms, occurred_at, local_date)
           SELECT %(me)s, (ARRAY['phrase_learned','translation_completed','goal_achieved'])[1 + n %% 3]::learning_event_type,
                  (n %% 10) / 10.0, 1000 * (n %% 300), t, t::date
             FROM generate_series(1, %(n)s) n,
                  LATERAL (SELECT now() - make_interval(days => %(days)s)
                                  + (n::float8 / %(n)s) * make_interval(days => %(days)s) AS t) ts""",
        {**span, "n": shape.events},
    )


def generate(admin_dsn: str, shape: Shape = Shape(), email: str = "heavy.learner@example.com") -> UUID:
    """Create (or extend) the data set; returns the heavy learner's id. Vacuumed and analysed at the end,
    as autovacuum would leave a table that has settled (index-only scans need the visibility map)."""
    import psycopg

    with psycopg.connect(admin_dsn) as conn:
        me = _user(conn, email, "America/New_York")
        _learner(conn, me, shape, shape.items, shape.reviews)
        _heavy_extras(conn, me, shape)
        for n in range(shape.others):
            other = _user(conn, f"learner{n}@example.com", "Europe/Madrid")
            _learner(conn, other, shape, shape.other_reviews // 2, shape.other_reviews)
        conn.commit()
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        for table in ("review_logs", "qa_responses", "sessions", "user_interactions", "learning_progress",
                      "vocabulary_items", "vocabulary_lists", "users"):  # fmt: skip
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return me


def main() -> int:
    from infra.local.stack import attach

    env = attach()
    if env is None:
        print("start `make run` first (this writes into its database)", file=sys.stderr)
        return 1
    print(generate(env["DB_MIGRATE_URL"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
