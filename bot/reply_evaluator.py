"""Reads a peer's reply in a boundary rehearsal: which rubric points it meets, and a verdict.

The meaning comes from the project's sentence model (bot.embedding, all-MiniLM-L6-v2). One
scikit-learn logistic regression per rubric point and one for the overall label read the
reply's embedding plus a few lemma-pattern signals (a scenario's `gives_in` phrases unless
negated, a refusal, warm or cold words, a long personal history...). The patterns stay
because they add what the embedding misses, negation above all. Measured on the dev split
(bench/rehearsal.py, first reading): embedding alone 78.8 % verdicts, 75.8 % agreement, one
boundary-breaking reply praised; with the patterns 93.3 %, 91.5 %, none.

Trained on the train split of content/replies.yml plus each scenario's example reply;
deterministic; cached under var/ by a hash of the content and the model.

Verdict rules, in this order:
- held the boundary is read first. Between UNCLEAR_LOW and UNCLEAR_HIGH it is "unclear" and
  the caller asks the scenario's follow-up question instead of passing a verdict;
- a reply is never praised ("good") unless held the boundary is confidently true;
- the label is the most likely label consistent with that reading, and the points shown to
  the peer are made consistent with the label.
"""
import hashlib
import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import yaml

from bot import CONTENT_DIR, VAR_DIR, nlp
from bot.embedding import MODEL_SHA256, embed, embed_cached

RUBRIC_POINTS = ("held_boundary", "warm", "named_value", "offered_alternative", "disclosure_ok")
LABELS = ("good", "boundary_broken", "cold_judgmental", "over_disclosing")
MODEL_VERSION = 13  # bump when features change, so the cached model is retrained
MODEL_DIR = VAR_DIR / "rehearsal"
REGULARIZATION = 4.0     # LogisticRegression C, chosen on the dev split
UNCLEAR_LOW, UNCLEAR_HIGH = 0.45, 0.55  # held-the-boundary probabilities that ask a follow-up (cross-set, rounds 1-3)
WARMTH_NEEDED = 0.6     # a "good" reply with no warm words needs the warmth classifier this sure (round-2 dev)
DISAGREE = 0.7  # ...and when the label classifier is this sure of a label that reads it the other way
# Labels that fit each reading of held the boundary (self-disclosure scenarios label a whole
# story given on demand as over_disclosing, with the boundary not held).
FITS_HELD = {True: ("good", "cold_judgmental", "over_disclosing"),
             False: ("boundary_broken", "over_disclosing")}

# Contractions the lookup lemmatizer leaves alone or maps oddly ("'s" -> "have").
_CONTRACTIONS = {"'s": "be", "’s": "be", "'re": "be", "’re": "be", "'m": "be", "’m": "be",
                 "'ve": "have", "’ve": "have", "'d": "would", "’d": "would", "'ll": "will",
                 "’ll": "will", "n't": "not", "n’t": "not", "ca": "can", "wo": "will", "sha": "shall",
                 # typed without the apostrophe: spaCy splits "dont" -> "do" "nt", "shes" -> "she" "s"
                 "nt": "not", "s": "be", "re": "be", "m": "be", "ve": "have", "d": "would", "ll": "will"}
# Everyday spellings, read as the words they stand for ("ill" is nearly always "I'll" here).
_SLANG = {"u": "you", "ur": "your", "ill": "i will", "np": "no problem", "prob": "problem", "ofc": "of course",
          "nah": "no", "nope": "no", "pls": "please", "plz": "please", "rn": "right now", "tho": "though",
          "thru": "through", "w": "with", "bc": "because", "cuz": "because", "gimme": "give me", "k": "ok",
          "okay": "ok", "yea": "yeah", "yep": "yeah", "yup": "yeah"}
_NEGATIONS = {"not", "never", "no", "nobody", "nothing"}

# Generic phrase lists (natural text; lemmatized with the same pipeline as replies).
DECLINE = [
    "can't", "cannot", "won't", "not able", "unable", "not going to", "rather not", "not something",
    "not part of my", "not my role", "isn't my role", "not my job", "outside my role", "outside a peer's role",
    "outside the peer role", "say no", "saying no", "not an option", "not while", "not here", "not a peer's call",
    "isn't something", "no way", "absolutely not", "not my place", "i don't", "i won't", "won't be",
    "not in my role", "i'll stay in mine", "not going anywhere", "i'd like to be the one", "i'd ask to be",
    "same standard", "leave that to me", "leave that part to me", "keep my", "keep what", "stay out",
    "off limits", "none of your business", "find your own", "do it yourself", "not your", "not a",
]
GENERIC_GIVE_IN = ["just this once", "this one time", "don't tell anyone", "don't mention it", "our secret",
                   "whatever you need", "keep it between us", "but fine", "i will do it this once", "unofficial",
                   "unofficially", "an exception", "you be the boss", "my personal number"]
