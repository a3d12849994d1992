"""Passage search over the five documents: short cited passages, ranked by BM25 and meaning.

Each document (bot/documents.py: text and section index) is cut into passages of whole
sentences, at most PASSAGE_WORDS words, inside one section, so each passage is cited by its
document and the most specific section holding it. A question is scored against every
passage by the sentence model (cosine) and by BM25 (rank-bm25) over content words; BM25 is
squashed to 0..1 (b / (b + BM25_HALF)) and added with a weight, so an exact rare term (e.g.
"bridger") lifts a passage the embedding alone ranks lower. The score is absolute, so a
threshold on it can say "nothing relevant" (bot/knowledge/__init__.py).
"""
import os
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot import VAR_DIR, documents
from bot.knowledge import topics
from bot.embedding import embed_cached

PASSAGE_WORDS = 45
MIN_PASSAGE_WORDS = 8
BM25_WEIGHT = 0.15
BM25_HALF = 8.0

STOPWORDS = set("""a an and are as at be but by can could do does did for from had has have he her
him his how i if in into is it its me my of on or our she should so than that the their them
then there these they this those to was we were what when where which who whom why will with
would you your about any all also been being just more most not no only other some such very
am im i'm dont don't cant wont didnt doesnt isnt arent wasnt werent shouldnt wouldnt couldnt hasnt
havent hadnt thats whats whos theres heres youre theyre ive youve weve theyve id youd hed shed itll
ill youll theyll hes shes lets ok okay pls plz ur thx lol""".split())


@dataclass
class Passage:
    doc: str
    section: str
    text: str
    score: float = 0.0
    cosine: float = 0.0
    agree: bool = False        # among the AGREE_TOP of both the embedding and the BM25 ranking
    shared: tuple = ()         # the question's specific content words the passage uses

    @property
    def quote(self) -> str:
        return self.text


def tokens(text: str) -> list:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOPWORDS and len(w) > 1]


PAGE_NUMBER = re.compile(r"\s*\d{1,3}\s*")


def _segments(lines) -> list:
    """The section's lines cut at stray page numbers, so no passage spans one (a quote must be
    verbatim)."""
    segments, current = [], []
    for line in lines:
        if PAGE_NUMBER.fullmatch(line):
            segments.append(current)
            current = []
        else:
            current.append(line)
    return [seg for seg in segments + [current] if seg]


def _units(lines) -> list:
    """Sentences and list items of a run of lines. The PDF extraction puts blank lines inside
    sentences, so lines are joined first; bullet glyphs (private-use characters) start items."""
    text = " ".join(lines)
    text = "".join("\n" if unicodedata.category(c) in ("Co", "Cn") or c in "\u2022\u25aa\u25cf" else c
                   for c in text)
    units = []
    for piece in text.split("\n"):
        piece = re.sub(r"\s+", " ", piece).strip()
        units += [u for u in re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(\u201c])", piece) if u]
    return units


def _chunks(units: list) -> list:
    """Units grouped up to PASSAGE_WORDS words; a longer unit is cut into windows."""
    pieces = []
    for unit in units:
        words = unit.split()
        pieces += [words[i:i + PASSAGE_WORDS] for i in range(0, len(words), PASSAGE_WORDS)]
    chunks, current = [], []
    for words in pieces:
        if current and len(current) + len(words) > PASSAGE_WORDS:
            chunks.append(" ".join(current))
            current = []
        current += words
    if current:
        chunks.append(" ".join(current))
    return chunks


def leaf_sections():
    """(doc, heading, lines) for each line run owned by its most specific section."""
    for doc, sections in documents.sections().items():
        lines = documents.lines(doc)
        owner = [None] * (len(lines) + 2)
        # Wider sections first, so a narrower one inside overwrites its lines.
        for sec in sorted(sections, key=lambda s: (s["end"] - s["start"]), reverse=True):
            for n in range(sec["start"], min(sec["end"], len(lines)) + 1):
                owner[n] = sec["heading"]
        run, heading = [], None
        for n in range(1, len(lines) + 1):
            if owner[n] != heading and run:
                yield doc, heading, run
                run = []
            heading = owner[n]
            if heading is not None:
                run.append(lines[n - 1])
        if run and heading:
            yield doc, heading, run


def build() -> list:
    return [Passage(doc, section, chunk)
            for doc, section, lines in leaf_sections()
            for segment in _segments(lines)
            for chunk in _chunks(_units(segment))
            if len(chunk.split()) >= MIN_PASSAGE_WORDS]


