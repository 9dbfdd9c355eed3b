"""The data set of every data benchmark: one deterministic generator, bulk-loaded with COPY.

    .venv/bin/python -m bench.dataset            # or `make bench-data`
    BENCH_DATA_DIR=/work/benchdb .venv/bin/python -m bench.dataset --fresh

Full scale (issue 9): 10,000 users, 50,000 vocabulary items in public and private lists, 1,000,000
``learning_progress`` rows and 3,000,000 ``review_logs``, skewed: ten heavy learners
(``heavy-01@bench.describe-it.local`` … ``heavy-10``, the benches use ``heavy-01``) with 20,000 cards and
100,000 reviews each; the other 800,000 cards follow a Pareto distribution over 9,990 users (a few
hundred medium learners, thousands with a handful of cards, some with none). Every user's password is
``BENCH_PASSWORD``.

How it writes: through the schema's real tables, constraints and triggers (the list word counts come
from the items' insert trigger), as ``describeit_owner`` over the migration DSN, like the seed: the
owner is exempt from row-level security, the benchmarks then read through the app role under it.
COPY in batches, ``synchronous_commit`` off, then VACUUM ANALYZE.

Deterministic: every id, word and timestamp comes from ``SEED`` (the timestamps relative to the
anchor, the generation's minute, which is kept in heavy-01's ``created_at`` so a resumed run
continues the same history). Resumable: users, then lists and items, then cards are written in
chunks of whole users, each chunk one transaction; a re-run skips what is already there, ``--fresh``
drops the database first. The database lives under ``BENCH_DATA_DIR`` (default ``.local/bench``), its
own embedded PostgreSQL cluster, reused by ``bench.vocabulary``.
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import math
import os
import random
import sys
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

SEED = 20261201
DATABASE = "describeit_bench"
BENCH_PASSWORD = "bench-password-2026"
EMAIL_DOMAIN = "bench.describe-it.local"
HEAVY_LEARNER = f"heavy-01@{EMAIL_DOMAIN}"
DAY_S = 86_400
HISTORY_DAYS = 330  # every review lies in the last HISTORY_DAYS days before the anchor
COPY_BATCH = 50_000  # rows per COPY write


@dataclass(frozen=True)
class Scale:
    """Sizes of the data set; the defaults are issue 9's."""

    users: int = 10_000
    heavy: int = 10
    public_lists: int = 100
    public_list_size: int = 200
    heavy_lists: int = 10  # private lists of each heavy learner
    heavy_list_size: int = 200
    owners: int = 1_000  # other users with one private list
    owner_list_size: int = 10
    shared_per_heavy: int = 2  # owners' lists shared with each heavy learner
    progress: int = 1_000_000
    heavy_cards: int = 20_000
    logs: int = 3_000_000
    heavy_logs: int = 100_000
    pool: int = 25_000  # distinct Spanish words the lists draw from

    @property
    def items(self) -> int:
        return (
            self.public_lists * self.public_list_size
            + self.heavy * self.heavy_lists * self.heavy_list_size
            + self.owners * self.owner_list_size
        )


# --- words -------------------------------------------------------------------------------------------

# Real words first: the pool is drawn with Zipf weights by rank, so these are the frequent ones
# (a search for "casa" finds it in many lists, as it would in real lists).
REAL_WORDS = [
    ("casa", "house", "noun", "f"), ("perro", "dog", "noun", "m"), ("gato", "cat", "noun", "m"),
    ("agua", "water", "noun", "f"), ("libro", "book", "noun", "m"), ("mesa", "table", "noun", "f"),
    ("ciudad", "city", "noun", "f"), ("árbol", "tree", "noun", "m"), ("niño", "child", "noun", "m"),
    ("mañana", "morning", "noun", "f"), ("corazón", "heart", "noun", "m"), ("montaña", "mountain", "noun", "f"),
    ("playa", "beach", "noun", "f"), ("camino", "path", "noun", "m"), ("ventana", "window", "noun", "f"),
    ("puerta", "door", "noun", "f"), ("cielo", "sky", "noun", "m"), ("sol", "sun", "noun", "m"),
    ("luna", "moon", "noun", "f"), ("estrella", "star", "noun", "f"), ("flor", "flower", "noun", "f"),
    ("río", "river", "noun", "m"), ("mar", "sea", "noun", "m"), ("coche", "car", "noun", "m"),
    ("tren", "train", "noun", "m"), ("pan", "bread", "noun", "m"), ("leche", "milk", "noun", "f"),
    ("queso", "cheese", "noun", "m"), ("manzana", "apple", "noun", "f"), ("naranja", "orange", "noun", "f"),
    ("escuela", "school", "noun", "f"), ("trabajo", "work", "noun", "m"), ("amigo", "friend", "noun", "m"),
    ("familia", "family", "noun", "f"), ("tiempo", "time", "noun", "m"), ("año", "year", "noun", "m"),
    ("día", "day", "noun", "m"), ("noche", "night", "noun", "f"), ("semana", "week", "noun", "f"),
    ("comer", "to eat", "verb", ""), ("beber", "to drink", "verb", ""), ("hablar", "to speak", "verb", ""),
    ("vivir", "to live", "verb", ""), ("caminar", "to walk", "verb", ""), ("escribir", "to write", "verb", ""),
    ("leer", "to read", "verb", ""), ("correr", "to run", "verb", ""), ("dormir", "to sleep", "verb", ""),
    ("pensar", "to think", "verb", ""), ("querer", "to want", "verb", ""), ("saber", "to know", "verb", ""),
    ("grande", "big", "adjective", ""), ("pequeño", "small", "adjective", ""), ("rojo", "red", "adjective", ""),
    ("azul", "blue", "adjective", ""), ("verde", "green", "adjective", ""), ("feliz", "happy", "adjective", ""),
    ("triste", "sad", "adjective", ""), ("rápido", "fast", "adjective", ""), ("lento", "slow", "adjective", ""),
    ("hermoso", "beautiful", "adjective", ""), ("difícil", "difficult", "adjective", ""),
    ("fácil", "easy", "adjective", ""), ("siempre", "always", "adverb", ""), ("nunca", "never", "adverb", ""),
    ("también", "also", "adverb", ""), ("después", "after", "adverb", ""), ("aquí", "here", "adverb", ""),
    ("bajo", "under", "preposition", ""), ("sobre", "on", "preposition", ""), ("entre", "between", "preposition", ""),
    ("cocina", "kitchen", "noun", "f"), ("jardín", "garden", "noun", "m"), ("pájaro", "bird", "noun", "m"),
    ("nube", "cloud", "noun", "f"), ("lluvia", "rain", "noun", "f"), ("nieve", "snow", "noun", "f"),
    ("bosque", "forest", "noun", "m"), ("calle", "street", "noun", "f"), ("plaza", "square", "noun", "f"),
    ("iglesia", "church", "noun", "f"), ("mercado", "market", "noun", "m"), ("dinero", "money", "noun", "m"),
    ("camisa", "shirt", "noun", "f"), ("zapato", "shoe", "noun", "m"), ("sombrero", "hat", "noun", "m"),
    ("música", "music", "noun", "f"), ("canción", "song", "noun", "f"), ("pintura", "painting", "noun", "f"),
]  # fmt: skip
_ONSETS = ["b", "c", "d", "f", "g", "j", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "ll", "ñ", "br",
           "tr", "pl", "gr", "cr", "fl"]  # fmt: skip
