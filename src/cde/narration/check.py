"""The small check: what a model's texts may not say, read before any placeholder is filled.

A model writes each C's text (``character`` … ``condition``) and the ``analytic`` memo
with placeholders for every figure (``{capacity.dsr_pct}``). :func:`check` refuses:

* ``unknown_fact``: a ``{…}`` that is not the id of a fact.
* ``missing_verdict``: a C's text that does not reference ``{<dim>.verdict}``.
* ``unlisted``: a word outside ``vocabulary.txt``: its plain words (function words, the
  things the facts are about, neutral verbs; with their -s, 's, -nya, -lah … forms) and the
  words below that the check judges. So a comparison, trend, minimiser or a word of praise
  or blame that no list grades (``within``, ``exceeds``, ``growing``, ``only``, ``di
  bawah``, ``melebihi``, ``exemplary``) is refused, not guessed at.
* ``figure``: any digit (``10.000.000``, ``Rp10jt``, ``kol-4``, ``2026``) or number word
  (``sepuluh``, ``dua puluh``, ``juta``, ``setengah``, ``keenam``; ``ten``, ``half``,
  ``dozen``, ``twice``, ``fifth`` …); not ``5C``, ``lima C``, ``salah satu``, ``one of``.
* ``verdict``: a grading word against the engine's grade for the C it is about: praise
  (``strong``, ``kuat``, ``no arrears`` …) of a C graded D or E; high praise (``excellent``,
  ``fully``, ``very strong``, ``sangat baik``) of one graded C–E; blame (``weak``,
  ``lemah``, ``terlalu berat`` …) of one graded A or B unless the sentence cites one of the
  C's concerns (a non-positive finding) by its placeholder; grave blame (``critical``,
  ``sangat lemah``) of one graded A–C. Negated, a word says the opposite, weakened (``not
  strong`` is blame, ``not excellent`` nothing); ``cukup``/``enough``/``well`` beside
  another grading word only strengthen it. A word is about the C its clause names last
  before it, else first after it, else (in a C's own text) that C; in the analytic a
  clause that names no C is not judged. Clauses end at ``, ; : —``, ``but``, ``tetapi`` ….
* ``outcome``: approving words (``approved``, ``disetujui``, ``layak``, ``pencairan``)
  when the engine declined, declining ones (``rejected``, ``ditolak``) when it approved;
  "with conditions" (``dengan syarat``) when it set none, "without conditions"
  (``tanpa syarat``, ``outright``) when it did, "as requested" (``sesuai permohonan``)
  when it changed the plafon or the tenor.
* ``gender`` (any gendered word: the model is never told the gender), ``name`` (an
  honorific before a capitalised word, or a word of the name) and ``occupation`` (any
  occupation word: it comes by reference only).

A negation (``not``, ``no``, ``never``, ``tidak``, ``bukan``, ``belum``, ``tanpa``,
``kurang``, ``n't`` …) reaches a word through the words that only carry it (``not very``,
``tidak dapat``), not across a verb. Not caught, by design: a figure's value (only that
one was typed), a wrong figure-free claim about one fact in plain words (``KYC is done``),
a fact referenced where it makes no sense, sarcasm. A safety net under referenced facts,
not a reader of meaning; decision 38 says why the words are a closed list.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from cde.domain.decision import Outcome
from cde.domain.findings import FIVE_C
from cde.narration.facts import Facts
from cde.narration.render import PLACEHOLDER

__all__ = ["Violation", "ViolationKind", "check"]

ViolationKind = Literal[
    "unknown_fact", "figure", "verdict", "missing_verdict", "outcome", "gender", "name",
    "occupation", "unlisted",
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Violation:
    """One thing a text may not say: its kind, the text's field, the words, and why."""

    kind: ViolationKind
    field: str  # "character" … "condition", or "analytic"
    text: str  # the words at fault, as written
    detail: str  # English, for the record and the corrective retry

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "field": self.field, "text": self.text, "detail": self.detail}


