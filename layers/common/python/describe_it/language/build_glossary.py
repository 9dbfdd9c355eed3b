"""Check and maintain the glossary: ``python -m describe_it.language.build_glossary --check``.

The senses are written by hand; this script owns everything that can be derived. ``--write`` recomputes
every single word's rank from wordfreq's Spanish list, sorts the file by rank (multi-word entries last),
rewrites the skip list's ranks and adds to it the numbers written in digits; ``--candidates N`` prints
the next N frequent words that are neither in the glossary nor skipped (the words to write next);
``--check`` verifies, without writing:

- the source: every single word is in wordfreq's list at the rank the file states, the file is in rank
  order, and every word down to the last rank is either an entry or skipped with a reason (names,
  numbers, stray letters, English words, misspellings, abbreviations) — so the choice is by rank alone;
- the shape: no empty fields, 1–4 senses, known parts of speech, genders and forms (``glossary.parse``);
- no duplicates: the same word, part of speech, lemma, gender and form twice (*el frente* and *la
  frente* are two nouns, *mira* "looks" and *¡mira!* "look" two forms of one verb); no repeated sense
  within an entry; lower-case NFC headwords; multi-word entries only in the multi-word section.

Needs ``wordfreq`` (the AI/language layer; installed for development by ``requirements-dev.txt``).
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace

from describe_it.language.glossary import COLUMNS, DATA_FILE, NONE, Entry, parse

SKIP_FILE = DATA_FILE.parent / "skipped.tsv"
SKIP_COLUMNS = ("rank", "word", "reason")
SKIP_REASONS = ("name", "number", "letter", "english", "misspelling", "abbreviation", "noise")
LIST_SIZE = 3000  # how much of wordfreq's list is read; must reach past the last rank used
GLOSSARY_HEADER = (
    "# Describe It es-en glossary. Origin: written for this project; the headwords are the most frequent\n"
    "# Spanish words of wordfreq 3.1.1 (top_n_list('es'); rank = position, 1 = most frequent), the senses,\n"
    "# parts of speech, lemmas and genders were written by the project's developers. No dictionary data\n"
    "# was copied. Licence: the project's own (same terms as the code).\n"
    "# Columns: rank (or - for multi-word entries), spanish, lemma, pos, gender (m/f/mf/-),\n"
    "# form (sg/pl, a verb form such as pres.3s, or -), english (1-4 senses separated by '; ').\n"
)
SKIP_HEADER = (
    "# Words of wordfreq's Spanish list that the glossary leaves out on purpose, with the reason.\n"
    "# Part of the Describe It glossary (same origin and licence).\n"
)


@dataclass(frozen=True)
class Skipped:
    rank: int
    word: str
    reason: str


def frequency_list(size: int = LIST_SIZE) -> list[str]:
    from wordfreq import top_n_list  # the AI/language layer: imported only when the script runs

    words: list[str] = top_n_list("es", size)
    return words


def parse_skipped(text: str) -> list[Skipped]:
    rows: list[Skipped] = []
    lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    if not lines or tuple(lines[0].split("\t")) != SKIP_COLUMNS:
        raise ValueError(f"{SKIP_FILE.name}: the header must be {' '.join(SKIP_COLUMNS)}")
    for line in lines[1:]:
        rank, word, reason = line.split("\t")
        rows.append(Skipped(int(rank), word, reason))
    return rows


def check(entries: Sequence[Entry], skipped: Sequence[Skipped], ranked: Sequence[str]) -> list[str]:
    """Every problem found, as one line each (empty when the glossary is sound)."""
    problems: list[str] = []
    rank_of = {word: index for index, word in enumerate(ranked, start=1)}
    seen: set[tuple[str, str, str, str, str]] = set()
    last_rank = 0
    in_phrases = False
    for entry in entries:
        name = f"{entry.spanish} ({entry.pos})"
        key = (entry.spanish, entry.pos, entry.lemma, entry.gender or NONE, entry.form or NONE)
        if key in seen:
            problems.append(f"{name}: duplicate entry (same word, part of speech, lemma, gender and form)")
        seen.add(key)
        if entry.spanish != unicodedata.normalize("NFC", entry.spanish.casefold()):
            problems.append(f"{name}: headwords are lower-case NFC")
        if len(set(entry.senses)) != len(entry.senses):
            problems.append(f"{name}: a sense is repeated")
        if entry.rank is None:
            in_phrases = True
            if " " not in entry.spanish:
                problems.append(f"{name}: a single word needs its frequency rank")
            continue
        if in_phrases:
            problems.append(f"{name}: ranked words come before the multi-word entries")
        if " " in entry.spanish:
            problems.append(f"{name}: a multi-word entry has rank {NONE!r}")
        actual = rank_of.get(entry.spanish)
        if actual is None:
            problems.append(f"{name}: not in wordfreq's first {len(ranked)} Spanish words")
        elif actual != entry.rank:
            problems.append(f"{name}: rank {entry.rank}, wordfreq says {actual}")
        if entry.rank < last_rank:
            problems.append(f"{name}: out of rank order (after rank {last_rank})")
        last_rank = max(last_rank, entry.rank)
    entered = {entry.spanish for entry in entries if entry.rank is not None}
    skip_words = set()
    for row in skipped:
        skip_words.add(row.word)
        if row.reason not in SKIP_REASONS:
            problems.append(f"skipped {row.word}: unknown reason {row.reason!r}")
        if row.word in entered:
            problems.append(f"skipped {row.word}: also an entry")
        if rank_of.get(row.word) != row.rank:
            problems.append(f"skipped {row.word}: rank {row.rank}, wordfreq says {rank_of.get(row.word)}")
    for rank, word in enumerate(ranked[:last_rank], start=1):
        if word not in entered and word not in skip_words:
            problems.append(f"rank {rank} {word!r}: neither an entry nor skipped (the choice is by rank)")
    if not any(entry.senses for entry in entries):
        problems.append("the glossary is empty")
    return problems


def format_entry(entry: Entry) -> str:
    fields = (
        NONE if entry.rank is None else str(entry.rank),
        entry.spanish,
        entry.lemma,
        entry.pos,
        entry.gender or NONE,
        entry.form or NONE,
        "; ".join(entry.senses),
    )
    return "\t".join(fields)


def canonical(entries: Sequence[Entry], ranked: Sequence[str]) -> list[Entry]:
    """Ranks from wordfreq, rows in rank order (stable: a word's rows keep their order), phrases last."""
    rank_of = {word: index for index, word in enumerate(ranked, start=1)}
    words = [
        replace(entry, rank=rank_of.get(entry.spanish, entry.rank or 0))
        for entry in entries
        if " " not in entry.spanish
    ]
    phrases = [replace(entry, rank=None) for entry in entries if " " in entry.spanish]
    return sorted(words, key=lambda entry: entry.rank or 0) + phrases


def write(entries: Sequence[Entry], skipped: Sequence[Skipped], ranked: Sequence[str]) -> None:
    rank_of = {word: index for index, word in enumerate(ranked, start=1)}
    # Numbers written in digits are skipped without asking (number words such as "dos" are entries).
    last = max((rank_of.get(entry.spanish, 0) for entry in entries), default=0)
    listed = {row.word for row in skipped}
    skipped = [
        *skipped,
        *(
            Skipped(rank, word, "number")
            for rank, word in enumerate(ranked[:last], start=1)
            if word not in listed and not any(char.isalpha() for char in word)
        ),
    ]
    lines = [GLOSSARY_HEADER + "\t".join(COLUMNS)] + [format_entry(e) for e in canonical(entries, ranked)]
    DATA_FILE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = sorted(
        (replace(row, rank=rank_of.get(row.word, row.rank)) for row in skipped), key=lambda r: r.rank
    )
    skip_lines = [SKIP_HEADER + "\t".join(SKIP_COLUMNS)] + [f"{r.rank}\t{r.word}\t{r.reason}" for r in rows]
    SKIP_FILE.write_text("\n".join(skip_lines) + "\n", encoding="utf-8")


def candidates(
    entries: Sequence[Entry], skipped: Sequence[Skipped], ranked: Sequence[str], count: int
) -> list[str]:
    known = {entry.spanish for entry in entries} | {row.word for row in skipped}
    return [f"{rank}\t{word}" for rank, word in enumerate(ranked, start=1) if word not in known][:count]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m describe_it.language.build_glossary", description=__doc__
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true", help="verify the glossary (exit 1 on any problem)")
    mode.add_argument("--write", action="store_true", help="recompute ranks, sort, then verify")
    mode.add_argument("--candidates", type=int, metavar="N", help="the next N words to write")
    args = parser.parse_args(argv)
    entries = parse(DATA_FILE.read_text(encoding="utf-8"))
    skipped = parse_skipped(SKIP_FILE.read_text(encoding="utf-8"))
    ranked = frequency_list()
    if args.candidates:
        print("\n".join(candidates(entries, skipped, ranked, args.candidates)))
        return 0
    if args.write:
        write(entries, skipped, ranked)
        entries = parse(DATA_FILE.read_text(encoding="utf-8"))
        skipped = parse_skipped(SKIP_FILE.read_text(encoding="utf-8"))
    problems = check(entries, skipped, ranked)
    for problem in problems:
        print(problem, file=sys.stderr)
    words = {entry.spanish for entry in entries if entry.rank is not None}
    phrases = sum(1 for entry in entries if entry.rank is None)
    last = max((entry.rank for entry in entries if entry.rank is not None), default=0)
    print(
        f"{len(entries)} entries: {len(words)} words (ranks 1–{last}, {len(skipped)} skipped), "
        f"{phrases} multi-word entries; {len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
