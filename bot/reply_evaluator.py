"""Evaluates a peer's reply in a boundary rehearsal.

Two parts that check each other:
- rubric patterns over lemmas (bot.nlp): did the reply give in (the scenario's `gives_in`
  phrases, unless negated), decline, sound warm or cold, name a value or role, offer an
  alternative, share too much of the peer's own story;
- a multinomial naive Bayes classifier over lemma n-grams plus those pattern features,
  trained on the train split of content/replies.yml (deterministic; cached under var/,
  keyed by a hash of the content it was trained on).
When the two disagree, or the classifier is unsure, the verdict is "unsure" and the
caller says what it noticed instead of passing a verdict.
"""
import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import yaml

from bot import CONTENT_DIR, VAR_DIR, nlp

RUBRIC_POINTS = ("held_boundary", "warm", "named_value", "offered_alternative", "disclosure_ok")
LABELS = ("good", "boundary_broken", "cold_judgmental", "over_disclosing")
MODEL_VERSION = 7  # bump when features change, so the cached model is retrained
MODEL_PATH = VAR_DIR / "rehearsal_classifier.json"
CONFIDENT = 0.6

# Contractions the lookup lemmatizer leaves alone or maps oddly ("'s" -> "have").
_CONTRACTIONS = {"'s": "be", "’s": "be", "'re": "be", "’re": "be", "'m": "be", "’m": "be",
                 "'ve": "have", "’ve": "have", "'d": "would", "’d": "would", "'ll": "will",
                 "’ll": "will", "n't": "not", "n’t": "not", "ca": "can", "wo": "will", "sha": "shall"}
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
                   "whatever you need"]
ASSENT = ["yes", "yeah", "yep", "sure", "ok", "okay", "fine", "of course", "no problem", "no worries",
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
    "three time", "four time", "worst",
]
TURN_BACK_WORDS = {"you", "your"}


def _norm(token) -> str:
    lower = token.lower_
    if lower in _CONTRACTIONS:
        return _CONTRACTIONS[lower]
    return token.lemma_.lower()


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
            out.append(_norm(token))
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


def _negated(tokens: list, start: int, window: int = 4) -> bool:
    for j in range(start - 1, max(-1, start - 1 - window), -1):
        if tokens[j] is None:
            return False
        if tokens[j] in _NEGATIONS:
            return True
    return False


def _hits(tokens: list, phrases, check_negation: bool = False) -> list:
    """(position, phrase) for each occurrence; negated ones dropped when asked."""
    found = []
    for text in phrases:
        phrase = _phrase(text)
        for pos in _find(tokens, phrase):
            if check_negation and not (_NEGATIONS & set(phrase)):
                after = pos + len(phrase)
                if _negated(tokens, pos) or (after < len(tokens) and tokens[after] in _NEGATIONS):
                    continue  # "can't lend you", "I can not ..."
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
    curt: bool = False  # starts with a bare "no"/"not ..." or is a very short reply

    def held_boundary(self, theme: str):
        if self.gave_in:
            last_give = self.gave_in[-1][0]
            return bool(self.declined) and self.declined[-1][0] > last_give
        if theme == "self_disclosure" and self.over_disclosed():
            return False
        return True if self.declined else None

    def warmth(self):
        if self.warm and not self.cold:
            return True
        if self.cold and not self.warm:
            return False
        if not self.warm and self.curt:
            return False  # a bare refusal with no word for the person
        return None

    def over_disclosed(self) -> bool:
        return len(self.story_details) >= 3 and self.first_person >= 2

    def points(self, theme: str) -> dict:
        """Rubric point -> True / False / None (None: the patterns can't tell)."""
        return {
            "held_boundary": self.held_boundary(theme),
            "warm": self.warmth(),
            "named_value": True if self.value else None,
            # an alternative is something offered *instead*: it needs the boundary held
            "offered_alternative": (True if (self.alternative or self.turned_back)
                                    and self.held_boundary(theme) is not False else None),
            "disclosure_ok": not self.over_disclosed(),
        }

    def features(self, theme: str) -> list:
        f = []
        held = self.held_boundary(theme)
        f.append(f"__held_{held}")
        f += [f"__warmth_{self.warmth()}"] * 3
        f += ["__gave_in"] * (2 if self.gave_in else 0)
        f += ["__declined"] if self.declined else []
        f += ["__warm"] * min(len(self.warm), 3)
        f += ["__cold"] * min(len(self.cold), 3)
        f += ["__value"] if self.value else []
        f += ["__alt"] if self.alternative else []
        f += ["__turned_back"] if self.turned_back else []
        f += ["__story"] * min(len(self.story_details), 6)
        f.append("__long" if self.words > 40 else "__short" if self.words < 15 else "__medium")
        f.append("__first_person_many" if self.first_person >= 5 else "__first_person_few")
        return f