# Occupations, each with the words that mean it in either language.
_JOBS: tuple[tuple[str, ...], ...] = (
    ("guru", "pengajar", "teacher", "schoolteacher"),
    ("petani", "pekebun", "farmer"),
    ("nelayan", "fisher", "fisherman", "fishermen"),
    ("pedagang", "penjual", "trader", "merchant", "seller", "vendor", "shopkeeper"),
    ("pns", "asn", "pegawai negeri", "civil servant"),
    ("karyawan", "pegawai", "employee"),
    ("wiraswasta", "wirausaha", "pengusaha", "self-employed", "entrepreneur"),
    ("buruh", "labourer", "laborer"),
    ("sopir", "supir", "pengemudi", "ojek", "driver"),
    ("peternak", "breeder"),
    ("tukang", "craftsman"),
    ("pensiunan", "retiree", "pensioner"),
    ("mahasiswa", "pelajar", "student"),
    ("dokter", "doctor"),
    ("perawat", "bidan", "nurse", "midwife"),
    ("tni", "polri", "polisi", "tentara", "soldier", "police officer"),
    ("ibu rumah tangga", "housewife", "homemaker"),
)
_JOB_OF = {word: group for group in _JOBS for word in group}
_SCALES = "belas puluh ratus ribu juta miliar milyar triliun"
_DIGITS = "dua tiga empat lima enam tujuh delapan sembilan"


def _sections() -> dict[str, list[str]]:
    """vocabulary.txt, by section: the plain words, the words the check judges, phrases."""
    sections: dict[str, list[str]] = {"plain": []}
    lines = sections["plain"]
    for line in (
        resources.files(__package__).joinpath("vocabulary.txt").read_text("utf-8").split("\n")
    ):
        if line.startswith("["):
            lines = sections.setdefault(line.strip("[]"), [])
        elif line.strip() and not line.startswith("#"):
            lines.append(line)
    return sections


_SECTIONS = _sections()
_LISTS = {k: frozenset(" ".join(v).split()) for k, v in _SECTIONS.items() if k != "phrases"}


def _phrases() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """The phrases by their first word: the words that follow (the longest first), the kind."""
    phrases: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for line in sorted(_SECTIONS["phrases"], key=lambda line: -len(line.split())):
        kind, first, *rest = line.replace(":", " ", 1).split()
        phrases.setdefault(first, []).append((tuple(rest), kind))
    return phrases


_PHRASES = _phrases()
_VOCABULARY = _LISTS["plain"]
_NUMBERS = (
    f"satu {_DIGITS} {_SCALES} setengah separuh sepertiga seperempat seperlima seperenam "
    "sepersepuluh quarter quarters one two three four five six seven eight nine ten eleven "
    "twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty "
    "fifty sixty seventy eighty ninety hundred thousand million billion trillion hundreds "
    "thousands millions billions trillions dozen dozens half halves twice thrice double "
    "triple quadruple third fourth fifth sixth seventh eighth ninth tenth thirds fourths "
    "fifths tenths kedua ketiga keempat kelima keenam ketujuh kedelapan kesembilan "
    "kesepuluh".split()
    + [f"{d}{s}" for d in ["se", *_DIGITS.split()] for s in _SCALES.split()]
    + [f"{s}an" for s in _SCALES.split()]  # jutaan
)
# Each word :func:`check` looks for, by what it is (a C's name, a number word …).
_WORDS: dict[str, str] = {
    **{word: kind for kind, words in _LISTS.items() if kind != "plain" for word in words},
    **dict.fromkeys(_NUMBERS, "number"),
    **{w + s: "job" for w in _JOB_OF if " " not in w for s in ("", "s")},
}


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


