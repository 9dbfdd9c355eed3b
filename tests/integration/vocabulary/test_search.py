"""GET /api/search/vocabulary (spec §12) and the plans of the hot queries under row-level security."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg import sql

from infra.local.stack import Stack
from tests.integration.vocabulary.conftest import Learner
from tests.support.api import call


@pytest.fixture
def words(ana: Learner, ben: Learner) -> dict[str, Any]:
    mine = ana.new_list("Familia")
    ana.call(
        "POST", "/api/vocabulary/save",
        {"listId": mine["id"], "vocabularyItems": [
            {"phrase": "niño", "translation": "child", "difficulty": 1, "partOfSpeech": "noun"},
            {"phrase": "corazón", "translation": "heart", "difficulty": 2, "partOfSpeech": "noun"},
            {"phrase": "correr", "translation": "to run", "difficulty": 1, "partOfSpeech": "verb"},
            {"phrase": "100% natural", "translation": "all natural", "category": "frases"},
        ]},
    )  # fmt: skip
    public = ben.new_list("Pública de Ben", isPublic=True)
    ben.save(public["id"], ("niña", "girl"), ("mariposa", "butterfly"))
    private = ben.new_list("Privada de Ben")
    ben.save(private["id"], ("secreto", "secret"))
    return {"mine": mine["id"], "public": public["id"]}


def texts(reply: Any) -> list[str]:
    assert reply.status == 200, reply
    return [hit["spanishText"] for hit in reply.data]


def test_accents_typos_and_both_languages(ana: Learner, words: dict[str, Any]) -> None:
    accent = ana.call("GET", "/api/search/vocabulary", query="q=nino")
    assert texts(accent) == ["niño"]
    assert accent.data[0]["matchedOn"] == "spanish" and accent.data[0]["listName"] == "Familia"
    assert accent.data[0]["score"] > 0
    assert texts(ana.call("GET", "/api/search/vocabulary", query="q=corazon")) == ["corazón"]
    english = ana.call("GET", "/api/search/vocabulary", query="q=running")  # English stemming
    assert texts(english) == ["correr"] and english.data[0]["matchedOn"] == "english"
    typo = ana.call("GET", "/api/search/vocabulary", query="q=corazin")  # one wrong letter
    assert texts(typo) == ["corazón"] and typo.data[0]["matchedOn"] == "fuzzy"
    assert texts(ana.call("GET", "/api/search/vocabulary", query="q=xylophone")) == []


def test_scopes_and_filters(ana: Learner, ben: Learner, words: dict[str, Any]) -> None:
    assert texts(ana.call("GET", "/api/search/vocabulary", query="q=nino&scope=mine")) == ["niño"]
    assert texts(ana.call("GET", "/api/search/vocabulary", query="q=nina&scope=public")) == ["niña"]
    assert sorted(texts(ana.call("GET", "/api/search/vocabulary", query="q=nino&scope=all"))) == [
        "niña",
        "niño",
    ]
    assert texts(ana.call("GET", "/api/search/vocabulary", query="q=secreto&scope=all")) == []
    assert texts(ben.call("GET", "/api/search/vocabulary", query="q=secreto")) == ["secreto"]
    assert texts(call("GET", "/api/search/vocabulary", query="q=mariposa&scope=public")) == ["mariposa"]
    assert call("GET", "/api/search/vocabulary", query="q=mariposa&scope=all").status == 401
    assert texts(ana.call("GET", "/api/search/vocabulary", query="q=corr&scope=mine&partOfSpeech=verb")) == [
        "correr"
    ]
    assert texts(ana.call("GET", "/api/search/vocabulary", query="q=corazon&difficulty=beginner")) == []
    assert texts(
        ana.call("GET", "/api/search/vocabulary", query=f"q=nino&scope=all&listId={words['public']}")
    ) == ["niña"]
    assert texts(ana.call("GET", "/api/search/vocabulary", query="q=natural&category=FRASES")) == [
        "100% natural"
    ]


@pytest.mark.parametrize(
    "q",
    [
        "%25",
        "_",
        "%25%25",
        "'",
        "' OR 1=1 --",
        "niño'); DROP TABLE vocabulary_items; --",
        "\\",
        "a:* | b",
        "!!",
        "(",
        '"unclosed',
    ],
)
def test_the_query_is_data(
    ana: Learner, words: dict[str, Any], admin_sql: Callable[..., Any], q: str
) -> None:
    reply = ana.call("GET", "/api/search/vocabulary", query=f"q={q}&scope=all")
    assert reply.status == 200, reply
    assert "secreto" not in texts(reply)
    assert len(reply.data) < 4  # a wildcard would match everything
    assert admin_sql("SELECT count(*) FROM vocabulary_items") == [(7,)]


def test_percent_is_a_literal_character(ana: Learner, words: dict[str, Any]) -> None:
    assert texts(ana.call("GET", "/api/search/vocabulary", query="q=100%25")) == ["100% natural"]


@pytest.mark.parametrize(
    ("query", "code"),
    [("", "required"), ("q=", "required"), ("q=%20%20", "required"), ("q=" + "a" * 101, "too_long"),
     ("q=a%00b", "invalid_format"), ("q=a%1Bb", "invalid_format"), ("q=ok&scope=everyone", "invalid_enum"),
     ("q=ok&limit=1000", "too_large"), ("q=ok&limit=0", "too_small"), ("q=ok&cursor=tampered", "invalid_format")],
)  # fmt: skip
def test_bad_queries_are_400(ana: Learner, query: str, code: str) -> None:
    reply = ana.call("GET", "/api/search/vocabulary", query=query)
    assert reply.status == 400, reply
    assert reply.json["details"][0]["code"] == code


def test_ranked_pages_walk_every_hit_once(ana: Learner) -> None:
    lst = ana.new_list("Casas")
    ana.save(lst["id"], *[(f"casa {i}", f"house {i}") for i in range(7)], ("casa", "house"))
    first = ana.call("GET", "/api/search/vocabulary", query="q=casa&limit=3")
    assert first.data[0]["spanishText"] == "casa"  # the exact match ranks first
    seen, query = texts(first), f"q=casa&limit=3&cursor={first.json['pagination']['nextCursor']}"
    while True:
        reply = ana.call("GET", "/api/search/vocabulary", query=query)
        seen += texts(reply)
        if not reply.json["pagination"]["hasMore"]:
            break
        query = f"q=casa&limit=3&cursor={reply.json['pagination']['nextCursor']}"
    assert sorted(seen) == sorted(["casa", *[f"casa {i}" for i in range(7)]])
    scores = [s for s in [hit["score"] for hit in first.data]]
    assert scores == sorted(scores, reverse=True)


# --- plans under row-level security (correction 24) -------------------------------------------------------


def explain(stack: Stack, user: Any, query: str, params: dict[str, Any]) -> str:
    """EXPLAIN as describeit_app with app.user_id set, the planner steered away from sequential scans
    (the test tables are tiny; what matters is that an index path exists under the policies)."""
    with psycopg.connect(stack.role_dsn("app")) as conn:
        conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user) if user else ""])
        conn.execute("SET LOCAL enable_seqscan = off")
        rows = conn.execute(f"EXPLAIN {query}", params).fetchall()
    return "\n".join(row[0] for row in rows)


def explain_search(stack: Stack, q: str, scope: str, user: Any = None) -> str:
    """EXPLAIN of the body of search_vocabulary() as it runs: as the owner, with the caller's app.user_id."""
    import re

    with psycopg.connect(stack.admin_dsn()) as conn:
        [(body, names)] = conn.execute(
            "SELECT prosrc, proargnames FROM pg_proc WHERE proname = 'search_vocabulary'"
        ).fetchall()
        for n, name in enumerate(names[:10], start=1):
            body = re.sub(rf"\b{name}\b", f"${n}", body)
        conn.execute("SET ROLE describeit_owner")
        conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user) if user else ""])
        conn.execute(
            "PREPARE body (text, text, difficulty_level, text, part_of_speech, uuid, float8, uuid, int, int) AS "
            + body
        )
        rows = conn.execute(
            sql.SQL("EXPLAIN EXECUTE body ({}, {}, NULL, NULL, NULL, NULL, NULL, NULL, 21, 0)").format(
                sql.Literal(q), sql.Literal(scope)
            )
        ).fetchall()
    return "\n".join(row[0] for row in rows)


