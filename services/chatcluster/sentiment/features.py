"""The chat-text featurizer shared by training and serving: text -> token ids + context flags.

Why this shape
    Serving must score >= 50,000 messages/s on one core, so the model is a sum of per-token
    weight rows (see ``model.py``) and this module turns a whole *batch* of messages into flat
    numpy arrays without creating a Python object per token: a few regex substitutions over
    the joined batch (in C), then the batch as a numpy array of code points, character classes
    from lookup tables, token spans from class changes, a polynomial hash per token from prefix
    sums, and a vectorized hash-table lookup to ids. Every context rule is numpy. Python-level
    work per token happens only for unknown tokens with an elongation (rare).

    Training uses exactly the same ``encode`` output to build its sparse matrix, so the folded
    fast path and the sklearn model see identical features by construction.

Tokens (``spans``): runs of word characters (letters, digits, ``_``; an apostrophe between two
    word characters belongs to the word, so ``don't`` is one token); every other non-space
    character is a token of its own (``!``, ``?``, ``,``, each emoji); VADER's emoticons
    (``:)``, ``:-(``, ``<3``, ``:D``) and URLs / ``@mentions`` are rewritten to placeholder
    words first. Lower-casing is per character (BMP); a token is ALL-CAPS when it starts with an
upper-case letter and contains no lower-case one.

Rules (all applied by ``encode``):
    * URLs -> ``xxurl``; ``@mentions`` -> ``xxuser``. Pure numbers are never in the
      vocabulary: "12345" alone is "unable to score".
    * Elongation: a token with a letter repeated 3+ times ("soooo") is collapsed to two letters
      ("soo"), or to one when only that is a VADER word ("baaaad" -> "bad"), and flagged.
      Vocabularies never contain such tokens, so at serving only unknown tokens are checked.
    * ALL-CAPS: a token of 2+ letters written in upper case is flagged (VADER's +0.733 emphasis
      on lexicon words, and a learned "caps" weight).
    * Negation: the up to 3 tokens after a negator (not, no, never, cannot, ``...n't``,
      VADER's list) use the token's *negated* id (``neg_good``); any punctuation, emoticon,
      emoji or the end of the message closes the scope. Its lexicon valence is v * -0.74 (VADER).
    * Boosters/dampeners ("very", "extremely" / "kinda", "slightly") flag the next token:
      +-0.293 on its lexicon valence (VADER's B_INCR).
    * Contrast: in a message with "but", lexicon valences before the first "but" count 0.5x and
      after it 1.5x (VADER's rule: "the food was good, but the service was awful" is negative).
    * Lexicon knowledge: VADER valences for words and emoticons; an emoji's valence is the sum
      of the VADER valences of the words of its description ("face with tears of joy" ->
      tears -0.9 + joy 2.8), clipped to +-4, with a few hand-set chat emoji (``EMOJI_OVERRIDES``).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from chatcluster.sentiment.lexicons import LEXICON_COLUMNS, POLAR_COLUMNS

UNK = "<unk>"
SEP = "\n"
NEG = "neg_"
URL_TOKEN = "xxurl"
USER_TOKEN = "xxuser"
UNK_ID = 0
SEP_ID = 1
EMOTICON_PREFIX = "xxemo"
TOKENIZER_REVISION = 3

# VADER's empirically derived intensity constants (vaderSentiment 3.3.2, Hutto & Gilbert 2014).
NEGATION_SCALAR = -0.74
CAPS_INCREMENT = 0.733
BOOSTER_INCREMENT = 0.293
NEGATION_SCOPE = 3

NEGATORS = frozenset(
    [
        "not",
        "no",
        "never",
        "cannot",
        "nothing",
        "nowhere",
        "none",
        "nope",
        "nor",
        "neither",
        "without",
        "rarely",
        "seldom",
        "despite",
        "uhuh",
        "aint",
        "arent",
        "cant",
        "couldnt",
        "darent",
        "didnt",
        "doesnt",
        "dont",
        "hadnt",
        "hasnt",
        "havent",
        "isnt",
        "mightnt",
        "mustnt",
        "neednt",
        "oughtnt",
        "shant",
        "shouldnt",
        "wasnt",
        "werent",
        "wont",
        "wouldnt",
    ]
)
BOOSTERS = frozenset(
    [
        "absolutely",
        "amazingly",
        "awfully",
        "completely",
        "considerably",
        "decidedly",
        "deeply",
        "effing",
        "enormously",
        "entirely",
        "especially",
        "exceptionally",
        "extremely",
        "fabulously",
        "flipping",
        "flippin",
        "fricking",
        "frickin",
        "frigging",
        "friggin",
        "fully",
        "fuckin",
        "fucking",
        "greatly",
        "hella",
        "highly",
        "hugely",
        "incredibly",
        "intensely",
        "majorly",
        "more",
        "most",
        "particularly",
        "purely",
        "quite",
        "really",
        "remarkably",
        "so",
        "substantially",
        "thoroughly",
        "totally",
        "tremendously",
        "uber",
        "unbelievably",
        "unusually",
        "utterly",
        "very",
        "super",
        "soo",
    ]
)
DAMPENERS = frozenset(
    [
        "almost",
        "barely",
        "hardly",
        "kinda",
        "kindof",
        "less",
        "marginally",
        "occasionally",
        "partly",
        "scarcely",
        "slightly",
        "somewhat",
        "sorta",
    ]
)
CONTRAST = frozenset({"but"})
CONTRAST_BEFORE = 0.5
CONTRAST_AFTER = 1.5
PUNCTUATION = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")

# Common chat emoji whose description has no VADER word ("pouting face", "thumbs up"), or a
# misleading one ("fire" is -1.4 but 🔥 means "great"; "broken heart" sums to +1.1 because
# "heart" outweighs "broken"); VADER-scale valences set by hand. Everything else uses its description.
EMOJI_OVERRIDES: Mapping[str, float] = {
    "👍": 1.8,
    "👎": -1.8,
    "👏": 1.8,
    "🔥": 1.5,
    "💯": 1.8,
    "🙌": 1.8,
    "🙏": 1.5,
    "💪": 1.5,
    "🤩": 2.5,
    "😉": 1.0,
    "👌": 1.5,
    "👋": 0.5,
    "💔": -2.5,
    "😡": -2.5,
    "🤬": -3.0,
    "😤": -1.5,
    "😒": -1.2,
    "🙄": -1.0,
    "🤦": -1.2,
    "🤢": -2.0,
    "🤮": -2.5,
    "💩": -1.5,
    "🖕": -2.5,
}

_WORD = r"\w+(?:'\w+)*"
_URL_RES = (re.compile(r"https?://\S+"), re.compile(r"www\.\S+"))  # literal prefixes: fast scans
_USER_RE = re.compile(r"@\w+")
_TRIPLE_RE = re.compile(r"([a-z])\1{2,}")  # on lower-cased text; ASCII keeps the scan fast

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


def _trie_pattern(words: Iterable[str]) -> str:
    """A regex alternation of ``words`` nested by common prefix (longest match wins).

    Python's ``re`` tries alternatives one by one; the trie makes a failed match cost one
    character test per level instead of one test per emoticon (there are ~300).
    """
    trie: dict[str, Any] = {}
    for word in set(words):
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _trie_to_pattern(trie)


def _trie_to_pattern(node: dict[str, Any]) -> str:
    branches = [re.escape(char) + _trie_to_pattern(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if "" in node else body


def emoji_valence(description: str, lexicon: Mapping[str, float]) -> float:
    """An emoji's valence: the sum of the VADER valences of its description's words, clipped to +-4."""
    total = sum(lexicon.get(word, 0.0) for word in re.findall(r"[a-z']+", description.lower()))
    return max(-4.0, min(4.0, total))


def is_negator(word: str) -> bool:
    return word in NEGATORS or word.endswith("n't")


def is_capsable(word: str) -> bool:
    """Only words of 2+ letters carry ALL-CAPS emphasis ("I" and ":D" do not)."""
    return word != UNK and sum(c.isalpha() for c in word) >= 2


def is_stop(word: str) -> bool:
    """Tokens that close a negation scope: punctuation, emoticons, emoji, the message end."""
    return word == SEP or not any(c.isalnum() for c in word)


def is_learnable(word: str) -> bool:
    """Vocabulary candidates: anything but pure numbers and elongated (un-collapsed) forms."""
    return word not in (SEP, UNK) and not word.isdigit() and _TRIPLE_RE.search(word) is None


# ---------------------------------------------------------------- characters and hashing

_BMP = 0x10000
_HASH_BASE = 1099511628211  # odd, so invertible modulo 2**64
_HASH_INVERSE = pow(_HASH_BASE, -1, 1 << 64)
_MASK64 = (1 << 64) - 1


WORD_BIT, SPACE_BIT, UPPER_BIT, LOWER_BIT = 1, 2, 4, 8


@dataclass(frozen=True)
class CharTables:
    """Per-code-point lookup tables for the Basic Multilingual Plane; astral chars are symbols.

    ``classes`` packs word / space / upper-case / lower-case bits into one byte, so a batch
    needs a single table gather for all four (``np.take`` is several times faster than fancy
    indexing); ``lower`` maps a character to its single-character lower case.
    """

    classes: NDArray[np.uint8]
    lower: NDArray[np.uint32]

    @classmethod
    def build(cls) -> CharTables:
        classes = np.zeros(_BMP, dtype=np.uint8)
        lower = np.arange(_BMP, dtype=np.uint32)
        for i in range(_BMP - 1):  # U+FFFF stands for every astral character: a symbol
            char = chr(i)
            folded = char.lower()
            if len(folded) == 1:
                lower[i] = ord(folded)
            bits = WORD_BIT if char.isalnum() or char == "_" else 0
            bits |= SPACE_BIT if char.isspace() else 0
            bits |= UPPER_BIT if char.isupper() else 0
            bits |= LOWER_BIT if char.islower() else 0
            classes[i] = bits
        return cls(classes=classes, lower=lower)

    def lower_codes(self, codes: NDArray[np.uint32], clipped: NDArray[np.uint32]) -> NDArray[np.uint32]:
        lowered = np.take(self.lower, clipped)
        astral = np.flatnonzero(codes >= _BMP)
        if astral.size:
            lowered[astral] = codes[astral]
        return lowered


@cache
def char_tables() -> CharTables:
    return CharTables.build()


def word_hash(word: str) -> int:
    """The 64-bit polynomial hash ``encode`` computes for a token (of already lower-cased text)."""
    total, power = 0, 1
    for char in word:
        total = (total + (ord(char) + 1) * power) & _MASK64
        power = (power * _HASH_BASE) & _MASK64
    return total or 1


_powers: list[NDArray[np.uint64]] = [np.ones(1, dtype=np.uint64), np.ones(1, dtype=np.uint64)]


def _power_tables(length: int) -> tuple[NDArray[np.uint64], NDArray[np.uint64]]:
    """``B**k`` and ``B**-k`` modulo 2**64 for k < length (grown by doubling, cached)."""
    if len(_powers[0]) < length:
        size = max(length, 2 * len(_powers[0]))
        for slot, factor in enumerate((_HASH_BASE, _HASH_INVERSE)):
            steps = np.full(size, factor, dtype=np.uint64)
            steps[0] = 1
            with np.errstate(over="ignore"):
                _powers[slot] = np.cumprod(steps, dtype=np.uint64)
    return _powers[0], _powers[1]


class HashIndex:
    """An open-addressing hash table from non-zero uint64 keys to int64 values, probed with numpy.

    One Python dict lookup per token costs a fresh string, its hash and a cache miss; here a
    whole batch is a handful of array operations. At a load factor <= 1/8 most lookups end at
    the first probe (the key, or an empty slot).
    """

    def __init__(self, keys: NDArray[np.uint64], values: IntArray) -> None:
        bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 8))))
        self.bits = bits
        self.keys = np.zeros(1 << bits, dtype=np.uint64)
        self.values = np.full(1 << bits, -1, dtype=np.int64)
        mask = (1 << bits) - 1
        for key, value, home in zip(keys.tolist(), values.tolist(), self._home(keys).tolist(), strict=True):
            while self.keys[home] not in (0, key):
                home = (home + 1) & mask
            self.keys[home] = key
            self.values[home] = value

    def _home(self, keys: NDArray[np.uint64]) -> IntArray:
        """Fibonacci hashing: the top ``bits`` bits of key * 2**64/phi."""
        with np.errstate(over="ignore"):
            mixed = keys * np.uint64(0x9E3779B97F4A7C15)
        return (mixed >> np.uint64(64 - self.bits)).astype(np.int64)

    def find(self, keys: NDArray[np.uint64], missing: int = -1) -> IntArray:
        """The value of each key, or ``missing``."""
        where = self._home(keys)
        found = np.take(self.keys, where)
        result = np.where(found == keys, np.take(self.values, where), missing)
        pending = np.flatnonzero((found != keys) & (found != 0))
        where = np.take(where, pending)
        mask = (1 << self.bits) - 1
        while pending.size:
            where = (where + 1) & mask
            found = np.take(self.keys, where)
            hit = found == np.take(keys, pending)
            result[pending[hit]] = np.take(self.values, where[hit])
            more = ~hit & (found != 0)
            pending, where = pending[more], where[more]
        return result


@dataclass(frozen=True)
class Spans:
    """The tokens of a prepared batch: [start, end) code-point spans, lower-cased code points."""

    starts: IntArray
    ends: IntArray
    is_sep: BoolArray
    caps: BoolArray  # ALL-CAPS as written: starts with an upper-case letter and has no lower-case one
    hashes: NDArray[np.uint64]
    lowered: NDArray[np.uint32]

    def word(self, index: int) -> str:
        return self.lowered[self.starts[index] : self.ends[index]].tobytes().decode("utf-32-le", "surrogatepass")


def spans(text: str) -> Spans:
    """Tokenizes a prepared batch (see ``ChatFeaturizer.prepare``) with numpy only."""
    tables = char_tables()
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    clipped = np.minimum(codes, np.uint32(_BMP - 1))
    classes = np.take(tables.classes, clipped)
    wordy = (classes & WORD_BIT).astype(np.bool_)
    apostrophes = np.flatnonzero(codes[1:-1] == 39) + 1
    if apostrophes.size:
        inner = apostrophes[wordy[apostrophes - 1] & wordy[apostrophes + 1]]
        wordy[inner] = True
    newline = codes == 10
    symbol = ~wordy & (((classes & SPACE_BIT) == 0) | newline)
    begins = symbol.copy()
    begins[0] |= wordy[0]
    begins[1:] |= wordy[1:] & ~wordy[:-1]
    starts = np.flatnonzero(begins)
    word_ends = np.flatnonzero(wordy[:-1] & ~wordy[1:]) + 1  # prepared text ends with a newline
    starts_word = wordy[starts]
    ends = starts + 1
    ends[starts_word] = word_ends
    lowered = tables.lower_codes(codes, clipped)
    caps = np.zeros(len(starts), dtype=np.bool_)
    candidates = np.flatnonzero((classes[starts] & UPPER_BIT) != 0)
    if candidates.size:
        lower_seen = np.concatenate([[0], np.cumsum((classes & LOWER_BIT) != 0, dtype=np.int32)])
        s, e = starts[candidates], ends[candidates]
        caps[candidates] = lower_seen[e] == lower_seen[s]
    powers, inverses = _power_tables(len(codes) + 1)
    with np.errstate(over="ignore"):
        weighted = (lowered.astype(np.uint64) + np.uint64(1)) * powers[: len(codes)]
        prefix = np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(weighted, dtype=np.uint64)])
        hashes = (np.take(prefix, ends) - np.take(prefix, starts)) * np.take(inverses, starts)
    hashes[hashes == 0] = 1
    return Spans(starts, ends, newline[starts], caps & starts_word, hashes, lowered)


@dataclass(frozen=True)
class ChatFeaturizer:
    """Text -> tokens, built from VADER's word lexicon and emoji descriptions (pure: no I/O)."""

    lexicon: Mapping[str, float]
    emoji: Mapping[str, str]
    # word -> one value per lexicons.LEXICON_COLUMNS: only training reads it (the trained
    # vocabulary carries it), so a loaded model needs no lexicon package besides VADER's
    knowledge: Mapping[str, tuple[float, ...]] = field(default_factory=dict, repr=False)
    valence: dict[str, float] = field(init=False, repr=False)
    placeholders: dict[str, str] = field(init=False, repr=False)  # emoticon (any case) -> placeholder
    _emoticon_re: re.Pattern[str] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        valence: dict[str, float] = {}
        emoticons: list[str] = []
        for token, value in self.lexicon.items():
            lowered = token.lower()
            if " " in lowered or (not re.fullmatch(_WORD, lowered) and re.match(r"[\w-]", lowered)):
                continue  # "fed up", "cover-up", "8-)" are never single tokens here
            if not re.fullmatch(_WORD, lowered):
                emoticons.append(token)
            # ":D" and ":d" both lower-case to ":d": keep the stronger rating
            if abs(value) > abs(valence.get(lowered, 0.0)):
                valence[lowered] = value
        for emoji, description in self.emoji.items():
            char = emoji.replace("\ufe0f", "")
            if len(char) == 1:  # skin-tone and ZWJ sequences: the base emoji is its own token
                value = EMOJI_OVERRIDES.get(char, emoji_valence(description, self.lexicon))
                if value:
                    valence[char] = value
        lowered_emoticons = sorted({e.lower() for e in emoticons})
        number = {e: f"{EMOTICON_PREFIX}{i}" for i, e in enumerate(lowered_emoticons)}
        placeholders = {spelling: number[spelling.lower()] for e in emoticons for spelling in (e, e.lower())}
        object.__setattr__(self, "valence", valence)
        object.__setattr__(self, "placeholders", placeholders)
        object.__setattr__(self, "_emoticon_re", re.compile(_trie_pattern(placeholders)))

    def fingerprint(self) -> str:
        """A hash of everything that decides tokens and valences (part of the model version)."""
        state = {
            "valence": sorted(self.valence.items()),
            "emoticons": sorted(self.placeholders.items()),
            "rules": [sorted(NEGATORS), sorted(BOOSTERS), sorted(DAMPENERS), sorted(CONTRAST), NEGATION_SCOPE],
            "elongation": _TRIPLE_RE.pattern,
            "tokenizer": TOKENIZER_REVISION,
            "knowledge": sorted(self.knowledge.items()),
        }
        return hashlib.sha256(json.dumps(state, ensure_ascii=False).encode()).hexdigest()

    def prepare(self, texts: Sequence[str]) -> str:
        """The batch as one string, message i on line i, with URLs, mentions and emoticons rewritten."""
        joined = SEP.join(texts)
        if joined.count(SEP) != len(texts) - 1:
            joined = SEP.join(text.replace(SEP, " ") for text in texts)
        joined = joined.replace("\u2019", "'")
        for url_re in _URL_RES:
            joined = url_re.sub(f" {URL_TOKEN} ", joined)
        if "@" in joined:
            joined = _USER_RE.sub(f" {USER_TOKEN} ", joined)
        joined = self._emoticon_re.sub(self._placeholder, joined)
        return joined + SEP

    def _placeholder(self, match: re.Match[str]) -> str:
        return f" {self.placeholders[match.group(0)]} "

    def key(self, word: str) -> str:
        """What a vocabulary word looks like in prepared text (an emoticon's placeholder)."""
        return self.placeholders.get(word, word)

    def collapse(self, word: str) -> str:
        """An elongated word back to its base: two letters, or one when only that is a VADER word."""
        two = _TRIPLE_RE.sub(r"\1\1", word)
        one = _TRIPLE_RE.sub(r"\1", word)
        return one if one in self.valence and two not in self.valence else two

    def token_valence(self, word: str) -> float:
        return self.valence.get(word, 0.0)

    def tokens(self, texts: Sequence[str]) -> list[list[str]]:
        """Each message's lower-cased, collapsed tokens (for vocabulary building and tests)."""
        batch = spans(self.prepare(texts))
        text = batch.lowered.tobytes().decode("utf-32-le", "surrogatepass")
        shown = {placeholder: emoticon.lower() for emoticon, placeholder in self.placeholders.items()}
        messages: list[list[str]] = [[]]
        for start, end, is_sep in zip(batch.starts.tolist(), batch.ends.tolist(), batch.is_sep.tolist(), strict=True):
            if is_sep:
                messages.append([])
                continue
            word = shown.get(text[start:end], text[start:end])
            messages[-1].append(self.collapse(word) if _TRIPLE_RE.search(word) else word)
        return messages[: len(texts)]

    def tokenize(self, text: str) -> list[str]:
        """One message's tokens (for tests and debugging)."""
        return self.tokens([text])[0]