# A "no" hedged as a rule and then taken back ("technically i'm not supposed to... but let's do it
# unofficially"). In every labelled real-world reply (rounds 1-6, about 630) that says this, the
# peer gave in; none of the good ones does.
HEDGED_NO = re.compile(r"\b(not (really )?supposed to|normally i'?d|technically|against (the )?(rules|policy))\b"
                       r".{0,80}?\bbut\b(?![^.]*\binstead\b)", re.IGNORECASE)
ASSENT = ["yes", "yeah", "yep", "sure", "ok", "okay", "fine", "of course", "no problem", "no worries", "no biggie",
          "for sure", "bet",
          "absolutely", "why not", "i will", "i can", "i agree", "you be right", "it be true", "that be right"]
WARM = [
    "hear you", "i hear", "sound", "understand", "i get it", "i get that", "i know", "glad", "thank", "thanks",
    "appreciate", "sorry", "care", "make sense", "that be hard", "tough", "scary", "awful", "frustrating",
    "stressful", "miserable", "i be here for you", "mean a lot", "happy", "honored", "honor", "kind", "love",
    "good to see", "you deserve", "fair", "not judge", "not judging", "touched", "with you", "not going anywhere",
    "want to help", "i'd like to help", "nice to meet", "welcome", "worried about", "you care", "mean well",
]
COLD = [
    "should know", "should have", "shouldn't", "know better", "not my problem", "mind your own",
    "none of your business", "be on you", "inappropriate", "out of line", "no right", "report", "complaint",
    "ridiculous", "ignorant", "nonsense", "dirty work", "don't ever", "don't ask", "don't put me",
    "stop complaining", "seriously", "you people", "figure it out", "you be an adult", "everybody know",
    "read the", "consequence", "why would you", "you need to", "plain and simple", "unprofessional",
    "absolutely not", "do it yourself", "find someone else", "deal with it", "grow up", "not your",
    "i'm not your", "you clearly", "insulting", "you always",
]
VALUE = [
    "role", "peer", "value", "boundary", "policy", "guideline", "job description", "my job", "voluntary",
    "pathway", "choice", "choose", "my story", "mine to share", "mine to tell", "privacy", "private",
    "confidential", "confidentiality", "co-optation", "cooptation", "coercion", "separate", "standard",
    "promise i can keep", "promise i might not", "promise i can't keep", "promises i can keep", "monitor",
    "my call", "my choice", "his choice", "her choice", "your choice", "mutual", "dual relationship",
    "sponsorship", "different role", "drift to the mean", "hired for", "what a peer", "peers don't",
    "discrimination", "secure", "i'd like to be the one", "as staff", "on the clock", "decide", "diagnos",
    "friends outside", "because we be friend", "since we be friend", "our friendship",
]
ALTERNATIVE = [
    "let's", "let us", "together", "what i can do", "i can help", "help you", "i'd be glad", "glad to",
    "i'd love to help", "how about", "what if", "could we", "can we", "want to", "would you like", "shall we",
    "introduce you", "connect you", "go with you", "call", "look at", "find a", "find some", "plan", "talk about",
    "supervision", "sit", "walk you", "encourage", "check in", "i could", "i can", "i'll help",
    "i'll walk", "i'll call", "help him", "help her", "support her", "support him", "ask her", "ask him", "bring it", "set up",
    "set that up", "revisit", "phone you", "sign in", "the right route", "the proper way", "his team",
    "treatment team", "i'd like to", "i'd ask",
]
# Details of one's own history: three or more (with first-person talk) is over-disclosure.
STORY_DETAILS = [
    "heroin", "meth", "crack", "cocaine", "pill", "opiate", "methadone", "suboxone", "vodka", "bender", "drunk",
    "overdose", "prison", "jail", "county", "arrest", "locked up", "probation", "violate", "hospitalize",
    "hospital", "psych", "psychotic", "homeless", "slept in my car", "evict", "detox", "rehab", "suicide",
    "kill myself", "ending it", "divorce", "my wife", "my husband", "my ex", "my kid", "my son", "my mom",
    "my dad", "my brother", "my girlfriend", "my marriage", "my family", "custody", "cps", "fire",
    "lose my job", "lost my job", "lose the house", "lost everything", "steal", "stole", "dui", "manic",
    "panic attack", "hear voice", "lithium", "depakote", "seroquel", "antipsychotic", "gain", "hiv",
    "sell my body", "beat up", "emergency room", "er", "liver", "nightmare", "year", "month", "twice",
    "three time", "four time", "worst", "shoot up", "narcan", "day run",
]
TURN_BACK_WORDS = {"you", "your"}


