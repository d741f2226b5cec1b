"""Read adjacent words that spell a known term as that term, without quotes.

The engine splits a query on whitespace before the synonym filter sees it, so
`City Brain` searched word by word never meets the two-word synonym "City Brain"
(= 시티브레인 = 城市大脑), and `스마트 시티` word by word is not the compound
스마트시티. Words are therefore grouped here, before compiling: a run of plain
adjacent words that spells a term of index_mappings/synonyms.txt (as written, or
with the spaces removed, which covers Korean spacing: 스마트 시티 = 스마트시티) or a
compound of the Nori user dictionary becomes one phrase, and the phrase query then
applies the synonyms to the whole run. A particle on the last word (City Brain을,
스마트 시티를) does not hide the term: the analyzer drops it from the phrase too.
The files are the ones `newswatch setup` installs into the analyzers, so the
grouping and the engine read the same lists.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from crawler.engine.templates import mappings_dir, read_word_list
from crawler.query.syntax import And, Node, Not, Or, Text

# Longest run of words looked at for one term; the longest synonym today has 5 words
# ("memorandum of understanding" style entries), 6 leaves room.
MAX_TERM_WORDS = 6


@dataclass(frozen=True, slots=True)
class KnownTerms:
    spaced: frozenset[str]  # multi-word terms, lowercased, single spaces
    joined: frozenset[str]  # every term with its spaces removed, lowercased
    # Korean particles a query's last word may carry (City Brain을), longest first.
    particles: tuple[str, ...] = ()

    def spells_term(self, words: list[str]) -> bool:
        lowered = [w.lower() for w in words]
        return any(
            " ".join(spelling) in self.spaced or "".join(spelling) in self.joined
            for spelling in self._spellings(lowered)
        )

    def _spellings(self, lowered: list[str]) -> Iterator[list[str]]:
        yield lowered
        last = lowered[-1]
        for particle in self.particles:
            if last.endswith(particle) and len(last) > len(particle):
                yield [*lowered[:-1], last[: -len(particle)]]


def terms_from_lists(
    synonym_lines: list[str], dictionary_lines: list[str], particles: list[str] | None = None
) -> KnownTerms:
    terms: set[str] = set()
    for line in synonym_lines:
        for side in line.split("=>"):
            terms.update(" ".join(t.split()).lower() for t in side.split(",") if t.strip())
    for line in dictionary_lines:
        terms.add(line.split()[0].lower())  # WORD [SEGMENTS...]: the compound as written
    return KnownTerms(
        spaced=frozenset(t for t in terms if " " in t),
        joined=frozenset(t.replace(" ", "") for t in terms),
        particles=tuple(sorted(particles or [], key=len, reverse=True)),
    )


@functools.cache
def load_known_terms(directory: Path | None = None) -> KnownTerms:
    folder = directory or mappings_dir()
    return terms_from_lists(
        read_word_list(folder / "synonyms.txt"),
        read_word_list(folder / "user_dictionary.txt"),
        _query_particles(folder),
    )


def _query_particles(folder: Path) -> list[str]:
    """The particles the search analyzer drops (articles template, korean_query_particles)."""
    template = json.loads((folder / "articles.template.json").read_text(encoding="utf-8"))
    analysis = template["template"]["settings"]["analysis"]
    return [str(word) for word in analysis["filter"]["korean_query_particles"]["stopwords"]]


def group_known_terms(node: Node, terms: KnownTerms) -> Node:
    """The same tree with runs of plain words that spell a known term made into phrases."""
    if isinstance(node, And):
        children = _group_run([group_known_terms(n, terms) for n in node.nodes], terms)
        return children[0] if len(children) == 1 else And(tuple(children))
    if isinstance(node, Or):
        return Or(tuple(group_known_terms(n, terms) for n in node.nodes))
    if isinstance(node, Not):
        return Not(group_known_terms(node.node, terms))
    return node


def _group_run(nodes: list[Node], terms: KnownTerms) -> list[Node]:
    grouped: list[Node] = []
    i = 0
    while i < len(nodes):
        end = _longest_term_end(nodes, i, terms)
        if end > i + 1:
            words = [n.value for n in nodes[i:end] if isinstance(n, Text)]
            grouped.append(Text(" ".join(words), phrase=True))
        else:
            grouped.append(nodes[i])
            end = i + 1
        i = end
    return grouped


def _longest_term_end(nodes: list[Node], start: int, terms: KnownTerms) -> int:
    """The end of the longest run from `start` of plain words spelling a term (or start)."""
    words: list[str] = []
    best = start
    for index in range(start, min(len(nodes), start + MAX_TERM_WORDS)):
        node = nodes[index]
        if not isinstance(node, Text) or node.phrase:
            break
        words.append(node.value)
        if len(words) > 1 and terms.spells_term(words):
            best = index + 1
    return best