@dataclass(frozen=True)
class Vocabulary:
    """Word -> id, and per-id properties as arrays indexed by id.

    Ids ``[0, n)`` are plain words, ``[n, 2n)`` the same words under negation (``neg_good``);
    id 0 is the unknown token and id 1 the message separator. Always included, whatever the
    training data: every VADER word, emoticon and emoji, negators, boosters and punctuation,
    so the context rules never depend on what the training set happened to contain.
    """

    words: tuple[str, ...]
    index: dict[str, int]
    table: HashIndex  # word_hash(featurizer.key(word)) -> id
    negator: BoolArray
    stop: BoolArray
    booster: BoolArray
    dampener: BoolArray
    capsable: BoolArray
    contrast: BoolArray
    valence: FloatArray
    knowledge: FloatArray  # (size, len(LEXICON_COLUMNS)); polar columns x NEGATION_SCALAR on negated ids

    @property
    def size(self) -> int:
        """Number of ids including the negated variants."""
        return 2 * len(self.words)

    def word(self, token_id: int) -> str:
        base = self.words[token_id % len(self.words)]
        return NEG + base if token_id >= len(self.words) else base

    @classmethod
    def build(cls, featurizer: ChatFeaturizer, learned: Iterable[str]) -> Vocabulary:
        specials = [*featurizer.valence, *NEGATORS, *BOOSTERS, *DAMPENERS, *CONTRAST, *PUNCTUATION]
        specials += [URL_TOKEN, USER_TOKEN, *featurizer.knowledge]
        words = [UNK, SEP, *sorted({w for w in (*specials, *learned) if is_learnable(w)})]
        values = np.array([featurizer.token_valence(w) for w in words])
        blank = (0.0,) * len(LEXICON_COLUMNS)
        known = np.array([featurizer.knowledge.get(w, blank) for w in words], dtype=np.float64)
        flip = np.array([NEGATION_SCALAR if c in POLAR_COLUMNS else 1.0 for c in LEXICON_COLUMNS])
        keys = np.array([word_hash(featurizer.key(w)) for w in words[2:]], dtype=np.uint64)

        def flags(predicate: Any) -> BoolArray:
            plain = np.array([bool(predicate(w)) for w in words], dtype=np.bool_)
            return np.concatenate([plain, plain])

        return cls(
            words=tuple(words),
            index={w: i for i, w in enumerate(words)},
            table=HashIndex(keys, np.arange(2, len(words), dtype=np.int64)),
            negator=flags(is_negator),
            stop=flags(is_stop),
            booster=flags(BOOSTERS.__contains__),
            dampener=flags(DAMPENERS.__contains__),
            capsable=flags(is_capsable),
            contrast=flags(CONTRAST.__contains__),
            valence=np.concatenate([values, values * NEGATION_SCALAR]),
            knowledge=np.concatenate([known, known * flip]),
        )