_VOWELS = ["a", "e", "i", "o", "u", "a", "e", "o", "á", "é", "í", "ó"]
_CODAS = ["", "", "", "n", "s", "r", "l"]
_EN_PARTS = ["ba", "den", "fir", "gol", "ham", "kin", "lor", "mis", "nor", "pel", "quin", "ros", "sil", "tam",
             "ver", "wen", "yor", "zel", "ack", "ent", "ish", "ow", "ly", "er"]  # fmt: skip
POS_WEIGHTS = (("noun", 55), ("verb", 20), ("adjective", 15), ("adverb", 6), ("phrase", 4))
CATEGORIES = ["home", "food", "nature", "travel", "work", "family", "city", "body", "clothes", "time"]


@dataclass(frozen=True)
class Word:
    spanish: str
    english: str
    pos: str
    gender: str  # "m", "f" or "" (not a noun)


def word_pool(size: int, rng: random.Random) -> list[Word]:
    """``size`` distinct Spanish words: the real ones, then made-up ones that look Spanish."""
    words = [Word(*w) for w in REAL_WORDS[:size]]
    seen = {w.spanish for w in words}
    seen_en = {w.english for w in words}
    names, weights = zip(*POS_WEIGHTS, strict=True)
    while len(words) < size:
        syllables = rng.choice((2, 2, 3, 3, 4))
        text = "".join(
            rng.choice(_ONSETS) + (_VOWELS[rng.randrange(8)] if i < syllables - 1 else rng.choice(_VOWELS))
            for i in range(syllables)
        ) + rng.choice(_CODAS)
        if text in seen:
            continue
        english = "".join(rng.choice(_EN_PARTS) for _ in range(rng.choice((2, 2, 3))))
        while english in seen_en:
            english += rng.choice(_EN_PARTS)
        pos = rng.choices(names, weights)[0]
        if pos == "verb":
            text = text.rstrip("áéíóúsnrl") + rng.choice(("ar", "er", "ir"))
            if text in seen:
                continue
            english = "to " + english
        elif pos == "phrase":
            text = f"{text} de {rng.choice(REAL_WORDS)[0]}"
            english = f"{english} of the {rng.choice(REAL_WORDS)[1]}"
        gender = ("f" if text.endswith("a") else "m") if pos == "noun" else ""
        seen.add(text)
        seen_en.add(english)
        words.append(Word(text, english, pos, gender))
    return words


def zipf_picker(size: int) -> list[float]:
    """Cumulative Zipf weights (s = 1, offset 10) over pool ranks, for ``bisect``."""
    return list(itertools.accumulate(1.0 / (rank + 10) for rank in range(size)))


def pick_distinct(rng: random.Random, cumulative: list[float], count: int) -> list[int]:
    total = cumulative[-1]
    chosen: dict[int, None] = {}
    while len(chosen) < count:
        chosen[bisect.bisect(cumulative, rng.random() * total)] = None
    return list(chosen)


# --- the plan: who, which lists and items, how many cards and reviews --------------------------------


@dataclass
class ListPlan:
    id: uuid.UUID
    owner: int | None  # user index; None = a system list
    name: str
    is_public: bool
    category: str
    difficulty: int
    words: list[int]  # pool indexes
    item_ids: list[uuid.UUID] = field(default_factory=list)


@dataclass
class Plan:
    scale: Scale
    anchor: datetime
    user_ids: list[uuid.UUID]
    pool: list[Word]
    lists: list[ListPlan]
    shares: list[tuple[int, int]]  # (list index, user index)
    cards: list[int]  # per user
    logs: list[int]  # per user
    readable: dict[int, list[int]]  # user index -> list indexes beyond the public ones (own, shared)
    public_items: list[uuid.UUID]

    def items_of(self, list_indexes: Iterable[int]) -> list[uuid.UUID]:
        return [item for index in list_indexes for item in self.lists[index].item_ids]


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def email(index: int, heavy: int) -> str:
    if index < heavy:
        return f"heavy-{index + 1:02d}@{EMAIL_DOMAIN}"
    return f"learner-{index + 1:05d}@{EMAIL_DOMAIN}"


