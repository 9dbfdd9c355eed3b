"""GET /api/search/descriptions (spec §12): both languages, accents ignored, ranked, scoped, with
snippets; the query is data; and the plan of the search uses the full-text indexes under RLS."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from psycopg import sql

from infra.local.stack import Stack
from tests.integration.descriptions.conftest import Learner
from tests.support.api import call

SEARCH = "/api/search/descriptions"


@pytest.fixture
def library(ana: Learner, ben: Learner, saved: Callable[..., dict[str, Any]]) -> dict[str, str]:
    rows = {
        "nino": saved(
            ana, style="narrativo", isFavorite=True,
            spanishDescription="Un niño juega con una pelota roja en el jardín.",
            englishDescription="A child plays with a red ball in the garden.",
        ),
        "corazon": saved(
            ana, style="poetico",
            spanishDescription="El corazón del bosque late despacio bajo la lluvia.",
            englishDescription="The heart of the forest beats slowly under the rain.",
        ),
        "percent": saved(
            ana, style="tecnico",
            spanishDescription="La batería está al 100% de su capacidad.",
            englishDescription="The battery is at 100% of its capacity.",
        ),
        "ben_public": saved(
            ben, style="narrativo", isPublic=True, notes="nota de Ben",
            spanishDescription="Una niña corre por la playa con su perro.",
            englishDescription="A girl runs along the beach with her dog.",
        ),
        "ben_private": saved(
            ben, style="narrativo",
            spanishDescription="Un secreto escondido en el desván de la casa.",
            englishDescription="A secret hidden in the attic of the house.",
        ),
    }  # fmt: skip
    return {name: row["id"] for name, row in rows.items()}


def ids(reply: Any) -> list[str]:
    assert reply.status == 200, reply
    return [hit["id"] for hit in reply.data]


def test_accents_stemming_and_both_languages(ana: Learner, library: dict[str, str]) -> None:
    for q in ("nino", "NI%C3%91O", "jardin", "pelotas"):  # accents, case, Spanish stemming
        hits = ana.call("GET", SEARCH, query=f"q={q}")
        assert ids(hits) == [library["nino"]], q
        assert hits.data[0]["matchedOn"] == "spanish"
    english = ana.call("GET", SEARCH, query="q=playing%20balls")  # English stemming
    assert ids(english) == [library["nino"]] and english.data[0]["matchedOn"] == "english"
    assert ids(ana.call("GET", SEARCH, query="q=corazon")) == [library["corazon"]]
    assert ids(ana.call("GET", SEARCH, query="q=xilofono")) == []


def test_a_hit_is_the_saved_description_with_score_and_snippet(ana: Learner, library: dict[str, str]) -> None:
    [hit] = ana.call("GET", SEARCH, query="q=pelota").data
    row = ana.call("GET", f"/api/descriptions/saved/{library['nino']}").data
    assert {k: v for k, v in hit.items() if k not in ("score", "snippet", "matchedOn")} == row
    assert hit["score"] > 0
    assert hit["snippet"] == "Un niño juega con una pelota roja en el jardín."
    [english] = ana.call("GET", SEARCH, query="q=forest").data
    assert english["snippet"] == "The heart of the forest beats slowly under the rain."


def test_a_long_description_gets_a_snippet_around_the_first_match(
    ana: Learner, saved: Callable[..., dict[str, Any]]
) -> None:
    filler = " ".join(["Las nubes pasan sobre la ciudad."] * 20)
    text = f"{filler} Entonces aparece un dragón verde.\n\nEl dragón vuela. {filler}"
    row = saved(ana, spanishDescription=text)
    [hit] = ana.call("GET", SEARCH, query="q=dragon").data
    assert hit["id"] == row["id"]
    snippet = hit["snippet"]
    assert len(snippet) <= 200 and snippet.startswith("…") and snippet.endswith("…")
    assert "aparece un dragón verde. El dragón vuela." in snippet  # newlines became one space
    assert "\ue000" not in snippet and "<" not in snippet


def test_ranking_more_matches_first_and_pages_walk_every_hit_once(
    ana: Learner, saved: Callable[..., dict[str, Any]]
) -> None:
    once = saved(ana, spanishDescription="Un gato duerme.", englishDescription="A cat sleeps.")
    thrice = saved(
        ana,
        spanishDescription="El gato mira a otro gato y un tercer gato.",
        englishDescription="Cats and a cat.",
    )
    twice = saved(ana, spanishDescription="Un gato y otro gato.", englishDescription="Two animals.")
    others = [
        saved(ana, spanishDescription=f"Gato número {i}.", englishDescription="A cat.") for i in range(5)
    ]
    first = ana.call("GET", SEARCH, query="q=gato&limit=3")
    assert ids(first)[0] == thrice["id"]
    scores = [hit["score"] for hit in first.data]
    assert scores == sorted(scores, reverse=True)
    ranked = ids(ana.call("GET", SEARCH, query="q=gato&limit=100"))
    assert ranked.index(thrice["id"]) < ranked.index(twice["id"]) < ranked.index(once["id"])
    seen, query = ids(first), f"q=gato&limit=3&cursor={first.json['pagination']['nextCursor']}"
    while True:
        reply = ana.call("GET", SEARCH, query=query)
        seen += ids(reply)
        if not reply.json["pagination"]["hasMore"]:
            break
        query = f"q=gato&limit=3&cursor={reply.json['pagination']['nextCursor']}"
    assert seen == ranked and len(seen) == 3 + len(others)
    # a cursor belongs to its query
    cursor = first.json["pagination"]["nextCursor"]
    assert ana.call("GET", SEARCH, query=f"q=perro&limit=3&cursor={cursor}").status == 400
    assert ids(ana.call("GET", SEARCH, query="q=gato&limit=3&offset=3")) == ranked[3:6]


def test_scopes_styles_and_favourites(ana: Learner, ben: Learner, library: dict[str, str]) -> None:
    assert ids(ana.call("GET", SEARCH, query="q=playa")) == []  # mine: ben's public row is not mine
    public = ana.call("GET", SEARCH, query="q=playa&scope=public")
    assert ids(public) == [library["ben_public"]]
    assert (
        public.data[0]["isOwner"] is False and public.data[0]["notes"] is None
    )  # personal fields stay Ben's
    assert ids(ana.call("GET", SEARCH, query="q=secreto&scope=public")) == []
    assert ids(ben.call("GET", SEARCH, query="q=secreto")) == [library["ben_private"]]
    assert ids(ben.call("GET", SEARCH, query="q=playa&scope=mine")) == [library["ben_public"]]
    assert ids(ana.call("GET", SEARCH, query="q=corazon%20OR%20nino&style=poetico")) == [library["corazon"]]
    assert ids(ana.call("GET", SEARCH, query="q=corazon%20OR%20nino&favorite=true")) == [library["nino"]]
    assert ids(ana.call("GET", SEARCH, query="q=corazon%20OR%20nino&favorite=false")) == [library["corazon"]]
    reply = ana.call("GET", SEARCH, query="q=playa&scope=public&favorite=true")
    assert reply.status == 400 and reply.json["details"][0]["field"] == "favorite"


def test_guests_search_public_descriptions_only(library: dict[str, str]) -> None:
    guest = call("GET", SEARCH, query="q=perro&scope=public")
    assert ids(guest) == [library["ben_public"]]
    assert guest.data[0]["isOwner"] is False
    for query in ("q=perro", "q=perro&scope=mine"):
        reply = call("GET", SEARCH, query=query)
        assert reply.status == 401 and reply.json["code"] == "AUTH_REQUIRED", reply


@pytest.mark.parametrize(
    "q",
    ["%25", "_", "%25%25", "'", "' OR 1=1 --", "nino'); DROP TABLE saved_descriptions; --", "\\", "a:* | b",
     "!!", "(", '"unclosed', "<->", "casa & !casa", "%27%3B%20SELECT%20pg_sleep(1)%3B--"],
)  # fmt: skip
def test_the_query_is_data(
    ana: Learner, library: dict[str, str], admin_sql: Callable[..., Any], q: str
) -> None:
    reply = ana.call("GET", SEARCH, query=f"q={q}&scope=public")
    assert reply.status == 200, reply
    assert library["ben_private"] not in ids(reply)
    assert len(reply.data) <= 1  # a wildcard would match everything
    assert admin_sql("SELECT count(*) FROM saved_descriptions") == [(5,)]


def test_percent_and_underscore_are_literal(ana: Learner, library: dict[str, str]) -> None:
    assert ids(ana.call("GET", SEARCH, query="q=100%25")) == [library["percent"]]
    assert ids(ana.call("GET", SEARCH, query="q=bater_a")) == []  # no LIKE wildcard anywhere


@pytest.mark.parametrize(
    ("query", "code"),
    [("", "required"), ("q=", "required"), ("q=%20%20", "required"), ("q=" + "a" * 101, "too_long"),
     ("q=a%00b", "invalid_format"), ("q=a%1Fb", "invalid_format"), ("q=ok&scope=all", "invalid_enum"),
     ("q=ok&style=epico", "invalid_enum"), ("q=ok&favorite=si", "invalid_enum"),
     ("q=ok&limit=1000", "too_large"), ("q=ok&limit=0", "too_small"), ("q=ok&cursor=tampered", "invalid_format")],
)  # fmt: skip
def test_bad_queries_are_400(ana: Learner, query: str, code: str) -> None:
    reply = ana.call("GET", SEARCH, query=query)
    assert reply.status == 400, reply
    assert reply.json["details"][0]["code"] == code


def test_exactly_100_characters_is_allowed(ana: Learner) -> None:
    assert ana.call("GET", SEARCH, query="q=" + "a" * 100).status == 200


# --- the plan under row-level security (correction 24) --------------------------------------------------


def explain_search(stack: Stack, q: str, scope: str, user: Any = None) -> str:
    """EXPLAIN of the body of search_descriptions() as it runs: as the owner, with app.user_id set."""
    with psycopg.connect(stack.admin_dsn()) as conn:
        [(body, names)] = conn.execute(
            "SELECT prosrc, proargnames FROM pg_proc WHERE proname = 'search_descriptions'"
        ).fetchall()
        for n, name in enumerate(names[:8], start=1):
            body = re.sub(rf"\b{name}\b", f"${n}", body)
        conn.execute("SET ROLE describeit_owner")
        conn.execute("SELECT set_config('app.user_id', %s, true)", [str(user) if user else ""])
        conn.execute(
            "PREPARE body (text, text, description_style, boolean, float8, uuid, int, int) AS " + body
        )
        rows = conn.execute(
            sql.SQL("EXPLAIN EXECUTE body ({}, {}, NULL, NULL, NULL, NULL, 21, 0)").format(
                sql.Literal(q), sql.Literal(scope)
            )
        ).fetchall()
    return "\n".join(row[0] for row in rows)


def test_the_search_uses_the_full_text_indexes(
    clean: Stack, ana: Learner, image_id: str, admin_sql: Callable[..., Any]
) -> None:
    # many learners' rows, most of them public, so that a scan would be the wrong plan
    admin_sql(
        """INSERT INTO users (email, username, password_hash)
           SELECT 'reader' || n || '@example.com', 'reader' || n, '$argon2id$x' FROM generate_series(1, 50) n"""
    )
    admin_sql(
        """INSERT INTO saved_descriptions (user_id, image_id, style, english_description, spanish_description,
                                           word_count_english, word_count_spanish, is_public)
           SELECT u.id, %s, 'narrativo', 'A house number ' || n, 'Una casa número ' || n || ' junto al río',
                  4, 6, n %% 4 <> 0
             FROM users u, generate_series(1, 100) n WHERE u.email LIKE 'reader%%'""",
        [image_id],
    )
    admin_sql("ANALYZE saved_descriptions")
    public = explain_search(clean, "nino", "public")
    assert "saved_descriptions_fts_es_idx" in public and "saved_descriptions_fts_en_idx" in public, public
    assert "Seq Scan" not in public, public
    mine = explain_search(clean, "nino", "mine", ana.id)
    assert "Seq Scan" not in mine and "Index" in mine, mine


def test_a_page_of_saved_descriptions_is_an_index_range(
    clean: Stack, ana: Learner, image_id: str, admin_sql: Callable[..., Any]
) -> None:
    """The hot read (10 ms for a heavy learner): the keyset condition is an index condition."""
    from tests.integration.vocabulary.test_search import explain

    admin_sql(
        """INSERT INTO saved_descriptions (user_id, image_id, style, english_description, spanish_description,
                                           word_count_english, word_count_spanish, created_at)
           SELECT %s, %s, 'narrativo', 'Text ' || n, 'Texto ' || n, 2, 2, now() - n * interval '1 minute'
             FROM generate_series(1, 3000) n""",
        [ana.id, image_id],
    )
    admin_sql(
        """INSERT INTO qa_responses (user_id, question, correct_answer, user_answer, is_correct, answered_at)
           SELECT %s, 'Pregunta ' || n, 'Respuesta', 'Respuesta', true, now() - n * interval '1 minute'
             FROM generate_series(1, 3000) n""",
        [ana.id],
    )
    # plans on these tables' statistics, not on what earlier tests left in them
    admin_sql("ANALYZE saved_descriptions")
    admin_sql("ANALYZE qa_responses")
    plan = explain(
        clean, ana.id,
        """SELECT d.id FROM saved_descriptions d JOIN images i ON i.id = d.image_id
            WHERE d.user_id = %(me)s AND (d.created_at, d.id) < (now() - interval '1 hour', %(id)s::uuid)
            ORDER BY d.created_at DESC, d.id DESC LIMIT 21""",
        {"me": ana.id, "id": "00000000-0000-0000-0000-000000000000"},
    )  # fmt: skip
    assert "saved_descriptions_user_created_id_idx" in plan, plan
    assert "Sort" not in plan.split("Index")[0], plan  # rows come out of the index in page order
    answers = explain(
        clean, ana.id,
        """SELECT a.id FROM qa_responses a WHERE a.user_id = %(me)s
              AND (a.answered_at, a.id) < (now(), %(id)s::uuid) ORDER BY a.answered_at DESC, a.id DESC LIMIT 21""",
        {"me": ana.id, "id": "00000000-0000-0000-0000-000000000000"},
    )  # fmt: skip
    assert "qa_responses_user_answered_id_idx" in answers, answers
