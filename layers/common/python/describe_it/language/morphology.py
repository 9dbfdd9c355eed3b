"""Gender and article of Spanish nouns, and a conjugation note for Spanish verbs.

Gender comes from the glossary where it has the noun, else from an article or determiner before it in the
text (*unas ventanas*), else from the ending (``-o`` masculine; ``-a``, ``-ción``, ``-dad``… feminine) —
the last two are marked as guesses. The article is the definite one (*el, la, los, las*), with *el* before
a feminine noun that starts with a stressed *a* (*el agua*).

The conjugation note names the lemma and, where it can, the tense and person: *"camina — presente,
3.ª persona singular de caminar"*. The glossary knows the forms it lists (irregular ones included); any
other form is matched against the regular endings of its lemma's class (``-ar``, ``-er``, ``-ir``), with
the common stem changes (*duerme*, *pide*, *juega*, *durmió*), and the note ends in "(probable)".
Irregular forms outside the glossary get the lemma only, or a wrong tense — hence "probable".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from describe_it.language.glossary import Entry

Gender = Literal["masculino", "femenino"]
Article = Literal["el", "la", "los", "las"]
Source = Literal["glossary", "text", "ending"]

_GENDER_OF_DETERMINER: dict[str, tuple[Gender, bool]] = {
    **dict.fromkeys(
        [
            "el",
            "un",
            "este",
            "ese",
            "aquel",
            "al",
            "del",
            "nuestro",
            "vuestro",
            "mucho",
            "otro",
            "todo",
            "ningún",
            "algún",
        ],
        ("masculino", False),
    ),
    **dict.fromkeys(
        [
            "la",
            "una",
            "esta",
            "esa",
            "aquella",
            "nuestra",
            "vuestra",
            "mucha",
            "otra",
            "toda",
            "ninguna",
            "alguna",
        ],
        ("femenino", False),
    ),
    **dict.fromkeys(
        [
            "los",
            "unos",
            "estos",
            "esos",
            "aquellos",
            "nuestros",
            "vuestros",
            "muchos",
            "otros",
            "todos",
            "algunos",
        ],
        ("masculino", True),
    ),
    **dict.fromkeys(
        [
            "las",
            "unas",
            "estas",
            "esas",
            "aquellas",
            "nuestras",
            "vuestras",
            "muchas",
            "otras",
            "todas",
            "algunas",
        ],
        ("femenino", True),
    ),
}
_FEMININE_ENDINGS = ("a", "ción", "sión", "dad", "tad", "tud", "umbre", "ie", "triz")
_MASCULINE_ENDINGS = ("o", "aje", "or", "án", "és", "ín", "ón")
# Feminine nouns with a stressed initial a take "el" in the singular.
_EL_FEMININE = frozenset(
    [
        "agua",
        "alma",
        "área",
        "arma",
        "hambre",
        "águila",
        "aula",
        "ave",
        "hada",
        "hacha",
        "ala",
        "ama",
        "ancla",
        "arca",
        "asa",
        "aspa",
        "haba",
        "habla",
        "arpa",
    ]
)

_TENSE_NAMES = {
    "pres": "presente",
    "pret": "pretérito indefinido",
    "impf": "pretérito imperfecto",
    "fut": "futuro",
    "cond": "condicional",
    "subj": "presente de subjuntivo",
    "impsubj": "pretérito imperfecto de subjuntivo",
    "imp": "imperativo",
    "inf": "infinitivo",
    "ger": "gerundio",
    "part": "participio",
}
_ORDINALS = {"1": "1.ª", "2": "2.ª", "3": "3.ª"}
_NUMBER_NAMES = {"s": "singular", "p": "plural"}
_PERSONS = ("1s", "2s", "3s", "1p", "2p", "3p")
_STRESSED = frozenset({"1s", "2s", "3s", "3p"})  # the persons whose stem carries the stress

# Regular endings by class: (tense, endings for 1s 2s 3s 1p 2p 3p). Future and conditional attach to the
# whole infinitive; the others to the stem.
_AR = {
    "pres": ("o", "as", "a", "amos", "áis", "an"),
    "pret": ("é", "aste", "ó", "amos", "asteis", "aron"),
    "impf": ("aba", "abas", "aba", "ábamos", "abais", "aban"),
    "subj": ("e", "es", "e", "emos", "éis", "en"),
    "impsubj": ("ara", "aras", "ara", "áramos", "arais", "aran"),
}
_ER = {
    "pres": ("o", "es", "e", "emos", "éis", "en"),
    "pret": ("í", "iste", "ió", "imos", "isteis", "ieron"),
    "impf": ("ía", "ías", "ía", "íamos", "íais", "ían"),
    "subj": ("a", "as", "a", "amos", "áis", "an"),
    "impsubj": ("iera", "ieras", "iera", "iéramos", "ierais", "ieran"),
}
_IR = {**_ER, "pres": ("o", "es", "e", "imos", "ís", "en")}
_ON_INFINITIVE = {
    "fut": ("é", "ás", "á", "emos", "éis", "án"),
    "cond": ("ía", "ías", "ía", "íamos", "íais", "ían"),
}
_NON_FINITE = {"ar": {"ando": "ger", "ado": "part", "ada": "part", "ados": "part", "adas": "part"}}
_NON_FINITE["er"] = _NON_FINITE["ir"] = {
    "iendo": "ger",
    "ido": "part",
    "ida": "part",
    "idos": "part",
    "idas": "part",
}


@dataclass(frozen=True)
class NounInfo:
    gender: Gender | None
    article: Article | None
    plural: bool
    source: Source

    @property
    def guessed(self) -> bool:
        return self.source != "glossary"


@dataclass(frozen=True)
class Conjugation:
    form: str
    lemma: str
    tense: str | None  # a glossary form tag: "pres", "pret", …, "inf", "ger", "part"
    persons: tuple[str, ...]  # ("3s",) or ("1s", "3s"); empty for non-finite forms
    guessed: bool

    @property
    def note(self) -> str:
        if self.tense is None:
            text = f"{self.form} — forma de {self.lemma}"
        elif self.tense == "inf":
            text = f"{self.form} — infinitivo" + ("" if self.form == self.lemma else f" de {self.lemma}")
        elif not self.persons:
            text = f"{self.form} — {_TENSE_NAMES[self.tense]} de {self.lemma}"
        else:
            text = f"{self.form} — {_TENSE_NAMES[self.tense]}, {_persons_text(self.persons)} de {self.lemma}"
        return f"{text} (probable)" if self.guessed else text


def _persons_text(persons: tuple[str, ...]) -> str:
    numbers = {p[1] for p in persons}
    if len(numbers) == 1:
        ordinals = " o ".join(_ORDINALS[p[0]] for p in persons)
        return f"{ordinals} persona {_NUMBER_NAMES[persons[0][1]]}"
    return " o ".join(f"{_ORDINALS[p[0]]} persona {_NUMBER_NAMES[p[1]]}" for p in persons)


def definite_article(gender: Gender, plural: bool, singular_form: str) -> Article:
    if plural:
        return "los" if gender == "masculino" else "las"
    if gender == "femenino" and singular_form in _EL_FEMININE:
        return "el"
    return "el" if gender == "masculino" else "la"


def _singular(word: str) -> str:
    if word.endswith("ces"):
        return word[:-3] + "z"
    if word.endswith("es") and len(word) > 4 and word[-3] not in "aeiouáéíóú":
        return word[:-2]
    if word.endswith("s") and len(word) > 3:
        return word[:-1]
    return word


def noun_info(word: str, entry: Entry | None, lemma: str, previous_word: str | None) -> NounInfo:
    """Gender, definite article and number of a Spanish noun as it appears in the text."""
    word = word.casefold()
    if entry is not None and entry.pos == "noun" and entry.gender in ("m", "f"):
        gender: Gender = "masculino" if entry.gender == "m" else "femenino"
        plural = entry.form == "pl"
        return NounInfo(gender, definite_article(gender, plural, entry.lemma), plural, "glossary")
    if previous_word is not None and previous_word.casefold() in _GENDER_OF_DETERMINER:
        gender, plural = _GENDER_OF_DETERMINER[previous_word.casefold()]
        if not plural and previous_word.casefold() in ("el", "un", "al", "del") and lemma in _EL_FEMININE:
            gender = "femenino"  # "el agua" is feminine
        return NounInfo(gender, definite_article(gender, plural, lemma), plural, "text")
    if entry is not None and entry.gender == "mf":
        return NounInfo(None, None, entry.form == "pl", "glossary")
    plural = word.endswith("s") and not word.endswith(("sis", "is", "us")) and len(word) > 3
    singular = lemma if lemma and lemma != word else (_singular(word) if plural else word)
    if singular.endswith(_FEMININE_ENDINGS):
        return NounInfo("femenino", definite_article("femenino", plural, singular), plural, "ending")
    if singular.endswith(_MASCULINE_ENDINGS):
        return NounInfo("masculino", definite_article("masculino", plural, singular), plural, "ending")
    return NounInfo(None, None, plural, "ending")


def _person_tags(persons: str) -> tuple[str, ...]:
    return tuple(persons.split("/"))


def _regular_forms(lemma: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(form, tense, persons) of the regular paradigm of an infinitive, identical forms merged."""
    ending = lemma[-2:].replace("í", "i")
    stem = lemma[:-2]
    table = {"ar": _AR, "er": _ER, "ir": _IR}.get(ending)
    if table is None:
        return []
    forms: dict[tuple[str, str], list[str]] = {}
    for tense, endings in table.items():
        for person, suffix in zip(_PERSONS, endings, strict=True):
            forms.setdefault((stem + suffix, tense), []).append(person)
    for tense, endings in _ON_INFINITIVE.items():
        for person, suffix in zip(_PERSONS, endings, strict=True):
            forms.setdefault((lemma + suffix, tense), []).append(person)
    forms.setdefault((stem + ("a" if ending == "ar" else "e"), "imp"), []).append("2s")
    # Stem-changing verbs (dormir → duerme, pedir → pide, jugar → juega) in the persons that stress the stem,
    # and -ir verbs' e → i, o → u in the preterite's third persons and the gerund (pidió, durmiendo).
    for changed in _changed_stems(stem, ("ie", "ue", "i")):
        for tense in ("pres", "subj"):
            for person, suffix in zip(_PERSONS, table[tense], strict=True):
                if person in _STRESSED:
                    forms.setdefault((changed + suffix, tense), []).append(person)
        forms.setdefault((changed + ("a" if ending == "ar" else "e"), "imp"), []).append("2s")
    if ending == "ir":
        for changed in _changed_stems(stem, ("i", "u")):
            for person, suffix in (("3s", "ió"), ("3p", "ieron")):
                forms.setdefault((changed + suffix, "pret"), []).append(person)
    result = [(form, tense, tuple(persons)) for (form, tense), persons in forms.items()]
    result += [(stem + suffix, tense, ()) for suffix, tense in _NON_FINITE[ending].items()]
    if ending == "ir":
        result += [(changed + "iendo", "ger", ()) for changed in _changed_stems(stem, ("i", "u"))]
    return result