def signals(text: str, scenario: dict) -> Signals:
    tokens = _clause_tokens(text)
    gives_in = list(scenario.get("gives_in") or []) + GENERIC_GIVE_IN
    words = [t for t in tokens if t is not None]
    last = _sentences(text)[-1] if text.strip() else ""
    last_tokens = set(_phrase(last)) if last else set()
    declined = _hits(tokens, DECLINE)
    return Signals(
        gave_in=_hits(tokens, gives_in, check_negation=True),
        assent=_hits(tokens, ASSENT, check_negation=True),
        declined=declined,
        warm=_hits(tokens, WARM, check_negation=True),
        cold=_hits(tokens, COLD, check_negation=True),
        value=_hits(tokens, VALUE),
        alternative=_hits(tokens, ALTERNATIVE, check_negation=True),
        story_details=sorted({p for _, p in _hits(tokens, STORY_DETAILS)}),
        first_person=sum(1 for t in words if t in ("i", "my", "me", "myself")),
        turned_back=last.endswith("?") and bool(last_tokens & TURN_BACK_WORDS),
        words=len(words),
        curt=bool(words) and (words[0] in ("no", "not", "nope") or (len(words) < 12 and bool(declined))),
    )


# ---------------------------------------------------------------- classifier

def _load_yaml(name: str) -> dict:
    with open(CONTENT_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def content_hash() -> str:
    h = hashlib.sha256(f"v{MODEL_VERSION}".encode())
    for name in ("replies.yml", "scenarios.yml"):  # features use the scenarios' gives_in phrases
        h.update((CONTENT_DIR / name).read_bytes())
    return h.hexdigest()


@lru_cache(maxsize=1)
def scenarios_by_id() -> dict:
    return {s["id"]: s for s in _load_yaml("scenarios.yml")["scenarios"]}


def replies(split: str = None) -> list:
    items = _load_yaml("replies.yml")["replies"]
    return [r for r in items if split is None or r["split"] == split]


def features(text: str, scenario: dict) -> list:
    words = [t for t in _clause_tokens(text) if t is not None]
    bigrams = [f"{a}_{b}" for a, b in zip(words, words[1:])]
    return words + bigrams + signals(text, scenario).features(scenario.get("theme", ""))


def train(items: list) -> dict:
    """Multinomial naive Bayes with add-one smoothing: deterministic for the same data."""
    scenarios = scenarios_by_id()
    class_docs = Counter()
    counts = defaultdict(Counter)
    for r in items:
        class_docs[r["label"]] += 1
        counts[r["label"]].update(features(r["text"], scenarios[r["scenario"]]))
    vocab = sorted({f for c in counts.values() for f in c})
    total = sum(class_docs.values())
    model = {"labels": list(LABELS), "priors": {}, "log_probs": {}, "unknown": {}}
    for label in LABELS:
        n = sum(counts[label].values())
        denom = n + len(vocab)
        model["priors"][label] = math.log((class_docs[label] + 1) / (total + len(LABELS)))
        model["log_probs"][label] = {f: math.log((counts[label][f] + 1) / denom) for f in vocab}
        model["unknown"][label] = math.log(1 / denom)
    return model


def predict(model: dict, feats: list) -> dict:
    """Label -> probability."""
    scores = {}
    for label in model["labels"]:
        lp = model["log_probs"][label]
        known = [lp[f] for f in feats if f in lp]
        scores[label] = model["priors"][label] + sum(known)
    top = max(scores.values())
    exp = {k: math.exp(v - top) for k, v in scores.items()}
    z = sum(exp.values())
    return {k: v / z for k, v in exp.items()}


@lru_cache(maxsize=1)
def model() -> dict:
    """The classifier for the current content: from the var/ cache, or trained now (first use)."""
    key = content_hash()
    if MODEL_PATH.exists():
        try:
            cached = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
            if cached.get("key") == key:
                return cached["model"]
        except (ValueError, KeyError):
            pass
    trained = train(replies("train"))
    MODEL_PATH.parent.mkdir(parents=True, exist_ok=True)
    tmp = MODEL_PATH.with_suffix(".tmp")
    tmp.write_text(json.dumps({"key": key, "model": trained}), encoding="utf-8")
    tmp.replace(MODEL_PATH)
    return trained


# ---------------------------------------------------------------- evaluation

@dataclass
class Evaluation:
    label: str            # one of LABELS, or "unsure"
    points: dict          # rubric point -> True / False / None
    classifier_label: str
    classifier_confidence: float
    pattern_label: str    # what the patterns alone suggest, or None
    signals: Signals

    @property
    def credit(self) -> bool:
        return self.label == "good"

    def noticed(self) -> list:
        """Plain-language observations, for when there is no verdict (and for every coaching)."""
        s = self.signals
        notes = []
        if s.gave_in:
            notes.append(f"you said \"{s.gave_in[-1][1]}\", which sounds like agreeing to the request")
        if s.declined:
            notes.append("you said no to the request")
        if s.warm:
            notes.append("you acknowledged the person")
        if s.cold:
            notes.append("some words may land as cold or judging")
        if s.value:
            notes.append("you named a role or value")
        if s.alternative or s.turned_back:
            notes.append("you offered something else or turned it back to them")
        if s.over_disclosed():
            notes.append("you shared a lot of your own history")
        return notes


def _pattern_label(points: dict, s: Signals):
    if points["held_boundary"] is False and s.gave_in:
        return "boundary_broken"
    if not points["disclosure_ok"]:
        return "over_disclosing"
    if points["warm"] is False:
        return "cold_judgmental"
    if points["held_boundary"] and points["warm"] and (points["named_value"] or points["offered_alternative"]):
        return "good"
    return None


def _supported(label: str, points: dict, s: Signals) -> bool:
    """The classifier alone is overconfident on unfamiliar replies: a verdict also needs one
    pattern that points the same way."""
    if label == "good":
        return (points["held_boundary"] is not False and points["warm"] is True
                and bool(points["named_value"] or points["offered_alternative"]))
    if label == "boundary_broken":
        return bool(s.assent) and not s.declined
    if label == "cold_judgmental":
        return points["warm"] is False or bool(s.cold)
    return len(s.story_details) >= 2  # over_disclosing


def evaluate(text: str, scenario: dict) -> Evaluation:
    theme = scenario.get("theme", "")
    s = signals(text or "", scenario)
    points = s.points(theme)
    probs = predict(model(), features(text or "", scenario))
    clf_label = max(probs, key=probs.get)
    confidence = probs[clf_label]
    pattern = _pattern_label(points, s)

    if not (text or "").strip() or s.words < 2:
        label = "unsure"
    elif pattern == clf_label:
        label = pattern
    elif pattern in ("boundary_broken", "over_disclosing"):
        label = pattern  # explicit evidence (a give-in phrase, a long personal history) wins
    elif pattern is None and confidence >= CONFIDENT and _supported(clf_label, points, s):
        label = clf_label
    else:
        label = "unsure"

    if label in LABELS:  # fill what the patterns couldn't tell from the verdict
        implied = {"held_boundary": label != "boundary_broken", "warm": label != "cold_judgmental",
                   "disclosure_ok": label != "over_disclosing"}
        for point, value in implied.items():
            if points[point] is None:
                points[point] = value
    for point in ("named_value", "offered_alternative"):
        if points[point] is None and label in LABELS:
            points[point] = False
    return Evaluation(label, points, clf_label, round(confidence, 3), pattern, s)
