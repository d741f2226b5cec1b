"""Near-duplicate stories: copies of one article share a story id.

A syndicated copy (same text, another outlet's header and footer) and a blog
repost that quotes most of an article (the seed: a Tistory repost of a
내일신문 article) belong to the article's story; two different articles on
the same event do not. Each text becomes a set of character 5-grams
(shingles), summarized by a MinHash signature; MinHashLSH finds the stored
signatures likely to be similar, and the estimated Jaccard similarity decides.

Signatures live in SQLite beside the crawler's other state; the LSH index is
rebuilt from them when the file is opened (measured: ~9 s and ~0.5 GB for
50,000 signatures, so only the last `window_days` of signatures are loaded)
and caught up with rows other processes added before every assignment,
inside the same write transaction, so concurrent runs of different sources
still see each other's articles.

The story id is the doc id of the first copy seen, and never changes. The
original is the earliest copy on the timeline (published, else first seen);
when a later-found copy turns out earlier, the previous original is reported
as demoted so the indexer can set its `is_original` to false.
"""

from __future__ import annotations

import functools
import re
import unicodedata
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from crawler.models import Article
from crawler.state.sqlite import Closing, immediate_transaction, open_store

# Characters per shingle, over whitespace-collapsed text. A Korean eojeol (word
# with its particles) is 2-4 syllables, so 5 characters spans a word, the space
# and the start of the next: specific enough that different articles on one
# event share few shingles, short enough that a changed particle breaks few.
# Measured on tests/fixtures pages (Jaccard, n=3/4/5/6): different articles on
# the same visit 0.08/0.05/0.03/0.02, a blog quoting 70% with its own intro and
# outro 0.59/0.56/0.55/0.54, so 5 has the widest gap; 6+ gains nothing.
SHINGLE_CHARS = 5
# Same story when the estimated Jaccard similarity is at least this. A copy with
# a new header/footer scores ~0.95, a blog quoting 70% of the article ~0.55,
# quoting about half ~0.4; different articles on the same event <= 0.05 (above),
# so 0.4 keeps reposts in while leaving an 8x margin to distinct articles.
DEFAULT_THRESHOLD = 0.4
# 128 permutations: the standard error of the Jaccard estimate is
# sqrt(J(1-J)/128) ~ 0.043 at the threshold; a signature is 512 bytes (uint32).
DEFAULT_NUM_PERM = 128
# LSH banding weights (false positive, false negative): candidates are verified
# against the stored signature anyway, so a false positive costs one row lookup
# while a false negative is a duplicate alert. With 0.4/128 this gives 31 bands
# of 3 rows: P(candidate) = 0.87 at J=0.4, 0.98 at J=0.5, 0.004 at J=0.05.
LSH_WEIGHTS = (0.2, 0.8)
# Texts shorter than this (after normalization) get a story of their own (one
# per URL): a search-API snippet is ~80-160 characters, too few shingles for a
# stable estimate, and outlet boilerplate would dominate the similarity.
MIN_TEXT_CHARS = 200
# The signature reads the first 20,000 characters of the normalized text. Korean
# news articles are 1,000-6,000 characters and long features ~12,000, so a real
# article is read whole and its signature is unchanged; a copy shares its opening
# anyway. Without the cap, one page of ~700,000 characters (a 2 MB page of text)
# took the crawl from 85 to 761 MB: datasketch hashes a batch as a num_perm x
# shingles uint64 matrix (1 kB per shingle at 128 permutations); capped, ~20 MB.
SIGNATURE_CHARS = 20_000
# datasketch >= 2.0 permutation scheme; pinned, because stored hash values carry
# no trace of the scheme that made them and mixing schemes gives wrong answers.
MINHASH_SCHEME = "affine32"
MINHASH_SEED = 1
# Shingle hash: CRC-32 is stable across processes and ~10x cheaper per call than
# datasketch's default SHA-1 (which made hashing 75% of assign()); the affine32
# scheme pre-mixes every input with the MurmurHash3 finalizer, so CRC's linear
# structure does not reach the permutations. Stored in the file's meta table.
MINHASH_HASH = "crc32"
# Only signatures stored in the last year are loaded into the LSH on open:
# reposts follow their original within days or weeks, and the window bounds the
# open time and memory, measured at ~0.18 ms and ~11 kB per loaded signature
# (datasketch keeps a set per band entry: 31 per signature): 50,000 take ~9 s, ~0.5 GB.
DEFAULT_WINDOW_DAYS = 365