def _norm(token) -> list:
    lower = token.lower_
    if lower in _SLANG:
        return _SLANG[lower].split()
    if lower in _CONTRACTIONS:
        return [_CONTRACTIONS[lower]]
    return [token.lemma_.lower()]


def _clause_tokens(text: str) -> list:
    """Normalized lemmas, with None at clause boundaries (punctuation)."""
    out = []
    for token in nlp.load()(text.lower()):  # the lookup table is lower-case: "Thanks" -> "thank"
        if token.is_space:
            continue
        if token.is_punct:
            if token.text in "-'’":  # hyphens and stray apostrophes are not clause ends
                continue
            out.append(None)
        else:
            out.extend(_norm(token))
    return out


@lru_cache(maxsize=4096)
def _phrase(text: str) -> tuple:
    return tuple(t for t in _clause_tokens(text) if t is not None)


def _find(tokens: list, phrase: tuple) -> list:
    """Start positions of `phrase` in `tokens` (not across clause boundaries)."""
    n = len(phrase)
    if not n:
        return []
    return [i for i in range(len(tokens) - n + 1) if tuple(tokens[i:i + n]) == phrase]


_CONTRAST = {"but", "though", "although", "however", "instead"}


def _negated(tokens: list, start: int, window: int = 6) -> bool:
    for j in range(start - 1, max(-1, start - 1 - window), -1):
        if tokens[j] is None or tokens[j] in _CONTRAST:  # "can't spot you but I can drop $20"
            return False
        if tokens[j] in _NEGATIONS and tokens[j + 1] != "else":  # "if nobody else can, I'll do it"
            return True
    return False


def _hits(tokens: list, phrases, check_negation: bool = False) -> list:
    """(position, phrase) for each occurrence; negated ones dropped when asked."""
    found = []
    for text in phrases:
        phrase = _phrase(text)
        for pos in _find(tokens, phrase):
            if check_negation:
                after = pos + len(phrase)
                if _negated(tokens, pos):
                    continue  # "can't lend you", "can't tell him MAT isn't real recovery"
                if not (_NEGATIONS & set(phrase)) and after < len(tokens) and tokens[after] in _NEGATIONS:
                    continue  # "I can not ..."
            found.append((pos, text))
    return sorted(found)


def _sentences(text: str) -> list:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.strip()]


@dataclass
class Signals:
    """What the patterns found in one reply."""
    gave_in: list = field(default_factory=list)
    declined: list = field(default_factory=list)
    warm: list = field(default_factory=list)
    cold: list = field(default_factory=list)
    value: list = field(default_factory=list)
    alternative: list = field(default_factory=list)
    story_details: list = field(default_factory=list)
    first_person: int = 0
    turned_back: bool = False
    words: int = 0
    assent: list = field(default_factory=list)  # "sure", "ok", "yeah" ...
    curt: bool = False  # starts with a bare "no", or is a short refusal

    def held_boundary(self, theme: str):
        if self.gave_in:
            last_give = self.gave_in[-1][0]
            return bool(self.declined) and self.declined[-1][0] > last_give
        if theme == "self_disclosure" and self.over_disclosed():
            return False
        return True if self.declined else None

    def over_disclosed(self) -> bool:
        return len(self.story_details) >= 3 and self.first_person >= 2

    def vector(self, theme: str) -> list:
        """Numeric features for the classifiers."""
        held = self.held_boundary(theme)
        return [float(bool(self.gave_in)), float(bool(self.declined)), float(bool(self.assent)),
                float(bool(self.warm)), float(bool(self.cold)), float(bool(self.value)),
                float(bool(self.alternative or self.turned_back)), min(len(self.story_details), 6) / 3,
                float(self.over_disclosed()), float(held is True), float(held is False), float(self.curt),
                min(self.words, 80) / 40]