def allocate(total: int, weights: list[float], caps: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder), no share above its cap."""
    out = [0] * len(weights)
    left = total
    active = [i for i in range(len(weights)) if caps[i] > 0]
    while left > 0 and active:
        weight = sum(weights[i] for i in active)
        exact = {i: left * weights[i] / weight for i in active}
        given = {i: min(caps[i] - out[i], math.floor(exact[i])) for i in active}
        for i, n in given.items():
            out[i] += n
        left -= sum(given.values())
        for i in sorted(active, key=lambda i: exact[i] - math.floor(exact[i]), reverse=True):
            if left == 0:
                break
            if out[i] < caps[i]:
                out[i] += 1
                left -= 1
        active = [i for i in active if out[i] < caps[i]]
    if left:
        raise ValueError(f"cannot place {left} more rows under the caps")
    return out


def build_plan(scale: Scale, anchor: datetime) -> Plan:
    rng = random.Random(f"{SEED}-plan")
    user_ids = [_uuid(rng) for _ in range(scale.users)]
    pool = word_pool(scale.pool, random.Random(f"{SEED}-words"))
    cumulative = zipf_picker(len(pool))
    owners = range(scale.heavy, scale.heavy + scale.owners)
    lists: list[ListPlan] = []

    def new_list(owner: int | None, name: str, public: bool, size: int) -> None:
        lists.append(
            ListPlan(
                id=_uuid(rng),
                owner=owner,
                name=name,
                is_public=public,
                category=rng.choice(("basic", "intermediate", "advanced", "thematic", "custom")),
                difficulty=rng.randint(1, 10),
                words=pick_distinct(rng, cumulative, size),
            )
        )

    for i in range(scale.public_lists):  # 3 of 5 are system lists, the others a learner's
        owner = None if i % 5 < 3 or not owners else owners[i % len(owners)]
        new_list(owner, f"Public list {i + 1:03d}", True, scale.public_list_size)
    for user in range(scale.heavy):
        for j in range(scale.heavy_lists):
            new_list(user, f"{CATEGORIES[j % len(CATEGORIES)].title()} {j + 1}", False, scale.heavy_list_size)
    for user in owners:
        new_list(user, "My Vocabulary", False, scale.owner_list_size)
    for entry in lists:
        entry.item_ids = [_uuid(rng) for _ in entry.words]

    private_of_owner = {entry.owner: index for index, entry in enumerate(lists) if not entry.is_public}
    shares = [
        (private_of_owner[owners[(user * scale.shared_per_heavy + k) % len(owners)]], user)
        for user in range(scale.heavy)
        for k in range(scale.shared_per_heavy if owners else 0)
    ]
    readable: dict[int, list[int]] = {}
    for index, entry in enumerate(lists):
        if not entry.is_public and entry.owner is not None:
            readable.setdefault(entry.owner, []).append(index)
    for list_index, user in shares:
        readable.setdefault(user, []).append(list_index)
    public_items = [item for entry in lists if entry.is_public for item in entry.item_ids]

    caps = [
        len(public_items) + sum(len(lists[i].item_ids) for i in readable.get(u, []))
        for u in range(scale.users)
    ]
    heavy_cards = [min(scale.heavy_cards, caps[u]) for u in range(scale.heavy)]
    weights = [rng.paretovariate(1.5) for _ in range(scale.users - scale.heavy)]
    rest = allocate(scale.progress - sum(heavy_cards), weights, caps[scale.heavy :])
    cards = heavy_cards + rest
    # every card has at least one review; the heavy learners review each card more often
    heavy_logs = [max(scale.heavy_logs, n) for n in heavy_cards]
    extra = allocate(
        scale.logs - sum(heavy_logs) - sum(rest), [float(n) for n in rest], [n * 40 for n in rest]
    )
    logs = heavy_logs + [n + e for n, e in zip(rest, extra, strict=True)]
    return Plan(scale, anchor, user_ids, pool, lists, shares, cards, logs, readable, public_items)


# --- rows (COPY text format; nothing generated needs escaping) ---------------------------------------

N = "\\N"


class Stamp:
    """Fast UTC timestamp literals: the date part cached per day."""

    def __init__(self) -> None:
        self._days: dict[int, str] = {}

    def __call__(self, t: float) -> str:
        day, seconds = divmod(int(t), DAY_S)
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = time.strftime("%Y-%m-%d", time.gmtime(day * DAY_S))
        hours, rest = divmod(seconds, 3600)
        return f"{text} {hours:02d}:{rest // 60:02d}:{rest % 60:02d}+00"


USER_COLUMNS = (
    "id, email, username, full_name, password_hash, email_verified_at, tier, time_zone, spanish_level, "
    "last_login_at, last_active_at, created_at, updated_at"
)
ZONES = ["Europe/Madrid", "America/Mexico_City", "America/New_York", "America/Bogota", "Europe/London",
         "America/Los_Angeles", "Asia/Tokyo", "UTC", "America/Argentina/Buenos_Aires", "Australia/Sydney"]  # fmt: skip


def user_rows(plan: Plan, password_hash: str) -> Iterator[str]:
    rng = random.Random(f"{SEED}-users")
    stamp = Stamp()
    base = plan.anchor.timestamp()
    for index, user_id in enumerate(plan.user_ids):
        heavy = index < plan.scale.heavy
        # heavy-01 is created exactly 400 days before the anchor: a resumed run reads the anchor back
        created = base - 400 * DAY_S + (0 if index == 0 else rng.randrange(0, 60 * DAY_S))
        tier = "pro" if heavy else rng.choices(("free", "basic", "pro"), (85, 10, 5))[0]
        zone = "Europe/Madrid" if heavy else rng.choice(ZONES)
        level = rng.choice(("beginner", "intermediate", "advanced"))
        active = stamp(base - rng.randrange(0, 30 * DAY_S))
        yield "\t".join(
            (str(user_id), email(index, plan.scale.heavy), f"bench_{index + 1:05d}", f"Bench Learner {index + 1}",
             password_hash, stamp(created), tier, zone, level, active, active, stamp(created), stamp(created))
        )  # fmt: skip


LIST_COLUMNS = (
    "id, owner_id, name, description, category, difficulty_level, tags, is_public, created_at, updated_at"
)
ITEM_COLUMNS = (
    "id, vocabulary_list_id, spanish_text, english_translation, part_of_speech, difficulty_level, category, "
    "gender, article, context_sentence_spanish, context_sentence_english, tags, frequency_score, created_at, "
    "updated_at"
)
SHARE_COLUMNS = "list_id, user_id, created_at"


def list_rows(plan: Plan) -> Iterator[str]:
    stamp = Stamp()
    base = plan.anchor.timestamp() - 380 * DAY_S
    for index, entry in enumerate(plan.lists):
        owner = N if entry.owner is None else str(plan.user_ids[entry.owner])
        created = stamp(base + index * 60)
        yield "\t".join(
            (str(entry.id), owner, entry.name, f"{len(entry.words)} words for the benchmarks", entry.category,
             str(entry.difficulty), "{bench}", "t" if entry.is_public else "f", created, created)
        )  # fmt: skip


def item_rows(plan: Plan) -> Iterator[str]:
    rng = random.Random(f"{SEED}-items")
    stamp = Stamp()
    base = plan.anchor.timestamp() - 380 * DAY_S
    levels = ("beginner", "intermediate", "advanced")
    for index, entry in enumerate(plan.lists):
        start = base + index * 60
        for position, (word_index, item_id) in enumerate(zip(entry.words, entry.item_ids, strict=True)):
            word = plan.pool[word_index]
            gender = {"m": "masculino", "f": "femenino"}.get(word.gender, N)
            article = {"m": "el", "f": "la"}.get(word.gender, N)
            created = stamp(start + position)  # list order = insertion order, a second apart
            yield "\t".join(
                (str(item_id), str(entry.id), word.spanish, word.english, word.pos, levels[word_index % 3],
                 CATEGORIES[word_index % len(CATEGORIES)], gender, article,
                 f"Veo {word.spanish} aquí." if rng.random() < 0.5 else N,
                 f"I see {word.english} here." if rng.random() < 0.5 else N,
                 "{}", str(1 + word_index % 10), created, created)
            )  # fmt: skip


def share_rows(plan: Plan) -> Iterator[str]:
    stamp = Stamp()(plan.anchor.timestamp() - 200 * DAY_S)
    for list_index, user in plan.shares:
        yield f"{plan.lists[list_index].id}\t{plan.user_ids[user]}\t{stamp}"


PROGRESS_COLUMNS = (
    "id, user_id, vocabulary_item_id, state, step, stability, difficulty, due, last_review, reps, lapses, "
    "correct_count, incorrect_count, streak_count, mastery, average_response_time_ms, first_reviewed_at, "
    "created_at, updated_at"
)
LOG_COLUMNS = (
    "user_id, vocabulary_item_id, rating, reviewed_at, review_duration_ms, state_before, state_after, "
    "stability_before, stability_after, difficulty_before, difficulty_after, retrievability, elapsed_days, "
    "scheduled_days, due_after, created_at"
)
# FSRS-6's default initial stabilities (days) per first rating, and a plain growth per later rating:
# plausible numbers, not a scheduler (the benchmarks read them; they do not check the algorithm).
_S0 = (0.212, 1.2931, 2.3065, 8.2956)
_GROWTH = (0.3, 1.2, 2.5, 4.0)
_RATINGS = (1, 2, 3, 4)
_RATING_WEIGHTS = (6, 14, 65, 15)
_STEP_S = 600.0  # a learning step: ten minutes
MAX_STABILITY = 365.0


def _fmt(value: float) -> str:
    return f"{value:.4f}"


def card_rows(plan: Plan, user: int, stamp: Stamp | None = None) -> tuple[list[str], list[str]]:
    """(learning_progress rows, review_logs rows) of one user: ``cards[user]`` cards, ``logs[user]`` reviews."""
    rng = random.Random(f"{SEED}-cards-{user}")
    stamp = stamp or Stamp()
    n_cards, n_logs = plan.cards[user], plan.logs[user]
    if n_cards == 0:
        return [], []
    own = plan.items_of(plan.readable.get(user, []))
    # own and shared items first (a learner studies their lists), then public ones
    public = rng.sample(plan.public_items, max(0, n_cards - len(own)))
    items = (own + public)[:n_cards]
    reps = [1] * n_cards
    for index in rng.choices(range(n_cards), k=n_logs - n_cards):
        reps[index] += 1
    user_id = str(plan.user_ids[user])
    anchor = plan.anchor.timestamp()
    progress: list[str] = []
    logs: list[str] = []
    ratings = rng.choices(_RATINGS, _RATING_WEIGHTS, k=n_logs)
    r_at = 0
    for item, count in zip(items, reps, strict=True):
        card_ratings = ratings[r_at : r_at + count]
        r_at += count
        offsets, rows, final = _simulate(rng, card_ratings)
        span = offsets[-1]
        limit = HISTORY_DAYS * DAY_S
        scheduled_s = final[3] * DAY_S if final[0] == "review" else _STEP_S
        # how long before the anchor the last review was: about one in ten review cards is due by
        # then; a card still in (re)learning was left within its steps, up to three days ago
        wait = rng.uniform(0.0, 1.1) * scheduled_s if final[0] == "review" else rng.uniform(0, 3 * DAY_S)
        gap = min(wait, limit / 2)
        if span > 0:
            # A learner adds cards all year: the card's first review lies anywhere in the window, and its
            # chain is stretched (reviews came late) or squeezed (early, at most twofold) to end at the
            # gap. Without this every chain ended near the anchor and a heavy learner's reviews piled up
            # in the last month (41,264 of 100,000 in 32 days).
            room = limit - gap
            target = rng.uniform(min(span, room) / 2, room)
            offsets = [o * target / span for o in offsets]
            span = target
        start = anchor - span - gap
        durations = [rng.randrange(1500, 12000) for _ in card_ratings]
        item_id = str(item)
        previous = None
        for offset, row, duration in zip(offsets, rows, durations, strict=True):
            t = start + offset
            rating, state_before, state_after, s_before, s_after, d_before, d_after, scheduled = row
            elapsed = N if previous is None else _fmt((t - previous) / DAY_S)
            retrievability = (
                N
                if s_before is None or previous is None
                else _fmt((1 + 19 / 81 * (t - previous) / DAY_S / s_before) ** -0.5)
            )
            due_after = t + (scheduled * DAY_S if state_after == "review" else _STEP_S)
            fields = (
                user_id, item_id, str(rating), stamp(t), str(duration), state_before or N, state_after,
                N if s_before is None else _fmt(s_before), _fmt(s_after),
                N if d_before is None else _fmt(d_before), _fmt(d_after), retrievability, elapsed,
                _fmt(scheduled if state_after == "review" else 0.0069), stamp(due_after), stamp(t),
            )  # fmt: skip
            logs.append("\t".join(fields))
            previous = t
        state, step, stability, _, difficulty, lapses, streak = final
        last = start + offsets[-1]
        correct = sum(1 for r in card_ratings if r >= 2)
        mastery = min(1.0, stability / 60.0) if state == "review" else min(0.5, stability / 60.0)
        card = (
            str(_uuid(rng)), user_id, item_id, state, N if step is None else str(step), _fmt(stability),
            _fmt(difficulty), stamp(last + scheduled_s), stamp(last), str(count), str(lapses), str(correct),
            str(count - correct), str(streak), f"{mastery:.3f}", str(sum(durations) // count),
            stamp(start), stamp(start), stamp(last),
        )  # fmt: skip
        progress.append("\t".join(card))
    return progress, logs


Review = tuple[int, str | None, str, float | None, float, float | None, float, float]


def _simulate(
    rng: random.Random, ratings: list[int]
) -> tuple[list[float], list[Review], tuple[str, int | None, float, float, float, int, int]]:
    """Offsets (seconds from the first review) and log values of one card's reviews, and its final state
    (state, step, stability, scheduled days, difficulty, lapses, streak)."""
    offsets: list[float] = []
    rows: list[Review] = []
    t = 0.0
    state: str | None = None
    stability = difficulty = 0.0
    step: int | None = None
    lapses = streak = 0
    scheduled = 0.0
    for rating in ratings:
        offsets.append(t)
        before, s_before, d_before = state, (stability if state else None), (difficulty if state else None)
        if state is None:
            stability = _S0[rating - 1]
            difficulty = min(10.0, max(1.0, 7.0 - (rating - 3) * 1.5))
            state = "review" if rating >= 3 else "learning"
        else:
            difficulty = min(10.0, max(1.0, difficulty + (3 - rating) * 0.4))
            if state == "review" and rating == 1:
                state, lapses = "relearning", lapses + 1
                stability = max(0.1, stability * _GROWTH[0])
            elif state == "review":
                stability = min(MAX_STABILITY, stability * _GROWTH[rating - 1] * rng.uniform(0.85, 1.15))
            elif rating >= 3:
                state = "review"
        step = None if state == "review" else (0 if rating == 1 else 1)
        streak = streak + 1 if rating >= 2 else 0
        scheduled = round(max(1.0, stability), 2) if state == "review" else 0.0
        rows.append((rating, before, state, s_before, stability, d_before, difficulty, scheduled))
        wait = scheduled * DAY_S * rng.uniform(0.9, 1.6) if state == "review" else _STEP_S * rng.uniform(1, 3)
        t += wait
    return offsets, rows, (state or "learning", step, stability, scheduled, difficulty, lapses, streak)


# --- activity (issue 11): sessions, Q&A answers, saved descriptions, learning events -----------------

SESSION_COLUMNS = (
    "user_id, session_type, status, started_at, ended_at, last_activity_at, reviews_count, reviews_correct, "
    "qa_attempts, qa_correct, vocabulary_learned, descriptions_generated, device_type, created_at, updated_at"
)
QA_COLUMNS = (
    "user_id, question, correct_answer, user_answer, is_correct, difficulty, category, response_time_ms, "
    "answered_at, created_at"
)
IMAGE_COLUMNS = "id, source_hash, source_type, url, description, width, height, created_at, updated_at"
SAVED_COLUMNS = (
    "user_id, image_id, style, english_description, spanish_description, word_count_english, word_count_spanish, "
    "is_favorite, tags, is_public, created_at, updated_at"
)
EVENT_COLUMNS = "user_id, event_type, score, correct, time_spent_ms, occurred_at, local_date, created_at"
IMAGES = 200
STYLES = ("narrativo", "poetico", "academico", "conversacional", "infantil", "creativo", "tecnico")
QA_CATEGORIES = ("Vocabulario", "Gramática", "Cultura", "Comprensión", "Expresión")
EVENTS = ("vocabulary_learned", "vocabulary_reviewed", "qa_answered", "description_generated", "session_completed",
          "phrase_learned", "goal_achieved")  # fmt: skip


@dataclass(frozen=True)
class Activity:
    """Per-user amounts of the activity phase, scaled from the user's reviews (heavy learners: fixed)."""

    heavy_days: int = 300  # days with a session in the heavy learners' last HISTORY_DAYS (a 45-day streak)
    heavy_answers: int = 6_000
    heavy_saved: int = 2_000
    heavy_events: int = 3_000