_PUNCTUATION = re.compile(r"[^\w\s]")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS members (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL UNIQUE,
    story_id TEXT NOT NULL,
    sort_key TEXT NOT NULL,
    added TEXT NOT NULL,
    signature BLOB
);
CREATE TABLE IF NOT EXISTS stories (
    story_id TEXT PRIMARY KEY,
    original_id TEXT NOT NULL,
    original_key TEXT NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class TextSignature:
    """An article's MinHash values made ahead of `StoryIndex.assign` (in a pool worker).

    `values` is None for a text too short to compare; `content_hash` ties the values
    to the article they were made from.
    """

    content_hash: str
    values: np.ndarray | None


def sign_article(article: Article, num_perm: int = DEFAULT_NUM_PERM) -> TextSignature:
    return TextSignature(article.content_hash, text_signature(article.text, _template(num_perm)))


@functools.cache
def _template(num_perm: int) -> MinHash:
    return minhash_template(num_perm)


class StoryIndexError(Exception):
    """The story index file cannot be used as asked; the message names the file."""


@dataclass(frozen=True, slots=True)
class StoryAssignment:
    story_id: str
    is_original: bool
    # Doc ids that were their story's original until this copy: set is_original=false.
    demoted: list[str] = field(default_factory=list)


# What moving a damaged story index aside costs (said in the error that names it).
REBUILD = "copies of stories seen before start new stories instead of joining them"


class StoryIndex(Closing):
    """Assigns articles to stories; persisted in SQLite, LSH rebuilt in memory on open."""

    def __init__(
        self,
        path: Path,
        *,
        threshold: float = DEFAULT_THRESHOLD,
        num_perm: int = DEFAULT_NUM_PERM,
        window_days: int | None = DEFAULT_WINDOW_DAYS,
    ) -> None:
        self.path = path
        self.threshold = threshold
        self.num_perm = num_perm
        self._db = open_store(path, _SCHEMA, rebuild=REBUILD)
        self._check_meta()
        self._lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=LSH_WEIGHTS)
        # A template MinHash: its permutations are computed once and shared.
        self._template = minhash_template(num_perm)
        self._loaded_seq = 0
        # Signatures stored before this are not loaded (None: load all of them).
        self._since = (
            _utc_key(datetime.now(UTC) - timedelta(days=window_days)) if window_days else ""
        )
        self._catch_up()

    def assign(self, article: Article, signed: TextSignature | None = None) -> StoryAssignment:
        """The article's story; `signed`: its signature made ahead (see sign_article)."""
        doc_id = article.id
        # A re-crawl is answered before any hashing; checked again below, under the lock.
        known = self._known(doc_id)
        if known is not None:
            return known
        signature = self._signature(article, signed)
        sort_key = _sort_key(article)
        with immediate_transaction(self._db):
            known = self._known(doc_id)
            if known is not None:
                return known
            self._catch_up()
            story_id = self._best_match(signature) if signature is not None else None
            assignment = self._add_member(doc_id, story_id or doc_id, sort_key, signature)
        if signature is not None:
            self._index_signature(doc_id, signature)
        return assignment

    def _signature(self, article: Article, signed: TextSignature | None) -> np.ndarray | None:
        if (
            signed is not None
            and signed.content_hash == article.content_hash
            and (signed.values is None or len(signed.values) == self.num_perm)
        ):
            return signed.values
        return text_signature(article.text, self._template)

    def __len__(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM members").fetchone()[0])

    def close(self) -> None:
        self._db.close()

    def _check_meta(self) -> None:
        """Refuse a file whose signatures were made differently: they would never match."""
        wanted = {
            "num_perm": str(self.num_perm),
            "seed": str(MINHASH_SEED),
            "scheme": MINHASH_SCHEME,
            "shingle_chars": str(SHINGLE_CHARS),
            "hash": MINHASH_HASH,
        }
        with immediate_transaction(self._db):
            stored = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
            if not stored:
                self._db.executemany("INSERT INTO meta VALUES (?, ?)", wanted.items())
                return
        if stored != wanted:
            raise StoryIndexError(
                f"story index {self.path} was built with {stored}, not {wanted}; "
                "use the same settings or move the file away to start a new index"
            )

    def _known(self, doc_id: str) -> StoryAssignment | None:
        """A re-crawl: the same story, no new member."""
        row = self._db.execute(
            "SELECT m.story_id, s.original_id FROM members m"
            " JOIN stories s ON s.story_id = m.story_id WHERE m.doc_id = ?",
            (doc_id,),
        ).fetchone()
        if row is None:
            return None
        return StoryAssignment(story_id=row[0], is_original=row[1] == doc_id)

    def _best_match(self, signature: np.ndarray) -> str | None:
        """Story of the most similar stored copy at or above the threshold, if any."""
        candidates = self._lsh.query(self._lean(signature))
        best: tuple[float, str] | None = None
        for story_id, blob in self._signatures(candidates):
            similarity = float(np.mean(signature == np.frombuffer(blob, dtype=signature.dtype)))
            if similarity >= self.threshold and (best is None or similarity > best[0]):
                best = (similarity, story_id)
        return best[1] if best else None

    def _signatures(self, doc_ids: list[str]) -> Iterator[tuple[str, bytes]]:
        # 500 ids per query stays under SQLite's bound-parameter limit (999 on old builds).
        for start in range(0, len(doc_ids), 500):
            chunk = doc_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            yield from self._db.execute(
                f"SELECT story_id, signature FROM members WHERE doc_id IN ({marks})", chunk
            )

    def _add_member(
        self, doc_id: str, story_id: str, sort_key: str, signature: np.ndarray | None
    ) -> StoryAssignment:
        cursor = self._db.execute(
            "INSERT INTO members (doc_id, story_id, sort_key, added, signature)"
            " VALUES (?, ?, ?, ?, ?)",
            (
                doc_id,
                story_id,
                sort_key,
                _utc_key(datetime.now(UTC)),
                signature.tobytes() if signature is not None else None,
            ),
        )
        # Our own row is indexed after commit; the catch-up must not add it twice.
        self._loaded_seq = int(cursor.lastrowid or self._loaded_seq)
        story = self._db.execute(
            "SELECT original_id, original_key FROM stories WHERE story_id = ?", (story_id,)
        ).fetchone()
        if story is None:
            self._db.execute("INSERT INTO stories VALUES (?, ?, ?)", (story_id, doc_id, sort_key))
            return StoryAssignment(story_id=story_id, is_original=True)
        original_id, original_key = story
        # Strictly earlier: on a tie the copy seen first stays the original.
        if sort_key < original_key:
            self._db.execute(
                "UPDATE stories SET original_id = ?, original_key = ? WHERE story_id = ?",
                (doc_id, sort_key, story_id),
            )
            return StoryAssignment(story_id=story_id, is_original=True, demoted=[original_id])
        return StoryAssignment(story_id=story_id, is_original=False)

    def _catch_up(self) -> None:
        """Index signatures added since the last look (at open: all of them)."""
        rows = self._db.execute(
            "SELECT seq, doc_id, signature FROM members"
            " WHERE seq > ? AND added >= ? AND signature IS NOT NULL ORDER BY seq",
            (self._loaded_seq, self._since),
        ).fetchall()
        dtype = self._template.hashvalues.dtype
        with self._lsh.insertion_session() as session:
            for _seq, doc_id, blob in rows:
                lean = self._lean(np.frombuffer(blob, dtype=dtype))
                session.insert(doc_id, lean, check_duplication=False)
        if rows:
            self._loaded_seq = max(self._loaded_seq, int(rows[-1][0]))

    def _index_signature(self, doc_id: str, signature: np.ndarray) -> None:
        self._lsh.insert(doc_id, self._lean(signature), check_duplication=False)

    def _lean(self, signature: np.ndarray) -> LeanMinHash:
        return LeanMinHash(seed=MINHASH_SEED, hashvalues=signature, scheme=MINHASH_SCHEME)


def minhash_template(num_perm: int = DEFAULT_NUM_PERM) -> MinHash:
    """An empty MinHash with the index's settings; copies share its permutations."""
    return MinHash(num_perm=num_perm, seed=MINHASH_SEED, scheme=MINHASH_SCHEME, hashfunc=zlib.crc32)


def normalize_text(text: str) -> str:
    """NFKC, lower case, punctuation dropped (outlets differ in quote marks), spaces collapsed."""
    folded = _PUNCTUATION.sub("", unicodedata.normalize("NFKC", text).lower())
    return " ".join(folded.split())


def shingles(normalized: str, size: int = SHINGLE_CHARS) -> set[str]:
    """Character n-grams of an already normalized text."""
    return {normalized[i : i + size] for i in range(len(normalized) - size + 1)}


def text_signature(text: str, template: MinHash) -> np.ndarray | None:
    """MinHash values of the text, or None when it is too short to compare reliably."""
    # Twice the cap before normalizing: collapsed spaces and dropped punctuation shrink it.
    normalized = normalize_text(text[: 2 * SIGNATURE_CHARS])[:SIGNATURE_CHARS]
    if len(normalized) < MIN_TEXT_CHARS:
        return None
    minhash = template.copy()
    minhash.update_batch([gram.encode("utf-8") for gram in shingles(normalized)])
    return np.asarray(minhash.hashvalues).copy()


def _sort_key(article: Article) -> str:
    """When the copy appeared: its timeline time (published, else when first seen)."""
    return _utc_key(article.timeline_time)


def _utc_key(when: datetime) -> str:
    """A time as a string that sorts in time order (UTC, fixed width, microseconds)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