def _changed_stems(stem: str, changes: tuple[str, ...]) -> list[str]:
    """The stem with its last e/o/u changed: "dorm" → "duerm", "durm"; "ped" → "pid", "pied"."""
    position = max(stem.rfind("e"), stem.rfind("o"), stem.rfind("u"))
    if position < 0:
        return []
    vowel = stem[position]
    allowed = {"e": ("ie", "i"), "o": ("ue", "u"), "u": ("ue",)}[vowel]
    return [stem[:position] + change + stem[position + 1 :] for change in changes if change in allowed]


def conjugation(word: str, entry: Entry | None, lemma: str) -> Conjugation:
    """The lemma, tense and person of a Spanish verb form (from the glossary, or guessed)."""
    form = word.casefold()
    if entry is not None and entry.pos == "verb" and entry.form:
        tense, _, person_text = entry.form.partition(".")
        return Conjugation(form, entry.lemma, tense, _person_tags(person_text) if person_text else (), False)
    if form == lemma and lemma.endswith(("ar", "er", "ir", "ír")):
        return Conjugation(form, lemma, "inf", (), False)
    # The earliest tense in the table wins for a shared form (-amos: present before preterite).
    for candidate, tense, persons in _regular_forms(lemma):
        if candidate == form:
            return Conjugation(form, lemma, tense, persons, True)
    return Conjugation(form, lemma, None, (), True)
