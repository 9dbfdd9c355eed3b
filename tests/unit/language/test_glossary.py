"""The glossary data and its lookups: the checker passes, entries read well, both directions work."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from describe_it.language import glossary
from describe_it.language.build_glossary import (
    SKIP_FILE,
    Skipped,
    check,
    frequency_list,
    parse_skipped,
)
from describe_it.language.glossary import DATA_FILE, GlossaryFormatError, parse, parse_line

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def ranked() -> list[str]:
    return frequency_list()


def test_the_bundled_glossary_passes_its_checker(ranked: list[str]) -> None:
    entries = parse(DATA_FILE.read_text(encoding="utf-8"))
    skipped = parse_skipped(SKIP_FILE.read_text(encoding="utf-8"))

    assert check(entries, skipped, ranked) == []
    words = {e.spanish for e in entries if e.rank is not None}
    assert len(words) >= 2000
    assert sum(1 for e in entries if e.rank is None) >= 50  # multi-word entries


def test_the_checker_command_exits_zero() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "describe_it.language.build_glossary", "--check"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PYTHONPATH": str(ROOT / "layers/common/python"), "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "0 problems" in result.stdout


def test_the_file_states_its_origin_and_licence() -> None:
    header = "".join(
        line for line in DATA_FILE.read_text(encoding="utf-8").splitlines(True) if line[0] == "#"
    )
    assert "Origin: written for this project" in header
    assert "wordfreq" in header
    assert "Licence: the project's own" in header


def _entry(rank: str, spanish: str, pos: str = "noun", gender: str = "f", english: str = "house") -> str:
    return "\t".join([rank, spanish, spanish, pos, gender, "sg" if pos == "noun" else "-", english])


def _parse(*lines: str) -> list[glossary.Entry]:
    return parse("\n".join(["\t".join(glossary.COLUMNS), *lines]))


def test_the_checker_reports_duplicates_wrong_ranks_gaps_and_order() -> None:
    ranked = ["de", "casa", "madrid", "perro", "gato"]
    entries = _parse(
        _entry("1", "de", "preposition", "-", "of"),
        _entry("2", "casa"),
        _entry("2", "casa"),  # duplicate
        _entry("5", "gato", gender="m", english="cat"),
        _entry("3", "perro", gender="m", english="dog"),  # wrong rank (4) and out of order
    )
    problems = check(entries, [Skipped(3, "madrid", "name")], ranked)

    assert any("casa" in p and "duplicate" in p for p in problems)
    assert any("perro" in p and "wordfreq says 4" in p for p in problems)
    assert any("perro" in p and "out of rank order" in p for p in problems)
    # Without the skip line, "madrid" is a gap in the rank order.
    assert any("madrid" in p and "neither an entry nor skipped" in p for p in check(entries, [], ranked))


def test_the_checker_accepts_a_sound_file() -> None:
    ranked = ["de", "casa", "madrid"]
    entries = _parse(_entry("1", "de", "preposition", "-", "of"), _entry("2", "casa", english="house; home"))
    assert check(entries, [Skipped(3, "madrid", "name")], ranked) == []


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("1\tcasa\tcasa\tnoun\tf\tsg", "fields"),
        ("1\tcasa\tcasa\tnoun\tf\tsg\t", "empty"),
        ("1\tcasa\tcasa\tnoun\t-\tsg\thouse", "gender"),
        ("1\tcasa\tcasa\tthing\tf\tsg\thouse", "part of speech"),
        ("1\tes\tser\tverb\t-\tpresent\tis", "verb form"),
        ("1\tcasa\tcasa\tnoun\tf\tsg\thouse; ; dog", "senses"),
        ("1\tcasa\tcasa\tnoun\tf\tsg\ta; b; c; d; e", "senses"),
        ("1\tcasa\tcasa\tnoun\tf\tsg\thouse (a; b)", "brackets"),
    ],
)
def test_a_malformed_line_is_refused(line: str, message: str) -> None:
    with pytest.raises(GlossaryFormatError, match=message):
        parse_line(7, line)


@pytest.mark.parametrize(
    ("word", "senses"),
    [
        ("casa", ["house", "home"]),
        ("tiempo", ["time", "weather"]),
        ("niño", ["child", "boy"]),
        ("banco", ["bank", "bench"]),
    ],
)
def test_common_words_have_their_common_senses_first(word: str, senses: list[str]) -> None:
    entry = glossary.lookup(word)[0]
    assert list(entry.senses[: len(senses)]) == senses


def test_ser_and_estar_are_both_to_be() -> None:
    assert glossary.lookup("ser")[0].translation == "to be"
    assert glossary.lookup("estar")[0].translation == "to be"
    assert {e.spanish for e in glossary.lookup("to be", "en")} >= {"ser", "estar"}


def test_lookup_normalises_case_punctuation_and_spacing_but_not_accents() -> None:
    assert glossary.lookup("  ¿CASA?  ") == glossary.lookup("casa")
    assert glossary.lookup("«Casa».") == glossary.lookup("casa")
    assert glossary.lookup("Por   favor")[0].senses[0] == "please"
    assert glossary.lookup("si")[0].senses[0] == "if"
    assert glossary.lookup("sí")[0].senses[0] == "yes"
    assert glossary.lookup("nino") == ()  # ñ is a letter of its own
    assert glossary.lookup("") == ()


def test_lookup_knows_inflected_forms_with_their_lemma_and_form() -> None:
    tiene = glossary.lookup("tiene")[0]
    assert (tiene.lemma, tiene.pos, tiene.form, tiene.senses[0]) == ("tener", "verb", "pres.3s", "has")
    casas = glossary.lookup("casas")[0]
    assert (casas.lemma, casas.gender, casas.form) == ("casa", "f", "pl")
    assert {e.lemma for e in glossary.lookup("fue")} == {"ser", "ir"}


def test_homographs_have_one_entry_per_sense() -> None:
    assert {(e.pos, e.translation) for e in glossary.lookup("vino")} == {("noun", "wine"), ("verb", "came")}


def test_reverse_lookup_prefers_the_plain_headword() -> None:
    assert glossary.translate("house", "en", "es") == "casa"
    assert glossary.translate("time", "en", "es") == "tiempo"  # before vez, "time (occasion)"
    assert glossary.translate("big", "en", "es") == "grande"  # before grandes
    assert glossary.translate("good", "en", "es") == "bueno"
    assert glossary.translate("to have", "en", "es") == "tener"
    assert glossary.translate("run", "en", "es") == "correr"  # "to run" without its "to"
    assert glossary.translate("please", "en", "es") == "por favor"
    # "walk (dar una vuelta)" is a sense of the expression, not of the word vuelta.
    assert all(e.spanish != "vuelta" for e in glossary.lookup("walk", "en"))


def test_translate_keeps_a_capital_from_spanish_to_english_only() -> None:
    assert glossary.translate("Casa", "es", "en") == "House"
    assert glossary.translate("casa", "es", "en") == "house"
    assert glossary.translate("Monday", "en", "es") == "lunes"
    assert glossary.translate("I have", "en", "es") == "tengo"


def test_translate_answers_only_for_entries_and_the_es_en_pair() -> None:
    assert glossary.translate("la casa es roja", "es", "en") is None
    assert glossary.translate("xyzzy", "es", "en") is None
    assert glossary.translate("casa", "es", "fr") is None
    assert glossary.translate("casa", "es", "es") is None


def test_covers_means_every_text_is_an_entry() -> None:
    assert glossary.covers(["casa", "Perro", "por favor"], "es", "en")
    assert glossary.covers(["house", "dog"], "en", "es")
    assert not glossary.covers(["casa", "una casa roja"], "es", "en")
    assert not glossary.covers(["house"], "es", "en")  # not a Spanish word
    assert not glossary.covers([], "es", "en")
    assert not glossary.covers(["casa"], "es", "de")


def test_the_glossary_is_loaded_once_even_by_concurrent_first_callers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    loads: list[int] = []
    real_load = glossary.load

    def counting_load(path: Path = DATA_FILE) -> glossary.Glossary:
        loads.append(1)
        return real_load(path)

    monkeypatch.setattr(glossary, "_loaded", None)
    monkeypatch.setattr(glossary, "load", counting_load)
    barrier = threading.Barrier(8)
    seen: list[glossary.Glossary] = []

    def first_use() -> None:
        barrier.wait()
        seen.append(glossary.get_glossary())

    threads = [threading.Thread(target=first_use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(loads) == 1
    assert len(seen) == 8
    assert all(g is seen[0] for g in seen)


def test_glossary_lookups_need_no_heavy_package() -> None:
    probe = (
        "import json, sys\n"
        "from describe_it.language import glossary, translate, collation, sentences\n"
        "assert glossary.translate('casa', 'es', 'en') == 'house'\n"
        "translate.offline_translate(['perro'], 'es', 'en')\n"
        "print(json.dumps(sorted(m for m in ('wordfreq', 'simplemma') if m in sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT / "layers/common/python"), "PATH": "/usr/bin:/bin"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout) == []
