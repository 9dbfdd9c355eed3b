"""POST /api/phrases/extract through Mangum, Claude on the fake Messages API (spec §7)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.textai.conftest import BEACH_ES, prompt_of
from tests.support.api import call, session_for
from tests.support.fake_anthropic import FakeAnthropic, Reply


def extract(body: dict[str, Any], **kwargs: Any) -> Any:
    return call("POST", "/api/phrases/extract", body, **kwargs)


def item(phrase: str, context: str, category: str = "sustantivos", **extra: Any) -> dict[str, Any]:
    pos = {"sustantivos": "noun", "verbos": "verb", "adjetivos": "adjective", "adverbios": "adverb"}
    return {
        "phrase": phrase,
        "lemma": extra.pop("lemma", phrase.lower()),
        "translation": extra.pop("translation", "t"),
        "definition": extra.pop("definition", "d"),
        "partOfSpeech": extra.pop("partOfSpeech", pos.get(category, "phrase")),
        "difficulty": extra.pop("difficulty", "intermediate"),
        "context": context,
        "category": category,
        "gender": extra.pop("gender", None),
        "article": extra.pop("article", None),
        "conjugation": extra.pop("conjugation", None),
    }


S1 = "En la playa hay una familia feliz."
S2 = "El niño pequeño construye un castillo de arena cerca del agua."
S3 = "Su madre lee un libro bajo una sombrilla roja."


def test_only_items_the_text_supports_are_kept_in_order_of_appearance(claude: FakeAnthropic) -> None:
    claude.enqueue(
        Reply.json(
            {
                "phrases": [
                    item("sombrilla", S3, gender="femenino", article="la", translation="beach umbrella"),
                    item(
                        "construye",
                        S2,
                        "verbos",
                        lemma="construir",
                        gender="masculino",
                        conjugation="construye — presente, 3.ª persona singular de construir",
                    ),
                    item("playa", S1, gender="femenino", article="la"),
                    item("castillo", "El niño construye un castillo."),  # context not in the text
                    item("barco", S1),  # phrase not in its context
                    item("Playa", S1, lemma="playa"),  # same lemma and category again
                    item("feliz", S1, "adjetivos", gender="femenino", article="la"),
                    item("libro", S3, "frasesClaves"),  # a category not asked for
                ]
            }
        )
    )
    reply = extract({"descriptionText": BEACH_ES, "categories": ["sustantivos", "verbos", "adjetivos"]})

    assert reply.status == 200, reply
    data = reply.data
    assert [p["phrase"] for p in data["phrases"]] == ["playa", "feliz", "construye", "sombrilla"]
    for phrase in data["phrases"]:
        assert phrase["context"] in BEACH_ES and phrase["phrase"] in phrase["context"]
    by_phrase = {p["phrase"]: p for p in data["phrases"]}
    assert (by_phrase["sombrilla"]["gender"], by_phrase["sombrilla"]["article"]) == ("femenino", "la")
    assert by_phrase["construye"]["gender"] is None  # only nouns have a gender
    assert by_phrase["construye"]["conjugation"].startswith("construye — presente")
    assert (by_phrase["feliz"]["gender"], by_phrase["feliz"]["article"]) == (None, None)
    assert data["metadata"]["categoryCounts"] == {
        "sustantivos": 2,
        "verbos": 1,
        "adjetivos": 1,
        "adverbios": 0,
        "frasesClaves": 0,
    }
    assert (data["metadata"]["provider"], data["metadata"]["cached"]) == ("anthropic", False)
    assert [p["phrase"] for p in data["categorizedPhrases"]["sustantivos"]] == ["playa", "sombrilla"]
    assert all(p["saved"] is False for p in data["categorizedPhrases"]["sustantivos"])
    prompt = prompt_of(claude.requests[0])
    assert "Pick up to 15 items, mostly at the intermediate level" in prompt
    assert "sustantivos, verbos, adjetivos" in prompt and "frasesClaves" not in prompt.split("<text>")[0]


def test_max_phrases_truncates(claude: FakeAnthropic) -> None:
    claude.enqueue(Reply.json({"phrases": [item("playa", S1), item("familia", S1), item("niño", S2)]}))
    reply = extract({"descriptionText": BEACH_ES, "maxPhrases": 2})
    assert [p["phrase"] for p in reply.data["phrases"]] == ["playa", "familia"]


def test_each_category_is_sorted_in_spanish_order(claude: FakeAnthropic) -> None:
    text = "Ñandú, nube, Oso, la Ópera, el nudo, las Águilas, zorro y avión viven aquí. Papá y papa también."
    words = ["zorro", "Ñandú", "nube", "Oso", "la Ópera", "el nudo", "las Águilas", "avión", "Papá", "papa"]
    context = {
        w: (text.split(". ")[0] + ".") if w not in ("Papá", "papa") else "Papá y papa también." for w in words
    }
    claude.enqueue(Reply.json({"phrases": [item(w, context[w], lemma=w.casefold()) for w in words]}))

    reply = extract({"descriptionText": text, "maxPhrases": 25})

    assert reply.status == 200, reply
    nouns = reply.data["categorizedPhrases"]["sustantivos"]
    assert [p["phrase"] for p in nouns] == [
        "las Águilas",
        "avión",
        "nube",
        "el nudo",
        "Ñandú",
        "la Ópera",
        "Oso",
        "papa",
        "Papá",
        "zorro",
    ]
    assert [p["sortKey"] for p in nouns][:4] == ["águilas", "avión", "nube", "nudo"]


def test_saved_marks_what_the_learner_already_has_in_one_query(claude: FakeAnthropic) -> None:
    session = session_for("saver@example.com")
    token = session["access_token"]
    saved = call(
        "POST",
        "/api/vocabulary/save",
        {"vocabulary": {"spanishText": "Sombrilla", "englishTranslation": "parasol"}},
        token=token,
    )
    assert saved.status == 201, saved
    claude.default = Reply.json({"phrases": [item("playa", S1), item("sombrilla", S3)]})

    reply = extract({"descriptionText": BEACH_ES}, token=token)
    assert reply.status == 200, reply
    flags = {p["phrase"]: p["saved"] for p in reply.data["categorizedPhrases"]["sustantivos"]}
    assert flags == {"playa": False, "sombrilla": True}
    # Another learner (and a guest) sees the same cached phrases, none saved.
    other = extract({"descriptionText": BEACH_ES}, token=session_for("other@example.com")["access_token"])
    assert other.data["metadata"]["cached"] is True
    assert not any(p["saved"] for p in other.data["categorizedPhrases"]["sustantivos"])
    assert len(claude.requests) == 1


@pytest.mark.parametrize(
    ("fault", "status"),
    [
        (Reply.server_error(), 502),
        (Reply.malformed(), 502),
        (Reply.schema_violating(), 502),
        (Reply.refusal(), 502),
        (Reply.overloaded(retry_after=30), 503),
        (Reply.rate_limited(retry_after=30), 503),
        (Reply.spend_limit(), 503),
    ],
    ids=["500", "malformed", "schema", "refusal", "529", "429", "spend-limit"],
)
def test_every_fault_of_the_model_has_its_documented_status(
    claude: FakeAnthropic, fault: Reply, status: int
) -> None:
    claude.default = fault
    reply = extract({"descriptionText": BEACH_ES})
    assert reply.status == status, reply


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({}, "descriptionText", "required"),
        ({"descriptionText": "corto"}, "descriptionText", "too_short"),
        ({"descriptionText": BEACH_ES, "maxPhrases": 26}, "maxPhrases", "too_large"),
        ({"descriptionText": BEACH_ES, "targetLevel": "expert"}, "targetLevel", "invalid_enum"),
        ({"descriptionText": BEACH_ES, "categories": []}, "categories", "too_short"),
        ({"descriptionText": BEACH_ES, "categories": ["nombres"]}, "categories", "invalid_enum"),
        ({"descriptionText": BEACH_ES, "style": "gótico"}, "style", "invalid_enum"),
    ],
)
def test_invalid_requests_are_400(claude: FakeAnthropic, body: dict[str, Any], field: str, code: str) -> None:
    reply = extract(body)
    assert reply.status == 400, reply
    assert (reply.json["details"][0]["field"], reply.json["details"][0]["code"]) == (field, code)
    assert claude.requests == []


def test_offline_mode_extracts_from_the_text_itself(offline: None) -> None:
    reply = extract({"descriptionText": BEACH_ES, "maxPhrases": 10})
    assert reply.status == 200, reply
    data = reply.data
    assert data["metadata"]["provider"] == "offline"
    assert 0 < len(data["phrases"]) <= 10
    for phrase in data["phrases"]:
        assert phrase["context"] in BEACH_ES and phrase["phrase"] in phrase["context"]
    assert extract({"descriptionText": BEACH_ES, "maxPhrases": 10}).data["phrases"] == data["phrases"]