def count_tokens(featurizer: ChatFeaturizer, texts: Sequence[str]) -> Counter[str]:
    """Token frequencies over a training set (the learned vocabulary keeps the frequent ones)."""
    counts: Counter[str] = Counter()
    for start in range(0, len(texts), 4096):
        for message in featurizer.tokens(texts[start : start + 4096]):
            counts.update(message)
    return counts


@dataclass(frozen=True)
class Encoded:
    """A batch as flat arrays over its tokens (``SEP`` included, one per message, last in it)."""

    ids: IntArray
    caps: BoolArray
    elong: BoolArray
    boost: BoolArray
    damp: BoolArray
    before_but: BoolArray
    after_but: BoolArray
    starts: IntArray

    @property
    def n_messages(self) -> int:
        return len(self.starts)

    def message_index(self) -> IntArray:
        """For every token, the number of the message it belongs to."""
        boundary = (self.ids == SEP_ID).astype(np.int64)
        return np.asarray(np.cumsum(boundary) - boundary, dtype=np.int64)


def encode(featurizer: ChatFeaturizer, vocab: Vocabulary, texts: Sequence[str]) -> Encoded:
    """The batch's token ids and context flags; the one code path for training and serving."""
    batch = spans(featurizer.prepare(texts))
    ids = vocab.table.find(batch.hashes, missing=UNK_ID)
    ids[batch.is_sep] = SEP_ID
    elong = np.zeros(len(ids), dtype=np.bool_)
    unknown = np.flatnonzero(ids == UNK_ID)
    for position in _elongated(batch, unknown):
        elong[position] = True
        ids[position] = vocab.index.get(featurizer.collapse(batch.word(position)), UNK_ID)
    caps = batch.caps & vocab.capsable[ids]
    ids = _apply_negation(ids, vocab)
    boost = np.zeros(len(ids), dtype=np.bool_)
    damp = np.zeros(len(ids), dtype=np.bool_)
    boost[1:] = vocab.booster[ids[:-1]]
    damp[1:] = vocab.dampener[ids[:-1]]
    seps = np.flatnonzero(ids == SEP_ID)
    starts = np.concatenate([[0], seps[:-1] + 1]).astype(np.int64)
    before_but, after_but = _but_scopes(ids, vocab, starts, seps)
    return Encoded(
        ids=ids,
        caps=caps,
        elong=elong,
        boost=boost,
        damp=damp,
        before_but=before_but,
        after_but=after_but,
        starts=starts,
    )