@lru_cache(maxsize=1)
def index():
    from rank_bm25 import BM25Okapi

    passages = build()
    vectors = embed_cached([p.text for p in passages])
    bm25 = BM25Okapi([tokens(p.text) for p in passages])
    return passages, vectors, bm25


# Words nearly every passage uses: sharing them says nothing about relevance.
GENERIC_WORDS = set("""peer peers support supports supporting specialist specialists provider providers
service services recovery people person client clients participant participants staff agency
agencies work working worker workers role roles help helps helping need needs get gets got make
know like want one way thing things say said tell someone mean means meaning exactly actually
really kind sort ok okay new here heard hearing keep keeps""".split())
AGREE_TOP = 10


def content_words(text: str) -> set:
    return {w for w in tokens(text) if w not in GENERIC_WORDS and len(w) > 2}


def stem(word: str) -> str:
    return word[:5] if len(word) > 5 else word.rstrip("s")


def search(question: str, n: int = 3) -> list:
    """The n best passages for a question, best first, each with its score, and whether the
    embedding and BM25 rankings agree on it and which specific words it shares."""
    passages, vectors, bm25 = index()
    cosine = vectors @ topics.vector(question)
    words = tokens(question)
    lexical = bm25.get_scores(words) if words else np.zeros(len(passages))
    scores = cosine + BM25_WEIGHT * lexical / (lexical + BM25_HALF)
    best = np.argsort(-scores)[:n]
    by_meaning = set(np.argsort(-cosine)[:AGREE_TOP].tolist())
    by_words = set(np.argsort(-lexical)[:AGREE_TOP].tolist()) if lexical.any() else set()
    asked = content_words(question)
    found = []
    for i in best:
        own = {stem(w) for w in content_words(passages[i].text)}
        shared = tuple(sorted(w for w in asked if stem(w) in own))
        found.append(Passage(passages[i].doc, passages[i].section, passages[i].text, float(scores[i]),
                             float(cosine[i]), int(i) in by_meaning and int(i) in by_words, shared))
    return found


@lru_cache(maxsize=1)
def vocabulary() -> frozenset:
    """Every content word of the documents, the prepared answers and the FAQ examples."""
    from bot import knowledge

    words = set()
    for passage in build():
        words.update(tokens(passage.text))
    for key in knowledge.keys():
        item = knowledge.entry(key)
        words.update(tokens(" ".join([item["title"], item["answer"], item.get("more") or ""])))
    for examples in topics.nlu_examples().values():
        words.update(tokens(" ".join(examples)))
    return frozenset(words)


# A word this rare in general English (log probability, spaCy's lookup data) and absent from the
# documents names something they don't discuss ("HCPCS", "naloxone", "Ohio", "PTO").
RARE_WORD_LOGPROB = -13.0
MAX_WORDS_CHECKED = 30


@lru_cache(maxsize=1)
def common_words() -> frozenset:
    import gzip
    import json

    import spacy_lookups_data

    cache = VAR_DIR / f"common-words-{RARE_WORD_LOGPROB}.txt"
    if cache.exists():
        return frozenset(cache.read_text(encoding="utf-8").split())
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lexeme_prob.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        words = sorted(w for w, p in json.load(f).items() if p >= RARE_WORD_LOGPROB and w.strip())
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text("\n".join(words), encoding="utf-8")
    os.replace(tmp, cache)
    return frozenset(words)


@lru_cache(maxsize=1)
def _by_initial() -> dict:
    groups = {}
    for word in vocabulary():
        groups.setdefault(word[0], []).append(word)
    return groups


def unknown_terms(question: str) -> list:
    """Rare content words of the question that nothing in the documents or answers uses (nor a
    near spelling of): a sign the documents can't answer it."""
    import difflib

    known = vocabulary()
    unknown = []
    words = list(dict.fromkeys(tokens(question)))[:MAX_WORDS_CHECKED]   # long messages stay fast
    for word in words:
        if len(word) < 3 or word in known or word.rstrip("s") in known or word in common_words():
            continue
        if len(word) >= 5 and difflib.get_close_matches(word, _by_initial().get(word[0], ()), n=1, cutoff=0.8):
            continue   # a typo of a known word (typos rarely change the first letter)
        unknown.append(word)
    return unknown


def best(question: str):
    found = search(question, 1)
    return found[0] if found else None