def signals(text: str, scenario: dict) -> Signals:
    tokens = _clause_tokens(text)
    gives_in = list(scenario.get("gives_in") or []) + GENERIC_GIVE_IN
    words = [t for t in tokens if t is not None]
    last = _sentences(text)[-1] if text.strip() else ""
    last_tokens = set(_phrase(last)) if last else set()
    declined = _hits(tokens, DECLINE)
    assent = _hits(tokens, ASSENT, check_negation=True)
    gave_in = _hits(tokens, gives_in, check_negation=True)
    if HEDGED_NO.search(text):
        gave_in.append((len(tokens), "hedged no"))   # the give-in comes after the "no"
    return Signals(
        gave_in=gave_in,
        assent=assent,
        declined=declined,
        warm=_hits(tokens, WARM, check_negation=True),
        cold=_hits(tokens, COLD, check_negation=True),
        value=_hits(tokens, VALUE),
        alternative=_hits(tokens, ALTERNATIVE, check_negation=True),
        story_details=sorted({p for _, p in _hits(tokens, STORY_DETAILS)}),
        first_person=sum(1 for t in words if t in ("i", "my", "me", "myself")),
        turned_back=last.endswith("?") and bool(last_tokens & TURN_BACK_WORDS),
        words=len(words),
        curt=bool(words) and not any(pos == 0 for pos, _ in assent)  # "no problem" is no refusal
        and (words[0] == "no" or (len(words) < 12 and bool(declined))),
    )


# ---------------------------------------------------------------- classifiers

def _load_yaml(name: str) -> dict:
    with open(CONTENT_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


@lru_cache(maxsize=1)
def scenarios_by_id() -> dict:
    return {s["id"]: s for s in _load_yaml("scenarios.yml")["scenarios"]}


def replies(split: str = None) -> list:
    items = _load_yaml("replies.yml")["replies"]
    return [r for r in items if split is None or r["split"] == split]


def training_items() -> list:
    """The train split plus every scenario's example reply (it meets every point)."""
    examples = [{"scenario": s["id"], "label": "good", "has": list(RUBRIC_POINTS), "text": s["good_reply"]}
                for s in scenarios_by_id().values()]
    return replies("train") + examples


def content_hash() -> str:
    h = hashlib.sha256(f"v{MODEL_VERSION} C{REGULARIZATION} {MODEL_SHA256}".encode())
    for name in ("replies.yml", "scenarios.yml"):  # patterns use the scenarios' gives_in phrases
        h.update((CONTENT_DIR / name).read_bytes())
    return h.hexdigest()[:24]


def features(texts: list, scenario_ids: list, vectors: np.ndarray = None, found: list = None) -> np.ndarray:
    """One row per reply: its sentence embedding, then the pattern signals."""
    vectors = embed(texts) if vectors is None else vectors
    by_id = scenarios_by_id()
    found = found or [signals(t, by_id[i]) for t, i in zip(texts, scenario_ids)]
    rows = [f.vector(by_id[i].get("theme", "")) for f, i in zip(found, scenario_ids)]
    return np.hstack([vectors, np.array(rows, dtype=np.float32)])


@dataclass
class Classifiers:
    points: dict   # rubric point -> fitted LogisticRegression (classes False, True)
    label: object  # fitted LogisticRegression over LABELS


def _new_model():
    from sklearn.linear_model import LogisticRegression  # imported here: ~0.5 s, only when training
    return LogisticRegression(C=REGULARIZATION, class_weight="balanced", max_iter=5000)


def train(items: list) -> Classifiers:
    """Deterministic for the same items (lbfgs, no random state involved)."""
    texts = [r["text"] for r in items]
    x = features(texts, [r["scenario"] for r in items], embed_cached(texts))
    points = {p: _new_model().fit(x, np.array([p in r["has"] for r in items])) for p in RUBRIC_POINTS}
    label = _new_model().fit(x, np.array([r["label"] for r in items]))
    return Classifiers(points, label)


def _save(clf: Classifiers, path) -> None:
    arrays = {}
    for name, model in [*clf.points.items(), ("label", clf.label)]:
        arrays[f"{name}.coef"], arrays[f"{name}.intercept"] = model.coef_, model.intercept_
        arrays[f"{name}.classes"] = model.classes_.astype(str)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, **arrays)
    tmp.replace(path)