def _elongated(batch: Spans, unknown: IntArray) -> list[int]:
    """Which ``unknown`` tokens contain a lower-case ASCII letter repeated 3+ times (numpy only)."""
    if unknown.size == 0:
        return []
    low = batch.lowered
    triple = np.zeros(len(low), dtype=np.bool_)
    triple[:-2] = (low[:-2] == low[1:-1]) & (low[1:-1] == low[2:]) & (low[:-2] >= 97) & (low[:-2] <= 122)
    if not triple.any():
        return []
    counts = np.concatenate([[0], np.cumsum(triple)])
    starts, ends = batch.starts[unknown], batch.ends[unknown]
    inside = (ends - starts >= 3) & (counts[np.maximum(ends - 2, starts)] - counts[starts] > 0)
    positions: list[int] = unknown[inside].tolist()
    return positions


def _but_scopes(ids: IntArray, vocab: Vocabulary, starts: IntArray, seps: IntArray) -> tuple[BoolArray, BoolArray]:
    """VADER's contrast rule: in a message with "but", tokens before the first one count half, after it 1.5x."""
    is_but = vocab.contrast[ids]
    if not is_but.any():
        return np.zeros(len(ids), dtype=np.bool_), np.zeros(len(ids), dtype=np.bool_)
    running: IntArray = np.cumsum(is_but, dtype=np.int64)
    first = is_but[starts].astype(np.int64)
    lengths = seps - starts + 1
    before_message: IntArray = np.repeat(running[starts] - first, lengths)
    in_message: IntArray = np.repeat(running[seps] - running[starts] + first, lengths)
    so_far = running - before_message
    after_but = (so_far > 0) & ~is_but
    before_but = (so_far == 0) & (in_message > 0)
    return before_but, after_but