_VERY = _set(
    "very highly extremely exceptionally critically seriously severely sangat amat sungguh "
    "sangatlah"
)
# how strongly a verdict word speaks well (+) or ill (-) of a C, by its kind; negated, it
# says the opposite, weakened ("not excellent" is no verdict, "not strong" a poor one)
_POLARITY = {"superb": 2, "positive": 1, "negative": -1, "dire": -2}
_NEGATED = {2: 0, 1: -1, -1: 1, -2: 0}
# the grades each polarity contradicts
_CONTRADICTS = {2: "CDE", 1: "DE", -1: "AB", -2: "ABC"}
# words a negation reaches across to the word it negates
_CARRIERS = _set(
    "very so too that particularly especially entirely a an the be is are was were yet "
    "can could will would should be been being able to terlalu begitu cukup sangat yang "
    "lagi dapat bisa boleh akan perlu harus layak untuk ada any"
)
# words whose -nya form is another word (a figure word: "satunya", "duanya" …)
_NOT_SUFFIXED = frozenset({"number", "male", "female", "fine"})
_NEGATIONS = _set("not no never cannot without tidak tak bukan belum tanpa kurang")
_HONORIFICS = _set("bapak pak ibu bu sdr sdri saudara saudari tuan nyonya nona mr mrs ms sir")
# words (with their hyphens and apostrophes), figures in digits, and sentence ends
_TOKEN = re.compile(
    r"[^\W\d_]+(?:['’-][^\W\d_]+)*|\d[^\s.,!?;:()]*(?:[.,]\d[^\s.,!?;:()]*)*|[.!?](?=\s|$)|\n"
    r"|\x1f"  # where a placeholder was
    r"|[,;:—–]"  # clause breaks
)
_REF = "\x1f"
_PARTS = re.compile(r"['’-]")
_BRACES = re.compile(r"\{[^{}]*\}")
_DIMS = frozenset(FIVE_C)
_STOP = frozenset(".!?\n")
# where a clause ends: a verdict word speaks of a C named in its own clause
_CLAUSE = frozenset(",;:—–") | _set(
    "but while whereas although though however yet tetapi namun sedangkan meskipun "
    "walaupun sehingga karena because"
)
# the words that carry a verdict or a negation, and the names of terms: plain words too
_PLAFON = _set("plafon amount jumlah nominal")
_TENOR = _set("tenor term jangka")
_KNOWN = _VERY | _CARRIERS | _NEGATIONS | _CLAUSE | _PLAFON | _TENOR
_SUFFIXES = ("'s", "nya", "lah", "pun", "kah", "es", "s")


def _plain(word: str) -> bool:
    """A word of the vocabulary, or one of its forms; no word that grades (those are judged)."""
    word = word.replace("’", "'")
    if word in _KNOWN or any(word.removesuffix(end) in _VOCABULARY for end in ("", *_SUFFIXES)):
        return True
    parts = [p for p in _PARTS.split(word) if p]
    return len(parts) > 1 and all(p in _VOCABULARY for p in parts)


# words that grade only when no other verdict word is beside them ("cukup kuat", "strong enough")
_SOFT = _set("cukup enough well")


def _beside_verdict(lows: list[str], i: int, start: int) -> bool:
    return lows[i] in _SOFT and any(
        _kind(lows, j)[0] in _POLARITY for j in (i - 1, i + 1) if start <= j < len(lows)
    )


def check(texts: dict[str, str], facts: Facts) -> list[Violation]:
    """What ``texts`` (a field's name -> its raw text, placeholders not rendered) say that
    the engine's facts do not support; an empty list when nothing."""
    out: list[Violation] = []
    for field, raw in texts.items():
        _check_one(field, raw, facts, out)
    return out


