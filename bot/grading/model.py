"""The meaning side of the grader: sentence embeddings (bot.embedding) of the principles'
examples and the task bank's train split, a scikit-learn LogisticRegression over them,
and cosine neighbours.

Training happens once per content version and is cached under var/grading/<hash>/ (the
hash covers tasks.yml, principles.yml, the model weights and MODEL_VERSION). The cache
holds the item vectors and the fitted classifier's coefficients, so a cold `python -m bot
grade` does not import scikit-learn (about a second): predict() applies the fitted
multinomial model exactly as LogisticRegression.predict_proba does (softmax of the
decision function; tests/test_grader.py checks the two agree), and neighbours() is the
brute-force cosine search NearestNeighbors(metric="cosine") does, as one dot product
because the vectors are unit length (the test checks that too).
"""
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from bot import VAR_DIR
from bot.grading.framing import clean, parse_framing
from bot.grading.principles import PRINCIPLES_FILE, load_principles
from bot.tasks import TASKS_FILE, VERDICTS, load_tasks

MODEL_VERSION = "1"
REGULARISATION_C = 4.0     # LogisticRegression C; chosen by 5-fold CV on train (bench/grader.py --cv)
CACHE_ROOT = VAR_DIR / "grading"


def core_text(text: str) -> str:
    """The text the model sees: the task with its framing removed (inputs and training alike)."""
    return parse_framing(clean(text)).core or clean(text)


@dataclass
class Item:
    kind: str        # "principle" (an example phrasing) or "task" (a train task of the bank)
    ref: str         # principle id or task id
    verdict: str
    text: str


def training_items(tasks=None) -> list:
    """Principle examples first (grouped by principle, in file order), then train tasks."""
    items = [Item("principle", p.id, p.side, e) for p in load_principles() for e in p.examples]
    tasks = load_tasks("train") if tasks is None else tasks
    items += [Item("task", t.id, t.verdict, t.text) for t in tasks]
    return items


@dataclass
class Scores:
    probs: dict          # verdict -> probability (the classifier)
    principles: list     # [(similarity, Principle)], most similar first
    neighbours: list     # [(similarity, Item)], most similar first
    top_similarity: float


class Model:
    def __init__(self, items, vectors, coef, intercept):
        self.items = items
        self.vectors = vectors
        self.coef = coef
        self.intercept = intercept
        self.principles = load_principles()
        # rows of each principle's examples are contiguous: [start, end) per principle
        starts, row = [], 0
        for p in self.principles:
            starts.append(row)
            row += len(p.examples)
        self.principle_starts = np.array(starts)
        self.principle_rows = row

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        """Class probabilities in VERDICTS order (LogisticRegression.predict_proba)."""
        logits = vectors @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def neighbours(self, vector: np.ndarray, k: int = 10) -> list:
        sims = self.vectors @ vector
        order = np.argsort(-sims, kind="stable")[:k]
        return [(float(sims[i]), self.items[i]) for i in order]

    def score(self, vector: np.ndarray, k: int = 10) -> Scores:
        sims = self.vectors @ vector
        per_principle = np.maximum.reduceat(sims[:self.principle_rows], self.principle_starts)
        ranked = sorted(zip(per_principle.tolist(), self.principles), key=lambda x: -x[0])
        probs = self.predict(vector[None, :])[0]
        order = np.argsort(-sims, kind="stable")[:k]
        return Scores(probs=dict(zip(VERDICTS, probs.tolist())), principles=ranked,
                      neighbours=[(float(sims[i]), self.items[i]) for i in order],
                      top_similarity=float(sims.max()))


def fit(items, vectors, c: float = REGULARISATION_C):
    """(coef, intercept) of a LogisticRegression on the items, rows in VERDICTS order."""
    from sklearn.linear_model import LogisticRegression

    labels = np.array([VERDICTS.index(i.verdict) for i in items])
    clf = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    clf.fit(vectors, labels)
    coef = np.zeros((len(VERDICTS), vectors.shape[1]), dtype=np.float64)
    intercept = np.zeros(len(VERDICTS), dtype=np.float64)
    coef[clf.classes_] = clf.coef_
    intercept[clf.classes_] = clf.intercept_
    return coef, intercept


def build(tasks=None, c: float = REGULARISATION_C) -> Model:
    from bot.embedding import embed_cached

    items = training_items(tasks)
    vectors = embed_cached([core_text(i.text) for i in items])
    coef, intercept = fit(items, vectors, c)
    return Model(items, vectors, coef, intercept)


def content_hash() -> str:
    from bot.embedding import MODEL_SHA256

    digest = hashlib.sha256()
    for part in (TASKS_FILE.read_bytes(), PRINCIPLES_FILE.read_bytes(), MODEL_SHA256.encode(),
                 f"{MODEL_VERSION}:{REGULARISATION_C}".encode()):
        digest.update(part)
    return digest.hexdigest()[:16]


def cache_path():
    return CACHE_ROOT / content_hash() / "model.npz"


@lru_cache(maxsize=1)
def load() -> Model:
    """The model for the current content, trained on first use and cached on disk."""
    path = cache_path()
    items = training_items()
    if path.exists():
        try:
            data = np.load(path)
            if data["vectors"].shape[0] == len(items):
                return Model(items, data["vectors"], data["coef"], data["intercept"])
        except (OSError, ValueError, KeyError):
            pass
    model = build()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"model.{os.getpid()}.tmp.npz")
    np.savez(tmp, vectors=model.vectors, coef=model.coef, intercept=model.intercept)
    os.replace(tmp, path)
    return model


def embed_task(text: str) -> np.ndarray:
    from bot.embedding import embed_one

    return embed_one(core_text(text))
