"""Find many keywords in one scan of a text; each keyword carries payloads.

Keyword rules are in patterns.py. Case: a keyword with two capitals in one
ASCII word (MOU, LH, IoT) is an acronym and matches case-sensitively, so ITS
(intelligent transport) does not match "its"; every other keyword is
lowercased and matched in the lowercased text.

Matches do not overlap: at each position the longest keyword wins (알리바바
클라우드 over 알리바바, 유치원 the exclusion over 유치 the trigger). So that a
longer keyword does not hide a shorter one it starts with (스마트시티 inside
스마트시티 국가전략프로젝트), a match also carries the payloads of keywords that
are its prefixes for slots it does not fill itself, unless it is marked
`shadowing` (an exclusion).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from crawler.tagging.patterns import is_word_char, trie_pattern

T = TypeVar("T")

_ASCII_WORD = re.compile(r"[A-Za-z0-9]+")
_CAPITALS = re.compile(r"[A-Z]")


def normalize_key(surface: str) -> str:
    """The lookup key of a keyword or of matched text: no whitespace, lower case."""
    return "".join(surface.split()).lower()


def is_acronym(term: str) -> bool:
    """MOU, LH, IoT: two capitals in one ASCII word mean "match the case exactly"."""
    return any(len(_CAPITALS.findall(word)) >= 2 for word in _ASCII_WORD.findall(term))


@dataclass(frozen=True, slots=True)
class TermMatch(Generic[T]):
    """One occurrence of a keyword: where, the text as written, what it stands for."""

    start: int
    end: int
    surface: str
    payloads: tuple[T, ...]


class TermMatcher(Generic[T]):
    """Keywords compiled into (at most) two trie regexes: exact-case and folded."""

    def __init__(
        self,
        terms: Iterable[tuple[str, T]],
        *,
        shadowing: Callable[[T], bool] = lambda payload: False,
        slot: Callable[[T], object] = lambda payload: payload,
    ) -> None:
        payloads: dict[str, list[T]] = {}
        spellings: dict[str, str] = {}
        for term, payload in terms:
            if term.strip():
                key = normalize_key(term)
                # Acronyms keep each casing (MOU and MoU); other spellings fold to the key.
                spellings.setdefault(term.strip() if is_acronym(term) else key, term.strip())
                if payload not in payloads.setdefault(key, []):
                    payloads[key].append(payload)
        self._payloads = _inherit_prefixes(payloads, shadowing, slot)
        acronyms = [t for t in spellings.values() if is_acronym(t)]
        folded = [t.lower() for t in spellings.values() if not is_acronym(t)]
        self._exact = re.compile(trie_pattern(acronyms)) if acronyms else None
        self._folded = re.compile(trie_pattern(folded)) if folded else None

    def finditer(self, text: str) -> Iterator[TermMatch[T]]:
        """Non-overlapping matches in text order."""
        if self._exact is None:
            found = self._folded.finditer(_lower_same_length(text)) if self._folded else iter(())
        else:
            matches = list(self._exact.finditer(text))
            if self._folded is not None:
                matches.extend(self._folded.finditer(_lower_same_length(text)))
            found = iter(sorted(matches, key=lambda m: (m.start(), -m.end())))
        last_end = 0
        for match in found:
            start, end, surface = match.start(), match.end(), match.group()
            # Most surfaces are their own key (no spaces, already lowercase): skip normalizing.
            payloads = self._payloads.get(surface) or self._payloads.get(normalize_key(surface))
            if start >= last_end and payloads:
                last_end = end
                yield TermMatch(start, end, text[start:end], payloads)


def _inherit_prefixes(
    payloads: dict[str, list[T]], shadowing: Callable[[T], bool], slot: Callable[[T], object]
) -> dict[str, tuple[T, ...]]:
    """Each key's payloads plus those of its keyword prefixes (see module docstring).

    A prefix payload is not inherited into a slot the key fills itself:
    스마트시티지원센터 (a smart_city keyword) does not count 스마트시티 again.
    """
    merged: dict[str, tuple[T, ...]] = {}
    for key, own in payloads.items():
        combined = list(own)
        if not any(shadowing(p) for p in own):
            for end in range(1, len(key)):
                # An English prefix must end at a word boundary ("iot" is not in "iota").
                if is_word_char(key[end - 1]) and is_word_char(key[end]):
                    continue
                taken = {slot(p) for p in combined}
                for p in payloads.get(key[:end], ()):
                    if slot(p) not in taken and not shadowing(p):
                        combined.append(p)
        merged[key] = tuple(combined)
    return merged


def _lower_same_length(text: str) -> str:
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # A few characters lengthen when lowered (İ → i̇); keep those as written.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
