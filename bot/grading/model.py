"""The meaning side of the grader: sentence embeddings (bot.embedding) of the principles'
examples and the task bank's train split, and two scikit-learn LogisticRegressions over
them: one for the verdict (trained on the train tasks and the examples, each labelled with
its principle's side), one for the principle (trained on the examples, labelled with their
principle), plus cosine neighbours.

Training happens once per content version and is cached under var/grading/<hash>/ (the
hash covers tasks.yml, principles.yml, framing.py, the model weights and MODEL_VERSION). The cache
holds the item vectors and the fitted classifiers' coefficients, so a cold `python -m bot
grade` does not import scikit-learn (about a second): predict() applies a fitted
multinomial model exactly as LogisticRegression.predict_proba does (softmax of the
decision function; tests/test_grader.py checks the two agree), and neighbours() is the
brute-force cosine search NearestNeighbors(metric="cosine") does, as one dot product
because the vectors are unit length (the test checks that too).
"""
import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot import VAR_DIR
from bot.grading.framing import clean, parse_framing
from bot.grading.principles import PRINCIPLES_FILE, load_principles
from bot.tasks import TASKS_FILE, VERDICTS, Task, load_tasks, tasks_by_id

MODEL_VERSION = "1"
VERDICT_C = 2.0           # LogisticRegression C of the verdict classifier } chosen by 5-fold CV
PRINCIPLE_C = 8.0         # ... and of the principle classifier            } on train, checked on dev
CLASSIFIER_WEIGHT = 0.3   # verdict probabilities: 0.3 * classifier + 0.7 * neighbour vote
NEIGHBOURS = 9            # neighbours that vote, each with weight similarity ** VOTE_POWER
VOTE_POWER = 4
SAME_AS = 0.9             # a known item this similar is the same duty: its verdict is taken
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
    probs: dict          # verdict -> probability (the verdict classifier)
    principles: list     # [(probability, Principle)] from the principle classifier, most likely first
    similarity: dict     # principle id -> best cosine similarity to one of its examples
    neighbours: list     # [(similarity, Item)], most similar first
    top_similarity: float


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    logits = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


class Model:
    def __init__(self, items, vectors, coef, intercept, principle_coef, principle_intercept):
        self.items = items
        self.vectors = vectors
        self.coef = coef
        self.intercept = intercept
        self.principle_coef = principle_coef
        self.principle_intercept = principle_intercept
        self.principles = load_principles()
        # rows of each principle's examples are contiguous: [start, end) per principle
        starts, row = [], 0
        for p in self.principles:
            starts.append(row)
            row += len(p.examples)
        self.principle_starts = np.array(starts)
        self.principle_rows = row

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        """Verdict probabilities in VERDICTS order (LogisticRegression.predict_proba)."""
        return softmax_rows(vectors @ self.coef.T + self.intercept)

    def predict_principles(self, vectors: np.ndarray) -> np.ndarray:
        """Principle probabilities in principles.yml order (LogisticRegression.predict_proba)."""
        return softmax_rows(vectors @ self.principle_coef.T + self.principle_intercept)

    def verdict_probs(self, vector, sims, order) -> np.ndarray:
        """Classifier probabilities blended with a similarity-weighted vote of the nearest items."""
        nearest = order[0]
        if sims[nearest] >= SAME_AS:
            return np.eye(len(VERDICTS))[VERDICTS.index(self.items[nearest].verdict)]
        vote = np.zeros(len(VERDICTS))
        for i in order[:NEIGHBOURS]:
            vote[VERDICTS.index(self.items[i].verdict)] += max(float(sims[i]), 0.0) ** VOTE_POWER
        vote = vote / vote.sum() if vote.sum() > 0 else np.full(len(VERDICTS), 1 / len(VERDICTS))
        return CLASSIFIER_WEIGHT * self.predict(vector[None, :])[0] + (1 - CLASSIFIER_WEIGHT) * vote

    def neighbours(self, vector: np.ndarray, k: int = 10) -> list:
        sims = self.vectors @ vector
        order = np.argsort(-sims, kind="stable")[:k]
        return [(float(sims[i]), self.items[i]) for i in order]

    def score(self, vector: np.ndarray, k: int = 10) -> Scores:
        sims = self.vectors @ vector
        per_principle = np.maximum.reduceat(sims[:self.principle_rows], self.principle_starts)
        p_probs = self.predict_principles(vector[None, :])[0]
        ranked = sorted(zip(p_probs.tolist(), self.principles), key=lambda x: -x[0])
        order = np.argsort(-sims, kind="stable")[:max(k, NEIGHBOURS)]
        probs = self.verdict_probs(vector, sims, order)
        order = order[:k]
        return Scores(probs=dict(zip(VERDICTS, probs.tolist())), principles=ranked,
                      similarity={p.id: float(s) for p, s in zip(self.principles, per_principle)},
                      neighbours=[(float(sims[i]), self.items[i]) for i in order],
                      top_similarity=float(sims.max()))