def _kind(lows: list[str], i: int) -> tuple[str, int]:
    """What the words from ``lows[i]`` are, and how many of them: a phrase, a word, a
    hyphenated word with a number word in it (``twenty-five``), or a figure."""
    word = lows[i]
    for rest, kind in _PHRASES.get(word, ()):
        if tuple(lows[i + 1 : i + 1 + len(rest)]) == rest:
            return kind, 1 + len(rest)
    kind = _WORDS.get(word, "")
    if not kind and word.endswith("nya") and len(word) > 5:  # agunannya: its collateral
        kind = _WORDS.get(word[:-3], "")
        kind = "" if kind in _NOT_SUFFIXED else kind
    if not kind and word[0].isdigit():
        kind = "digits"
    elif not kind and "-" in word and any(_WORDS.get(p) == "number" for p in word.split("-")):
        kind = "number"
    return kind, 1


def _check_one(field: str, raw: str, facts: Facts, out: list[Violation]) -> None:
    def add(kind: ViolationKind, words: str, detail: str) -> None:
        out.append(Violation(kind, field, words, detail))

    seen: set[str] = set()
    for m in _BRACES.finditer(raw):
        ref = PLACEHOLDER.fullmatch(m.group())
        if ref is None or ref.group(1) not in facts.by_id:
            add("unknown_fact", m.group(), "not the id of a fact: use only the ids given")
        else:
            seen.add(ref.group(1))
    if field in _DIMS and f"{field}.verdict" not in seen:
        add("missing_verdict", f"{{{field}.verdict}}", f"the {field} text must state its verdict")

    cited = [m.group()[1:-1] for m in _BRACES.finditer(raw)]
    text = _BRACES.sub(f" {_REF} ", raw)  # the model's own words, and where it cited a fact
    spans = [(m.start(), m.end()) for m in _TOKEN.finditer(text)]
    tokens = [text[a:b] for a, b in spans]
    lows = [t.lower() for t in tokens]
    mentions: list[tuple[int, str, int]] = []  # the Cs the sentence names: where, clause
    judged: list[tuple[int, str, int, int]] = []  # its verdict words, their polarity, clause
    refs: set[str] = set()  # the facts it cites
    start = i = clause = 0  # the sentence's first token, the current one, its clause
    while i < len(lows):
        kind, size = _kind(lows, i)
        own = words = text[spans[i][0] : spans[i + size - 1][1]]
        # a negation up to two words before, in the same sentence ("not strong", "n't")
        # a negation just before, or before words that only carry it ("not very strong",
        # "is not a weak", "tidak terlalu kuat"); not across a verb ("does not lift a weak")
        negated = False
        for j in range(i - 1, max(start, i - 4) - 1, -1):
            if lows[j] in _NEGATIONS or lows[j].endswith(("n't", "n’t")):
                words, negated = text[spans[j][0] : spans[i + size - 1][1]], True
                break
            if lows[j] not in _CARRIERS:
                break
        if lows[i] == _REF:
            refs.add(cited.pop(0))
        elif lows[i] in _STOP:
            _judge(field, mentions, judged, refs, facts, add)
            mentions, judged, refs, start = [], [], set(), i + 1
        elif lows[i] in _CLAUSE:
            clause += 1
        elif kind in ("digits", "number"):
            add("figure", tokens[i], "a figure typed by hand: reference the fact's id instead")
        elif kind in _DIMS:
            mentions.append((i, kind, clause))
        elif kind in _POLARITY and not _beside_verdict(lows, i, start):
            polarity = _POLARITY[kind]
            if i > start and lows[i - 1] in _VERY:  # "very strong" is superb, "sangat lemah" dire
                polarity *= 2 if abs(polarity) == 1 else 1
                words = text[min(spans[i - 1][0], spans[i][0]) : spans[i + size - 1][1]]
            polarity = _NEGATED[polarity] if negated else polarity
            if polarity:
                judged.append((i, words, polarity, clause))
        elif kind in ("approve", "decline"):
            approves = (kind == "approve") != negated
            if approves == (facts.outcome == Outcome.DECLINE):
                said = "approves" if approves else "declines"
                add("outcome", words, f"{said} the loan; the outcome is {facts.outcome.value}")
        elif kind in ("conditional", "unconditional", "as_requested"):
            _terms(kind, facts, own, frozenset(lows[start:i]), add)
        elif kind in ("male", "female"):
            add("gender", tokens[i], "a gendered word: never state or guess a gender")
        elif kind == "job":
            _occupation(" ".join(lows[i : i + size]), facts, words, add)
        elif kind == "unlisted":
            add("unlisted", own, "a comparison: cite the finding that states it")
        elif not kind and lows[i][0].isalpha() and not _plain(lows[i]):
            add("unlisted", tokens[i], "not a plain word: use a fact's placeholder instead")
        if lows[i] in _HONORIFICS and kind != "job" and i + 1 < len(tokens):
            after = i + 2 if lows[i + 1] == "." and i + 2 < len(tokens) else i + 1
            if tokens[after][0].isupper():
                add("name", text[spans[i][0] : spans[after][1]], "an honorific and a name")
        i += size
    _judge(field, mentions, judged, refs, facts, add)

    for t, low in zip(tokens, lows, strict=True):
        parts = _PARTS.split(low) if "-" in low or "'" in low or "’" in low else (low,)
        if not facts.name_words.isdisjoint(parts):
            add("name", t, "a word of the member's name: never name the member")