def _apply_negation(ids: IntArray, vocab: Vocabulary) -> IntArray:
    """Switch the up-to-3 tokens after each negator to their negated ids; stops close the scope."""
    negators = np.flatnonzero(vocab.negator[ids])
    if negators.size == 0:
        return ids
    stops_so_far = np.cumsum(vocab.stop[ids])
    in_scope = np.zeros(len(ids), dtype=np.bool_)
    for distance in range(1, NEGATION_SCOPE + 1):
        target = negators + distance
        valid = target < len(ids)
        target, source = target[valid], negators[valid]
        open_scope = stops_so_far[target] == stops_so_far[source]
        in_scope[target[open_scope]] = True
    plain = len(vocab.words)
    flip = in_scope & (ids < plain) & (ids != UNK_ID)
    result = ids.copy()
    result[flip] += plain
    return result


def explain(vocab: Vocabulary, encoded: Encoded) -> list[list[str]]:
    """Readable tokens per message (``neg_good``, ``good^caps``, ``soo~elong``, ``+good`` boosted)."""
    messages: list[list[str]] = [[]]
    for position, token_id in enumerate(encoded.ids.tolist()):
        if token_id == SEP_ID:
            messages.append([])
            continue
        word = vocab.word(token_id)
        prefix = "+" if encoded.boost[position] else "-" if encoded.damp[position] else ""
        suffix = ("^caps" if encoded.caps[position] else "") + ("~elong" if encoded.elong[position] else "")
        messages[-1].append(prefix + word + suffix)
    return messages[: encoded.n_messages]
