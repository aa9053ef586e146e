"""Personal details typed in free text: e-mail addresses, phone numbers, civility and name.

Partners sometimes write a contact person into a free-text cell (« porteurs : Ville de Lens,
M. Jean Dupont, jean.dupont@lens.fr, 06 12 34 56 78 »). Such details are flagged at load,
masked in every report and refused by the confidentiality scan; this module holds the
patterns all three use, so that they agree.

The patterns are regular expressions written for French text, without a dependency:
libphonenumber (``phonenumbers``) or a named-entity model would find shapes of numbers and
names that partners here do not write, and would still need the exclusions that matter most
(dates, amounts, years, postcodes, SIREN and QPV codes must never match), which are listed
and tested one by one here. Names written without a civility are not found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from qpv_analytics.contract import Table
from qpv_analytics.labels import MASKED_CONTACT, MASKED_NAME

KIND_EMAIL = "email"
KIND_PHONE = "telephone"
KIND_NAME = "nom"
KINDS = (KIND_EMAIL, KIND_PHONE, KIND_NAME)
"""Kinds of personal details, in matching priority order (labels: ``PERSONAL_KIND_LABELS``)."""

PLACEHOLDERS = {KIND_EMAIL: MASKED_CONTACT, KIND_PHONE: MASKED_CONTACT, KIND_NAME: MASKED_NAME}
"""What replaces each kind of detail in published text."""

_SPACE = "[ \t\u00a0\u202f]"
"""Spaces within a phone number (ordinary, no-break, narrow no-break)."""
_GAP = r"\s"
"""Spaces between the words of a name, line breaks included."""

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]*\w"
    r"(?:@|\s*[(\[]\s*(?i:at|arobase)\s*[)\]]\s*)"
    r"\w[\w-]*(?:(?:\.|\s*[(\[]\s*(?i:dot|point)\s*[)\]]\s*)[\w-]+)*"
    r"(?:\.|\s*[(\[]\s*(?i:dot|point)\s*[)\]]\s*)"
    r"(?!(?i:png|jpe?g|gif|svg|webp|css|js)\b)[A-Za-z]{2,}(?![\w-])"
)
"""``jean.dupont@ville.fr``, also written ``jean.dupont (at) ville (dot) fr``; not the
``@2x.png`` of an image name."""

_PHONE_FR = re.compile(
    rf"(?<![\w+])(?<!\d[.,])0[1-9](?P<sep>{_SPACE}?|[.-])\d{{2}}(?:(?P=sep)\d{{2}}){{3}}"
    r"(?![\w])(?![.,]\d)"
)
"""French national numbers, one separator throughout: ``06 12 34 56 78``, ``06.12.34.56.78``,
``06-12-34-56-78``, ``0612345678`` (a date ``03/01/2025`` or ``03.01.2025`` has too few
pairs or mixed separators)."""

_PHONE_INTL = re.compile(
    rf"(?<![\w+])(?<!\d[.,])(?:\+|00){_SPACE}?(?P<country>33|32|352|41|49|44|31)"
    rf"{_SPACE}?(?:\(0\){_SPACE}?)?[1-9](?:(?:{_SPACE}|[.-])?\d){{7,10}}(?![\w])(?![.,]\d)"
)
"""International numbers of France and its neighbours (Belgium, Luxembourg, Switzerland,
Germany, United Kingdom, Netherlands): ``+33 6 12 34 56 78``, ``+33 (0)6 12 34 56 78``,
``0033612345678``, ``+32 470 12 34 56``."""

_CIVILITY = (
    r"(?:M\.|MM\.|Mr\.?|MR\.?|Mme\.?|MME\.?|Mmes\.?|Mlle\.?|MLLE\.?|Melle\.?|Mlles\.?|Dr\.?|Pr\.?"
    r"|(?i:madame|monsieur|mademoiselle|messieurs|mesdames|docteur|professeur))"
)
_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_WORD = rf"[{_UPPER}](?:[{_LOWER}{_UPPER}]+|\.(?={_GAP}*[{_UPPER}]))?(?:[-'’][{_LOWER}{_UPPER}]+)*"
"""A capitalised name word: ``Jean``, ``DUPONT``, ``McDonald``, ``Jean-Pierre``, ``X``, the
initial ``J.`` of ``J. Dupont``."""
_PARTICLE = r"(?:de|du|des|d['’]|van|von|der|den|di|da|le|la)"
_ROLES = (
    r"(?i:maire|pr[ée]sidente?|vice-pr[ée]sidente?|pr[ée]f[eè]te?|sous-pr[ée]f[eè]te?|"
    r"d[ée]put[ée]e?|s[ée]nat(?:eur|rice)|adjointe?|conseill(?:er|[eè]re)|d[ée]l[ée]gu[ée]e?|"
    r"direct(?:eur|rice)|ministre|chef|cheffe|responsable|directeur\s+g[ée]n[ée]ral|"
    r"directrice\s+g[ée]n[ée]rale|secr[ée]taire)"
)
_ARTICLE = r"(?i:le|la|l['’])"
_NAME = re.compile(
    rf"(?<![\w.]){_CIVILITY}(?:{_GAP}*(?<=\.)|{_GAP}+)"
    rf"(?:{_ARTICLE}{_GAP}*{_ROLES}{_GAP}+)?"
    rf"(?!(?i:madame|monsieur|mademoiselle|messieurs|mesdames)\b)"
    rf"(?!{_ARTICLE}{_GAP}*{_ROLES}\b)"
    rf"{_WORD}(?:{_GAP}+(?:{_PARTICLE}{_GAP}*)?{_WORD}){{0,3}}(?![\w])"
)
"""A civility followed by a name: ``M. Jean Dupont``, ``Mme Dupont``, ``Madame Claire
Martin``, ``Monsieur X``, ``M. le maire Jean Dupont``; not ``M. le maire`` nor ``Mme la
Préfète``, which name an office."""

_NAMES = re.compile(
    rf"(?<![\w.])(?:MM\.|Mmes\.?|(?i:messieurs|mesdames)){_GAP}*"
    rf"{_WORD}(?:{_GAP}+(?:{_PARTICLE}{_GAP}*)?{_WORD}){{0,3}}"
    rf"(?:(?:,{_GAP}*|{_GAP}+et{_GAP}+)"
    rf"{_WORD}(?:{_GAP}+(?:{_PARTICLE}{_GAP}*)?{_WORD}){{0,3}})+(?![\w])"
)
"""Several persons after a plural civility: ``MM. Durand et Petit``, ``Mmes Roux, Blanc et
Noir``."""

_PLACE_TITLE = re.compile(r"(?i)(?:docteur|professeur|dr|pr)\b")
_PLACE_BEFORE = re.compile(r"(?i)\b(?:du|de|des|d['’])\s*$")
"""« rue du Docteur Roux », « lycée du Professeur Calmette »: a place named after a person."""

_PATTERNS = (
    (KIND_EMAIL, (_EMAIL,)),
    (KIND_PHONE, (_PHONE_INTL, _PHONE_FR)),
    (KIND_NAME, (_NAMES, _NAME)),
)


@dataclass(frozen=True)
class PersonalMatch:
    """One personal detail found in a text."""

    kind: str
    """``email``, ``telephone`` or ``nom`` (:data:`KINDS`)."""
    start: int
    end: int
    text: str


def _place(text: str, match: re.Match) -> bool:
    """Whether a doctor's or professor's title names a place (« rue du Docteur Roux »)."""
    before = text[max(0, match.start() - 6) : match.start()]
    return bool(_PLACE_TITLE.match(match.group()) and _PLACE_BEFORE.search(before))


def find(text: str) -> list[PersonalMatch]:
    """Return the personal details of ``text``, in text order and without overlaps.

    Args:
        text: any text (a cell, a page).

    Returns:
        One match per e-mail address, phone number and civility followed by a name. Where two
        overlap, the first kind of :data:`KINDS` wins.
    """
    if not isinstance(text, str) or not text:
        return []
    found: list[PersonalMatch] = []
    taken: list[tuple[int, int]] = []
    for kind, patterns in _PATTERNS:
        for pattern in patterns:
            for m in pattern.finditer(text):
                start, end = m.span()
                if any(start < e and s < end for s, e in taken):
                    continue
                if kind == KIND_NAME and _place(text, m):
                    continue
                found.append(PersonalMatch(kind, start, end, m.group()))
                taken.append((start, end))
    return sorted(found, key=lambda m: m.start)


def kinds(text: str) -> list[str]:
    """Kinds of personal details found in ``text``, each once, in :data:`KINDS` order."""
    present = {m.kind for m in find(text)}
    return [k for k in KINDS if k in present]


def mask(text: str) -> str:
    """Return ``text`` with each personal detail replaced by its French placeholder.

    E-mail addresses and phone numbers become :data:`~qpv_analytics.labels.MASKED_CONTACT`,
    names :data:`~qpv_analytics.labels.MASKED_NAME`; anything else is kept as written.
    Non-text values (``None``, ``NA``) are returned unchanged.
    """
    matches = find(text)
    if not matches:
        return text
    parts, last = [], 0
    for m in matches:
        parts += [text[last : m.start], PLACEHOLDERS[m.kind]]
        last = m.end
    parts.append(text[last:])
    return "".join(parts)


def mask_series(values: pd.Series) -> pd.Series:
    """Return ``values`` with :func:`mask` applied to each distinct text (dtype kept)."""
    texts = values.dropna().unique()
    mapping = {t: mask(t) for t in texts if isinstance(t, str)}
    changed = {t: m for t, m in mapping.items() if m != t}
    if not changed:
        return values
    return values.map(lambda v: changed.get(v, v) if isinstance(v, str) else v).astype(values.dtype)


def free_text_columns(table: Table, columns: Iterable[str] | None = None) -> list[str]:
    """Free-text columns of a partner table (``Column.free_text``), among ``columns`` if given.

    Reference tables built from public files (QPV names…) have none: they are published as
    they are.
    """
    if table.reference:
        return []
    names = [c.name for c in table.columns if c.free_text]
    return names if columns is None else [n for n in names if n in set(columns)]


def mask_frame(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return a copy of ``frame`` whose free-text columns of ``table`` are masked.

    Args:
        frame: rows of the contract table ``table`` (any subset of its columns).
        table: the contract table.
    """
    columns = free_text_columns(table, frame.columns)
    if not columns:
        return frame
    frame = frame.copy()
    for name in columns:
        frame[name] = mask_series(frame[name])
    return frame
