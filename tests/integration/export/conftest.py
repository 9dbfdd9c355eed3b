"""Fixtures of the export tests: learners of each tier, rows of every section, the worker's events."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from describe_it.export.api import ExportJob
from infra.local.stack import Stack
from tests.support.api import STRONG_PASSWORD, call, signin
from tests.support.lambda_invoke import LambdaContext, Reply, load_function


@dataclass
class Learner:
    token: str
    id: UUID
    email: str

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Reply:
        return call(method, path, body, token=self.token, **kwargs)

    def export(self, body: dict[str, Any], **kwargs: Any) -> Reply:
        return self.call("POST", "/api/export/generate", body, **kwargs)

    def new_list(self, name: str = "Animales", **fields: Any) -> str:
        reply = self.call("POST", "/api/vocabulary/lists", {"name": name, **fields})
        assert reply.status == 201, reply
        return str(reply.data["id"])

    def save(self, list_id: str, *items: dict[str, Any]) -> list[dict[str, Any]]:
        reply = self.call("POST", "/api/vocabulary/save", {"listId": list_id, "vocabularyItems": list(items)})
        assert reply.status == 201, reply
        return reply.data["created"]  # type: ignore[no-any-return]


@pytest.fixture
def admin_sql(clean: Stack) -> Callable[..., list[tuple[Any, ...]]]:
    """SQL as the superuser (test data, and looking behind row-level security)."""

    def run(query: str, params: Any = None) -> list[tuple[Any, ...]]:
        with psycopg.connect(clean.admin_dsn(), autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    return run


@pytest.fixture
def make_learner(clean: Stack, admin_sql: Callable[..., Any]) -> Callable[..., Learner]:
    count = iter(range(1, 1000))

    def make(name: str, tier: str = "free") -> Learner:
        email = f"{name}@example.com"
        ip = f"198.51.100.{next(count)}"  # sign-up is limited per address
        body = {"email": email, "password": STRONG_PASSWORD, "username": name}
        reply = call("POST", "/api/auth/signup", body, source_ip=ip)
        assert reply.status == 201, reply
        user_id = UUID(reply.data["user"]["id"])
        token = reply.data["session"]["access_token"]
        if tier != "free":  # the tier reaches the token at the next sign-in
            admin_sql("UPDATE users SET tier = %s WHERE id = %s", [tier, user_id])
            again = signin(email, source_ip=ip)
            assert again.status == 200, again
            token = again.data["session"]["access_token"]
        return Learner(token, user_id, email)

    return make


@pytest.fixture
def ana(make_learner: Callable[..., Learner]) -> Learner:
    """A basic-tier learner: every format."""
    return make_learner("ana", "basic")


@pytest.fixture
def ben(make_learner: Callable[..., Learner]) -> Learner:
    return make_learner("ben", "basic")


@dataclass
class Queued:
    """The worker events the generate route handed over, instead of starting them (tests run them)."""

    jobs: list[ExportJob] = field(default_factory=list)

    def __call__(self, job: ExportJob) -> None:
        self.jobs.append(job)

    def events(self) -> list[dict[str, Any]]:
        return [job.model_dump(mode="json", by_alias=True) for job in self.jobs]


@pytest.fixture
def queued() -> Iterator[Queued]:
    """POST /api/export/generate queues large exports here; ``run_worker`` delivers them."""
    from describe_it.export.service import ExportService, get_export_service

    app = load_function("export_generate").app
    box = Queued()
    app.dependency_overrides[get_export_service] = lambda: ExportService(dispatch=box)
    yield box
    app.dependency_overrides.pop(get_export_service, None)


def run_worker(event: dict[str, Any]) -> dict[str, str]:
    """One delivery of a worker event, through the export_worker function's Lambda handler."""
    result: dict[str, str] = load_function("export_worker").lambda_handler(event, LambdaContext())
    return result


@pytest.fixture
def low_threshold(settings_env: Callable[..., None]) -> None:
    """Exports above 3 rows (PDF: 2) go to the worker, so a test needs a handful of rows, not 2,001."""
    settings_env(EXPORT_INLINE_MAX_ROWS="3", EXPORT_INLINE_MAX_PDF_ROWS="2")


WORDS = [
    {"phrase": "el niño", "translation": "the boy", "context": "El niño juega.", "tags": ["familia"]},
    {"phrase": "la canción", "translation": "the song", "partOfSpeech": "sustantivo"},
    {"phrase": "¿Qué tal?", "translation": "How are you?", "difficulty": 2},
    {"phrase": "mañana", "translation": "tomorrow", "category": "tiempo"},
    {"phrase": "=SUMA(A1)", "translation": "+formula", "notes": "-menos"},
]


def seed_descriptions(admin_sql: Callable[..., Any], user_id: UUID, count: int = 2, **columns: Any) -> None:
    """Saved descriptions of ``user_id`` (their routes are another issue's): the first a favourite."""
    image = uuid4()
    admin_sql(
        "INSERT INTO images (id, source_hash, source_type, url) VALUES (%s, %s, 'url', %s)",
        [image, image.bytes * 2, f"https://images.example.com/{image}.jpg"],
    )
    for n in range(count):
        admin_sql(
            """INSERT INTO saved_descriptions (user_id, image_id, style, english_description, spanish_description,
                                               word_count_english, word_count_spanish, is_favorite, user_rating,
                                               tags, is_public, created_at)
               VALUES (%s, %s, 'narrativo', %s, %s, 8, 9, %s, 4, %s, %s, %s)""",
            [
                user_id,
                image,
                f"A boy plays with a penguin in the garden ({n}).",
                f"Un niño juega con un pingüino en el jardín ({n}). ¿Qué más? ¡Mañana!",
                n == 0,
                columns.get("tags", ["jardín"]),
                columns.get("is_public", False),
                columns.get("created_at", "2026-03-01T10:00:00Z"),
            ],
        )


def seed_answers(admin_sql: Callable[..., Any], user_id: UUID, count: int = 2) -> None:
    """Q&A answers of ``user_id``: alternately right and wrong, medium difficulty."""
    for n in range(count):
        admin_sql(
            """INSERT INTO qa_responses (user_id, question, correct_answer, user_answer, is_correct, similarity_score,
                                         difficulty, category, answered_at)
               VALUES (%s, %s, 'Juega en el jardín.', %s, %s, %s, 'medio', 'Comprensión', %s)""",
            [
                user_id,
                f"¿Qué hace el niño? ({n})",
                "juega en el jardin" if n % 2 == 0 else "Duerme.",
                n % 2 == 0,
                0.9 if n % 2 == 0 else 0.1,
                f"2026-03-0{n % 9 + 1}T10:00:00Z",
            ],
        )