def image_rows(anchor: datetime) -> Iterator[str]:
    import hashlib

    from describe_it.images_ids import image_id_for_hash

    stamp = Stamp()(anchor.timestamp() - 390 * DAY_S)
    for n in range(IMAGES):
        url = f"https://images.bench.describe-it.local/photo-{n:04d}.jpg"
        digest = hashlib.sha256(url.encode()).digest()
        yield "\t".join(
            (str(image_id_for_hash(digest)), "\\\\x" + digest.hex(), "url", url, f"Bench photo {n}", "1200", "800",
             stamp, stamp)
        )  # fmt: skip


def activity_rows(plan: Plan, user: int, zone: str, activity: Activity = Activity()) -> dict[str, list[str]]:
    """One user's sessions, answers, saved descriptions and learning events (COPY lines per table)."""
    from zoneinfo import ZoneInfo

    from describe_it.images_ids import image_id_for_hash

    rng = random.Random(f"{SEED}-activity-{user}")
    stamp = Stamp()
    heavy = user < plan.scale.heavy
    anchor = plan.anchor.timestamp()
    logs = plan.logs[user]
    if heavy:
        # every day of the last 45, then most days before: a current streak and a longest one to beat
        days = list(range(45)) + sorted(rng.sample(range(45, HISTORY_DAYS), activity.heavy_days - 45))
        answers, saved, events = activity.heavy_answers, activity.heavy_saved, activity.heavy_events
    else:
        active = max(1, min(HISTORY_DAYS, logs // 8))
        days = sorted(rng.sample(range(HISTORY_DAYS), active))
        answers, saved, events = logs // 10, rng.choice((0, 0, 1, 2, 5)), logs // 20
    user_id = str(plan.user_ids[user])
    zone_info = ZoneInfo(zone)
    out: dict[str, list[str]] = {
        "sessions": [],
        "qa_responses": [],
        "saved_descriptions": [],
        "user_interactions": [],
    }
    for day in days:
        for _ in range(rng.choice((1, 1, 1, 2))):
            start = anchor - day * DAY_S - rng.uniform(600, DAY_S - 3600)
            end = start + rng.uniform(300, 3600)
            reviews = rng.randrange(5, 60)
            qa = rng.randrange(0, 12)
            row = (user_id, rng.choice(("review", "qa", "vocabulary", "mixed", "description")), "completed",
                   stamp(start), stamp(end), stamp(end), str(reviews), str(rng.randrange(0, reviews + 1)), str(qa),
                   str(rng.randrange(0, qa + 1)), str(rng.randrange(0, 10)), str(rng.randrange(0, 3)),
                   rng.choice(("desktop", "mobile", "tablet")), stamp(start), stamp(end))  # fmt: skip
            out["sessions"].append("\t".join(row))

    def moment() -> float:
        return anchor - rng.choice(days) * DAY_S - rng.uniform(600, DAY_S - 3600)

    for _ in range(answers):
        t = moment()
        correct = rng.random() < 0.72
        row = (user_id, "¿Qué hay en la imagen?", "un gato en la ventana", "un gato" if correct else "un perro",
               "t" if correct else "f", rng.choice(("facil", "medio", "dificil")), rng.choice(QA_CATEGORIES),
               str(rng.randrange(2_000, 60_000)), stamp(t), stamp(t))  # fmt: skip
        out["qa_responses"].append("\t".join(row))
    for n in range(saved):
        t = moment()
        digest = (
            __import__("hashlib")
            .sha256(f"https://images.bench.describe-it.local/photo-{rng.randrange(IMAGES):04d}.jpg".encode())
            .digest()
        )
        english = f"A quiet street at dusk, with a cat on a window sill and a red door ({n})."
        spanish = f"Una calle tranquila al atardecer, con un gato en la ventana y una puerta roja ({n})."
        row = (user_id, str(image_id_for_hash(digest)), rng.choice(STYLES), english, spanish,
               str(len(english.split())), str(len(spanish.split())), "t" if rng.random() < 0.1 else "f",
               "{bench}", "t" if rng.random() < 0.05 else "f", stamp(t), stamp(t))  # fmt: skip
        out["saved_descriptions"].append("\t".join(row))
    for _ in range(events):
        t = moment()
        local = datetime.fromtimestamp(t, zone_info).date().isoformat()
        row = (user_id, rng.choice(EVENTS), f"{rng.random():.3f}", rng.choice(("t", "f")),
               str(rng.randrange(1_000, 300_000)), stamp(t), local, stamp(t))  # fmt: skip
        out["user_interactions"].append("\t".join(row))
    return out


# 0006's backfill of learning_progress.first_mastered_at (the rule of the review path), for cards
# written after the migration ran: the first review whose R(30 d, S) rounds to >= 0.8 in review state.
FIRST_MASTERED = """UPDATE learning_progress p SET first_mastered_at = m.at
  FROM (SELECT r.user_id, r.vocabulary_item_id, min(r.reviewed_at) AS at
          FROM review_logs r
          LEFT JOIN user_settings s ON s.user_id = r.user_id
          CROSS JOIN LATERAL (SELECT -coalesce(s.fsrs_parameters[21], 0.1542) AS d) w
         WHERE r.user_id = ANY (%(users)s) AND r.state_after = 'review'
           AND round(power(1 + (power(0.9, 1 / w.d) - 1) * 30 / r.stability_after, w.d)::numeric, 3) >= 0.8
         GROUP BY 1, 2) m
 WHERE p.user_id = ANY (%(users)s) AND p.first_mastered_at IS NULL
   AND p.user_id = m.user_id AND p.vocabulary_item_id = m.vocabulary_item_id"""


# --- loading -----------------------------------------------------------------------------------------


class Bar:
    """A progress bar on stderr: rows done of the total, rate and ETA; redrawn at most twice a second."""

    def __init__(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self.started = self._drawn = time.monotonic()
        self._draw()

    def add(self, rows: int) -> None:
        self.done += rows
        if time.monotonic() - self._drawn >= 0.5 or self.done >= self.total:
            self._draw()

    def close(self) -> float:
        self._draw()
        sys.stderr.write("\n")
        return time.monotonic() - self.started

    def _draw(self) -> None:
        self._drawn = time.monotonic()
        elapsed = self._drawn - self.started
        share = self.done / self.total if self.total else 1.0
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else 0.0
        filled = int(share * 30)
        sys.stderr.write(
            f"\r{self.label:<10} [{'#' * filled}{'.' * (30 - filled)}] {self.done:>10,}/{self.total:,} "
            f"{share:6.1%} {rate:>9,.0f} rows/s  {elapsed:6.1f} s  eta {eta:5.0f} s "
        )
        sys.stderr.flush()


def copy_rows(conn: Any, table: str, columns: str, rows: Iterable[str], bar: Bar | None = None) -> int:
    """COPY ``rows`` (text format lines) into ``table`` in batches of COPY_BATCH; the number of rows."""
    count = 0
    with conn.cursor().copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for batch in _batched(rows):
            copy.write("\n".join(batch) + "\n")
            count += len(batch)
            if bar is not None:
                bar.add(len(batch))
    return count


def _batched(rows: Iterable[str]) -> Iterator[list[str]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, COPY_BATCH)):
        yield batch


def card_chunks(plan: Plan, rows_per_chunk: int = 400_000) -> list[range]:
    """Whole users per chunk, about ``rows_per_chunk`` cards + reviews each (one transaction per chunk)."""
    chunks, start, size = [], 0, 0
    for user, n in enumerate(plan.cards):
        size += n + plan.logs[user]
        if size >= rows_per_chunk:
            chunks.append(range(start, user + 1))
            start, size = user + 1, 0
    if start < len(plan.cards):
        chunks.append(range(start, len(plan.cards)))
    return chunks


def _owner(conn: Any) -> None:
    conn.execute("SET ROLE describeit_owner")
    conn.execute("SET synchronous_commit = off")


def stored_anchor(conn: Any) -> datetime | None:
    row = conn.execute("SELECT created_at FROM users WHERE email = %s", [HEAVY_LEARNER]).fetchone()
    return None if row is None else row[0] + timedelta(days=400)


def load(dsn: str, scale: Scale, *, quiet: bool = False) -> dict[str, Any]:
    """Write the data set into the database at ``dsn`` (migrated), skipping what is already there."""
    import psycopg

    timings: dict[str, float] = {}
    started = time.monotonic()
    with psycopg.connect(dsn, autocommit=True, application_name="describeit-bench-data") as conn:
        _owner(conn)
        anchor = stored_anchor(conn) or datetime.now(UTC).replace(second=0, microsecond=0)
        plan = build_plan(scale, anchor)
        timings["plan_s"] = time.monotonic() - started
        if stored_anchor(conn) is None:
            from describe_it.auth.passwords import hash_password

            with conn.transaction():
                bar = Bar("users", scale.users)
                _check_zones(conn)
                # The per-row time-zone trigger scans pg_timezone_names (~30-50 ms a row here): the zones
                # were checked just above by the same rule, once; the trigger is off for this COPY only
                # (DDL is transactional: it is on again, or never off, when this transaction ends).
                conn.execute("ALTER TABLE users DISABLE TRIGGER users_check_time_zone")
                copy_rows(conn, "users", USER_COLUMNS, user_rows(plan, hash_password(BENCH_PASSWORD)), bar)
                conn.execute("ALTER TABLE users ENABLE TRIGGER users_check_time_zone")
                timings["users_s"] = bar.close()
        if (
            conn.execute("SELECT 1 FROM vocabulary_lists WHERE id = %s", [plan.lists[0].id]).fetchone()
            is None
        ):
            with conn.transaction():
                bar = Bar("lists", len(plan.lists) + scale.items + len(plan.shares))
                copy_rows(conn, "vocabulary_lists", LIST_COLUMNS, list_rows(plan), bar)
                copy_rows(conn, "vocabulary_items", ITEM_COLUMNS, item_rows(plan), bar)
                copy_rows(conn, "vocabulary_list_shares", SHARE_COLUMNS, share_rows(plan), bar)
                timings["lists_items_s"] = bar.close()
        bar = Bar("cards", scale.progress + scale.logs)
        stamp = Stamp()
        for chunk in card_chunks(plan):
            if _chunk_done(conn, plan, chunk):
                bar.add(sum(plan.cards[u] + plan.logs[u] for u in chunk))
                continue
            with conn.transaction():
                progress: list[str] = []
                logs: list[str] = []
                for user in chunk:
                    p, lg = card_rows(plan, user, stamp)
                    progress += p
                    logs += lg
                copy_rows(conn, "learning_progress", PROGRESS_COLUMNS, progress, bar)
                copy_rows(conn, "review_logs", LOG_COLUMNS, logs, bar)
        timings["cards_s"] = bar.close()
        timings["activity_s"] = load_activity(conn, plan)
    vacuum_started = time.monotonic()
    with psycopg.connect(dsn, autocommit=True) as conn:
        if not quiet:
            sys.stderr.write("VACUUM ANALYZE …\n")
        for table in ("users", "user_settings", "vocabulary_lists", "vocabulary_items", "vocabulary_list_shares",
                      "learning_progress", "review_logs", "sessions", "qa_responses", "images",
                      "saved_descriptions", "user_interactions", "learning_analytics"):  # fmt: skip
            conn.execute(f"VACUUM (ANALYZE) {table}")
    timings["vacuum_s"] = time.monotonic() - vacuum_started
    timings["total_s"] = time.monotonic() - started
    return {
        "anchor": anchor.isoformat(),
        "heavy_learner": HEAVY_LEARNER,
        **{k: round(v, 1) for k, v in timings.items()},
    }


def load_activity(conn: Any, plan: Plan) -> float:
    """Sessions, answers, saved descriptions and events per chunk of users (skipping finished chunks), the
    first-mastered backfill, and the heavy learners' daily rollups (as the maintenance cron leaves them)."""
    zones = dict(
        conn.execute("SELECT id, time_zone FROM users WHERE id = ANY (%s)", [plan.user_ids]).fetchall()
    )
    if (
        conn.execute("SELECT 1 FROM images WHERE url LIKE 'https://images.bench.%%' LIMIT 1").fetchone()
        is None
    ):
        copy_rows(conn, "images", IMAGE_COLUMNS, image_rows(plan.anchor))
    chunks = card_chunks(plan, rows_per_chunk=1_000_000)
    bar = Bar("activity", len(plan.user_ids))
    for chunk in chunks:
        first = plan.user_ids[chunk.start]
        if conn.execute("SELECT 1 FROM sessions WHERE user_id = %s LIMIT 1", [first]).fetchone() is not None:
            bar.add(len(chunk))
            continue
        with conn.transaction():
            tables: dict[str, list[str]] = {}
            for user in chunk:
                for table, lines in activity_rows(plan, user, zones[plan.user_ids[user]]).items():
                    tables.setdefault(table, []).extend(lines)
            columns = {"sessions": SESSION_COLUMNS, "qa_responses": QA_COLUMNS, "saved_descriptions": SAVED_COLUMNS,
                       "user_interactions": EVENT_COLUMNS}  # fmt: skip
            for table, lines in tables.items():
                copy_rows(conn, table, columns[table], lines)
            conn.execute(FIRST_MASTERED, {"users": [plan.user_ids[u] for u in chunk]})
        bar.add(len(chunk))
    seconds = bar.close()
    from psycopg.rows import dict_row

    from describe_it.progress.rollups import roll_up

    conn.execute("RESET ROLE")  # roll_up runs as the maintenance job does (admin); here the superuser
    with conn.transaction():
        previous = conn.row_factory
        conn.row_factory = dict_row
        for user in range(plan.scale.heavy):
            roll_up(conn, plan.user_ids[user], datetime.now(UTC))
        conn.row_factory = previous
    _owner(conn)
    return seconds


def _check_zones(conn: Any) -> None:
    """The rule of the users_check_time_zone trigger, once for every zone the generator uses."""
    known = {
        row[0] for row in conn.execute("SELECT name FROM pg_timezone_names WHERE name = ANY (%s)", [ZONES])
    }
    if missing := set(ZONES) - known:
        raise SystemExit(f"unknown time zones: {sorted(missing)}")


def _chunk_done(conn: Any, plan: Plan, chunk: range) -> bool:
    """A chunk is one transaction: done when its first user with cards has them."""
    for user in chunk:
        if plan.cards[user]:
            found = conn.execute(
                "SELECT 1 FROM learning_progress WHERE user_id = %s LIMIT 1", [plan.user_ids[user]]
            ).fetchone()
            return found is not None
    return True


def data_dir() -> Path:
    from infra.local.stack import LOCAL_DIR

    return Path(os.environ.get("BENCH_DATA_DIR") or LOCAL_DIR / "bench")


def start_stack(*, fresh: bool = False) -> Any:
    """The bench stack: its own embedded PostgreSQL under ``data_dir()`` (migrated), moto for DynamoDB."""
    from infra.local import stack as local_stack

    return local_stack.start(DATABASE, fresh=fresh, local_dir=data_dir())


def counts(dsn: str) -> dict[str, int]:
    import psycopg

    tables = ("users", "vocabulary_lists", "vocabulary_items", "learning_progress", "review_logs")
    with psycopg.connect(dsn) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}  # type: ignore[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="drop the bench database first")
    args = parser.parse_args()
    sys.stderr.write(f"bench data in {data_dir()} (database {DATABASE})\n")
    running = start_stack(fresh=args.fresh)
    try:
        result = load(running.admin_dsn(), Scale())
        result["rows"] = counts(running.admin_dsn())
        print(result, flush=True)
    finally:
        running.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