def logistic_regression(vectors, labels, n_classes: int, c: float):
    """The fitted LogisticRegression and its (coef, intercept), one row per class 0..n-1."""
    from sklearn.linear_model import LogisticRegression

    clf = LogisticRegression(C=c, max_iter=5000)
    clf.fit(vectors, labels)
    coef = np.zeros((n_classes, vectors.shape[1]), dtype=np.float64)
    intercept = np.full(n_classes, -1e9, dtype=np.float64)    # a class with no example is never predicted
    if len(clf.classes_) == 2:    # binary models keep one row; the multinomial rows are -w/2, +w/2
        coef[clf.classes_] = np.vstack([-clf.coef_[0] / 2, clf.coef_[0] / 2])
        intercept[clf.classes_] = [-clf.intercept_[0] / 2, clf.intercept_[0] / 2]
    else:
        coef[clf.classes_] = clf.coef_
        intercept[clf.classes_] = clf.intercept_
    return clf, coef, intercept


def fit(items, vectors, verdict_c: float = VERDICT_C, principle_c: float = PRINCIPLE_C) -> Model:
    principles = load_principles()
    verdicts = np.array([VERDICTS.index(i.verdict) for i in items])
    _, coef, intercept = logistic_regression(vectors, verdicts, len(VERDICTS), verdict_c)
    index = {p.id: n for n, p in enumerate(principles)}
    rows = [n for n, i in enumerate(items) if i.kind == "principle"]
    labels = np.array([index[items[n].ref] for n in rows])
    _, p_coef, p_intercept = logistic_regression(vectors[rows], labels, len(principles), principle_c)
    return Model(items, vectors, coef, intercept, p_coef, p_intercept)


def build(tasks=None, verdict_c: float = VERDICT_C, principle_c: float = PRINCIPLE_C) -> Model:
    from bot.embedding import embed_cached

    items = training_items(tasks)
    vectors = embed_cached([core_text(i.text) for i in items])
    return fit(items, vectors, verdict_c, principle_c)


def content_hash() -> str:
    from bot.embedding import MODEL_SHA256

    from bot.grading import framing

    digest = hashlib.sha256()
    # framing.py decides the text each item is embedded as (core_text), so it is part of the content.
    for part in (TASKS_FILE.read_bytes(), PRINCIPLES_FILE.read_bytes(), Path(framing.__file__).read_bytes(),
                 MODEL_SHA256.encode(),
                 f"{MODEL_VERSION}:{VERDICT_C}:{PRINCIPLE_C}".encode()):   # (blend constants need no retraining)
        digest.update(part)
    return digest.hexdigest()[:16]


def cache_path():
    return CACHE_ROOT / content_hash() / "model.npz"


@lru_cache(maxsize=1)
def load() -> Model:
    """The model for the current content, trained on first use and cached on disk. The cache
    also keeps the items and the train tasks' explanations, so a warm cache needs no YAML
    parsing of the task bank (most of a cold start otherwise)."""
    path = cache_path()
    if path.exists():
        try:
            data = np.load(path)
            meta = json.loads(str(data["meta"]))
            items = [Item(*row) for row in meta["items"]]
            if data["vectors"].shape[0] == len(items):
                _TASKS.update({tid: Task(**dict(fields, sources=tuple(fields["sources"]),
                                                 values=tuple(fields["values"])))
                               for tid, fields in meta["tasks"].items()})
                return Model(items, data["vectors"], data["coef"], data["intercept"],
                             data["principle_coef"], data["principle_intercept"])
        except (OSError, ValueError, KeyError, TypeError):
            pass
    model = build()
    tasks = {t.id: t for t in load_tasks("train")}
    _TASKS.update(tasks)
    meta = {"items": [[i.kind, i.ref, i.verdict, i.text] for i in model.items],
            "tasks": {tid: dataclasses.asdict(t) for tid, t in tasks.items()}}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"model.{os.getpid()}.tmp.npz")
    np.savez(tmp, vectors=model.vectors, coef=model.coef, intercept=model.intercept,
             principle_coef=model.principle_coef, principle_intercept=model.principle_intercept,
             meta=np.array(json.dumps(meta)))
    os.replace(tmp, path)
    return model


_TASKS = {}     # train task id -> Task, filled by load()


def train_task(task_id: str):
    """A train task of the bank (from the model cache when there is one)."""
    return _TASKS.get(task_id) or tasks_by_id().get(task_id)


def embed_task(text: str) -> np.ndarray:
    from bot.embedding import embed_one

    return embed_one(core_text(text))