def test_public_search_and_list_pages_use_indexes_under_rls(
    clean: Stack, ana: Learner, words: dict[str, Any], admin_sql: Callable[..., Any]
) -> None:
    # enough rows, in enough public lists, that a full scan would be the wrong plan
    admin_sql(
        """INSERT INTO vocabulary_lists (owner_id, name, is_public)
           SELECT NULL, 'Sistema ' || n, true FROM generate_series(1, 40) n"""
    )
    admin_sql(
        """INSERT INTO vocabulary_items (vocabulary_list_id, spanish_text, english_translation)
           SELECT l.id, 'palabra ' || l.name || ' ' || n, 'word ' || n
             FROM vocabulary_lists l, generate_series(1, 100) n WHERE l.owner_id IS NULL"""
    )
    admin_sql("ANALYZE vocabulary_lists, vocabulary_items, learning_progress")
    plan = explain_search(clean, "nino", "public")
    assert "vocabulary_items_fts_es_idx" in plan and "vocabulary_items_trgm_es_idx" in plan, plan
    assert "Seq Scan on vocabulary_items" not in plan, plan
    mine = explain_search(clean, "nino", "mine", ana.id)  # own lists first, then their items by index
    assert "Seq Scan on vocabulary_items" not in mine and "Index" in mine, mine
    page = explain(
        clean, ana.id,
        """SELECT i.id, p.due FROM vocabulary_items i
             LEFT JOIN learning_progress p ON p.vocabulary_item_id = i.id AND p.user_id = %(me)s
            WHERE i.vocabulary_list_id = %(list)s ORDER BY i.created_at, i.id LIMIT 51""",
        {"me": ana.id, "list": words["mine"]},
    )  # fmt: skip
    assert "vocabulary_items_list_created_id_idx" in page, page
    assert "Seq Scan" not in page, page
    # the list visibility is computed once for the query (hashed), not called per row
    assert "hashed SubPlan" in page or "SubPlan" not in page, page