def _restore(path) -> Classifiers:
    """Fitted models from plain arrays (no pickle): coefficients, intercepts and classes."""
    data = np.load(path)

    def model(name):
        m = _new_model()
        m.coef_, m.intercept_ = data[f"{name}.coef"], data[f"{name}.intercept"]
        classes = data[f"{name}.classes"]
        m.classes_ = classes == "True" if name != "label" else classes
        return m
    return Classifiers({p: model(p) for p in RUBRIC_POINTS}, model("label"))


@lru_cache(maxsize=1)
def classifiers() -> Classifiers:
    """The classifiers for the current content: from the var/ cache, or trained now (first use)."""
    path = MODEL_DIR / f"classifiers-{content_hash()}.npz"
    if path.exists():
        try:
            return _restore(path)
        except (OSError, ValueError, KeyError):
            pass
    trained = train(training_items())
    _save(trained, path)
    for stale in MODEL_DIR.glob("classifiers-*.npz"):  # earlier content's models
        if stale != path:
            stale.unlink(missing_ok=True)
    return trained


# ---------------------------------------------------------------- evaluation

@dataclass
class Evaluation:
    label: str           # one of LABELS, or "unclear" (held the boundary could go either way)
    points: dict         # rubric point -> True / False; held_boundary None while unclear
    probabilities: dict  # rubric point -> probability the point is met
    label_probabilities: dict

    @property
    def credit(self) -> bool:
        return self.label == "good"

    @property
    def unclear(self) -> bool:
        return self.label == "unclear"


def _tells_own_story(found: Signals, scenario: dict) -> bool:
    """The line crossed is the peer's own story told (details of their history), not a give-in:
    over-disclosure, where the scenario is about what the peer shares of themselves."""
    return bool(scenario.get("about_own_story")) and not found.gave_in and bool(found.story_details) \
        and found.first_person >= 1


def _held_reading(probability: float, held):
    if held is not None:
        return held
    if probability >= UNCLEAR_HIGH:
        return True
    if probability <= UNCLEAR_LOW:
        return False
    return None


def evaluate(text: str, scenario: dict, held: bool = None) -> Evaluation:
    """Reads one reply. `held` (True/False) is the peer's own answer to the follow-up question
    about holding the boundary; it replaces the classifier's reading of that point."""
    text = (text or "").strip()
    clf = classifiers()
    found = signals(text, scenario)
    x = features([text], [scenario["id"]], found=[found])
    probabilities = {p: float(m.predict_proba(x)[0][list(m.classes_).index(True)]) for p, m in clf.points.items()}
    label_probabilities = dict(zip(clf.label.classes_, (float(v) for v in clf.label.predict_proba(x)[0])))
    points = {p: probabilities[p] >= 0.5 for p in RUBRIC_POINTS}
    reading = _held_reading(probabilities["held_boundary"], held)
    top = max(label_probabilities, key=label_probabilities.get)
    if held is None and reading is not None and top not in FITS_HELD[reading] and label_probabilities[top] >= DISAGREE:
        reading = None  # the label classifier reads it the other way: ask rather than guess
    if held is None and found.held_boundary(scenario.get("theme", "")) is False:
        reading = False  # it gives in after its last "no", or tells the whole story: never praised
    points["held_boundary"] = reading
    if reading is None:
        return Evaluation("unclear", points, probabilities, label_probabilities)
    label = max(FITS_HELD[reading], key=lambda name: label_probabilities.get(name, 0.0))
    if label == "good" and not found.warm and probabilities["warm"] < WARMTH_NEEDED:
        label = "cold_judgmental"   # held the line, but nothing in it is warm
    if label == "good":
        points.update(warm=True, disclosure_ok=True)
    elif label == "cold_judgmental":
        points["warm"] = False
    elif label == "over_disclosing":
        points["disclosure_ok"] = False
    elif label == "boundary_broken" and _tells_own_story(found, scenario):
        label, points["disclosure_ok"] = "over_disclosing", False
    if label == "boundary_broken":
        points["offered_alternative"] = False  # nothing is offered *instead* when the line is crossed
    return Evaluation(label, points, probabilities, label_probabilities)