def _terms(
    kind: str,
    facts: Facts,
    words: str,
    before: frozenset[str],
    add: Callable[[ViolationKind, str, str], None],
) -> None:
    """Conditions when the engine set none, none when it did, "as requested" when it
    changed the plafon or the tenor (the one the sentence named before, if only one)."""
    conditions = facts.outcome == Outcome.APPROVE_WITH_CONDITIONS
    if facts.outcome == Outcome.DECLINE:
        return
    if kind == "as_requested":
        by = facts.by_id
        terms = [
            term
            for term, named, other in (
                ("plafon", _PLAFON, _TENOR),
                ("tenure_months", _TENOR, _PLAFON),
            )
            if before & named or not before & other
        ]
        if all(by[f"request.{t}"].value == by[f"decision.{t}"].value for t in terms):
            return
        add("outcome", words, "the engine changed the plafon or the tenor asked for")
    elif (kind == "conditional") != conditions:
        add("outcome", words, f"the outcome is {facts.outcome.value}")


def _occupation(
    job: str, facts: Facts, words: str, add: Callable[[ViolationKind, str, str], None]
) -> None:
    """Any occupation in the model's own words: the occupation comes by reference only
    (``{applicant.occupation}``), so that it is always the recorded one, as recorded."""
    occupation = f" {' '.join((facts.occupation or '').lower().split())} "
    group = _JOB_OF.get(job) or _JOB_OF.get(job.removesuffix("s"), ())
    same = any(f" {name} " in occupation for name in group)
    add("occupation", words, "an occupation in words" + (": not the recorded one" * (not same)))


def _judge(
    field: str,
    mentions: list[tuple[int, str, int]],
    judged: list[tuple[int, str, int, int]],
    refs: set[str],
    facts: Facts,
    add: Callable[[ViolationKind, str, str], None],
) -> None:
    """The verdict words of one sentence, each against the C it is about (``refs``: the
    facts the sentence cites)."""
    for at, words, polarity, clause in judged:
        before = [dim for where, dim, c in mentions if where < at and c == clause]
        after = [dim for where, dim, c in mentions if where > at and c == clause]
        dim = before[-1] if before else field if field in _DIMS else after[0] if after else None
        if dim is None:
            continue
        grade = facts.grades[dim]
        if grade not in _CONTRADICTS[polarity]:
            continue
        if polarity > 0:
            very = "very " * (polarity > 1)
            detail = f"speaks {very}well of {dim}, which the engine graded {grade}"
        elif polarity < -1 or not any(
            r.startswith(f"{dim}.findings.") and r in facts.concerns for r in refs
        ):
            detail = f"speaks ill of {dim}, which the engine graded {grade}" + (
                "; a caveat must cite the engine's finding in the same sentence" * (polarity > -2)
            )
        else:
            continue
        add("verdict", words, detail)
