"""Role-fit grader: is a described task in a peer supporter's role?

grade(text) -> Verdict. Three layers, all over lemmas from the project pipeline (bot.nlp):
1. framing and negation are peeled off first ("my supervisor told me to ...", "can our
   peer ...", "I refuse to ..."), so the model sees only the task itself;
2. rule patterns (PhraseMatcher on LEMMA) for duties the documents name outright
   (observing urine screens, giving money, accompanying to court ...) decide first;
3. otherwise a spaCy text classifier trained on the task bank's train split, blended with
   a nearest-neighbour vote over the same tasks, gives the verdict; the nearest task of
   that verdict supplies the rationale, the in-role alternative and the sources.
Below CONFIDENCE_FLOOR the verdict is "unsure" and the reasons say to ask a peer supervisor.
In the CLI/JSON contract "unsure" is reported as verdict "depends" (with that reason first).

The classifier is cached under var/grader/<hash of tasks.yml + GRADER_VERSION>/ and trained
on first use (a few seconds, fixed seed, single thread, deterministic).
"""
import hashlib
import json
import math
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from bot import VAR_DIR, nlp
from bot.tasks import TASKS_FILE, VERDICTS, load_tasks, tasks_by_id

GRADER_VERSION = "1"
CONFIDENCE_FLOOR = 0.5    # below this the grader says it is unsure; chosen by 5-fold CV on train (bench/grader.py --cv)
RULE_CONFIDENCE = 0.9
KNN_K = 7
MODEL_WEIGHT = 0.7        # final probability = MODEL_WEIGHT * textcat + (1 - MODEL_WEIGHT) * kNN
MAX_CHARS = 1000
SUPERVISOR_ADVICE = "ask a peer supervisor or your supervisor to talk it through with you"

VALUE_NAMES = {
    "self-determination": "self-determination", "choice": "choice", "dignity of risk": "dignity of risk",
    "mutuality": "mutuality", "non-hierarchical": "non-hierarchical relationships", "authentic": "authenticity",
    "without co-optation": "without co-optation", "voluntary": "voluntary support",
    "many pathways": "many pathways to recovery", "diversity": "diversity",
}


# ----------------------------------------------------------------------------- text handling
# Bullet marks of pasted lists and PDF text: symbol bullets, or "o", "-", "*", ">" before a space.
BULLET = re.compile(r"^\s*(?:[\uf0b7\uf0a7\uf076\uf0d8\u2022\u25aa\u25cf\u00b7\u2023\u2043\u25e6\u2219\u27a2\u2713\u2714\u25a0\u25a1\u2610\u00a7]+|[o*\-\u2013\u2014>](?=\s)|\(?\d{1,2}[.)](?=\s))\s*")


def is_bulleted(line: str) -> bool:
    m = BULLET.match(line or "")
    return bool(m and m.end() > 0 and line.strip())


def clean(text: str) -> str:
    """One task as plain text: bullet characters, numbering and extra spaces removed."""
    text = (text or "").replace("\u00a0", " ").strip()
    text = BULLET.sub("", text, count=1)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:MAX_CHARS]


_SUBJECT = (r"(?:i|we|you|he|she|they|it|someone|staff|peers?|"
            r"(?:a|an|the|our|my|this|that|your)\s+(?:\w+[\s-]+){0,2}?"
            r"(?:peer|peers|coach|specialist|supporter|advocate|worker|staff|staffer|bridger|mentor|navigator))")
_ROLE = r"(?:(?:certified\s+)?(?:peer|recovery|wellness|lead)[\s-]*(?:support\s+)?(?:specialist|coach|supporter|worker|staff|advocate|mentor|bridger|navigator)?s?)"
_ASKER = (r"(?:my|our|the|a)\s+(?:\w+\s+)?(?:supervisor|manager|boss|director|team|doctor|nurse|psychiatrist|"
          r"clinician|counselor|counsellor|case\s*manager|agency|program|clinic|administrator|lead)|they|someone|management|staff|the team")
_ASK_VERB = r"(?:told|tells|tell|asked|asks|ask|wants|want|wanted|needs|need|expects|expect|expected|directed|instructed|assigned|pressured|pushed|is making|made|makes|would like|requires|required)"

# Framing: who asks, and whether the sentence is a question. Each pattern removes a prefix.
DIRECTED = [
    re.compile(rf"^(?:{_ASKER})\s+(?:has\s+|have\s+|keeps?\s+)?{_ASK_VERB}\s+(?:me|us|him|her|them|(?:our|the|a|my)\s+(?:\w+\s+){{0,2}}?{_ROLE})\s+(?P<neg>not\s+|never\s+)?(?:to\s+)?", re.I),
    re.compile(rf"^(?:i|we|he|she|they|(?:our|the|a|my)\s+(?:\w+\s+){{0,2}}?{_ROLE})\s+(?:was|were|am|are|is|have\s+been|has\s+been|keep|keeps|get|got)\s+(?:being\s+|getting\s+)?(?:told|asked|directed|instructed|expected|assigned|pressured|required|supposed)\s+(?P<neg>not\s+|never\s+)?(?:to\s+)?", re.I),
    re.compile(rf"^(?:{_ASKER})\s+{_ASK_VERB}\s+(?:that\s+)?", re.I),
    re.compile(r"^(?:i'm|i am|we're|we are)\s+(?:being\s+)?(?:told|asked|expected|required|supposed)\s+(?P<neg>not\s+|never\s+)?(?:to\s+)?", re.I),
]
SHORT_STAFFED = re.compile(r"(?:^|,\s*|\s)(?:because|since|as)?\s*(?:we're|we are|we've been|the (?:clinic|program|agency|team) is|it's|we're so)\s+(?:so\s+)?(?:short[\s-]*(?:staffed|handed)|short on \w+|understaffed|swamped|behind)\s*(?:,?\s*so\b|,)?", re.I)
QUESTION = [
    re.compile(rf"^(?:is\s+it|would\s+it\s+be|isn't\s+it)\s+(?:ok|okay|alright|all\s+right|appropriate|fine|acceptable|allowed|right|in\s+role|part\s+of\s+the\s+role)\s+(?:for|if)\s+(?:{_SUBJECT}|me|us)\s+(?:to\s+)?", re.I),
    re.compile(rf"^(?:can|could|should|may|might|would|will|do|does|is|are)\s+(?:{_SUBJECT}|me|us)\s+(?:be\s+allowed\s+to\s+|ever\s+|also\s+|still\s+)?", re.I),
    re.compile(rf"^(?:is|are)\s+(?:it|this|that)\s+(?:in|out\s+of|within|outside)\s+(?:a\s+|the\s+)?(?:peer'?s?\s+)?role\s+(?:to\s+|if\s+|for\s+\w+\s+to\s+)?", re.I),
    re.compile(r"^(?:what\s+about|how\s+about)\s+", re.I),
]
LEADING_SUBJECT = re.compile(rf"^(?:{_SUBJECT})\s+(?:(?:also|often|sometimes|usually|always|just|currently)\s+)?", re.I)
NEGATION = re.compile(
    r"^(?:(?:do|does|did|will|would|should|must|can|could|shall|may|is|are|am|was|were|has|have|had)\s*(?:not|n't|never)\b|"
    r"(?:don't|doesn't|didn't|won't|wouldn't|shouldn't|mustn't|can't|cannot|isn't|aren't|wasn't|weren't)\b|"
    r"(?:not|never)\b|"
    r"(?:refuse|refuses|refused|refusing|decline|declines|declined|declining|avoid|avoids|avoided|avoiding|"
    r"stop|stops|stopped|stopping|say\s+no\s+to|said\s+no\s+to|push\s+back\s+on|pushed\s+back\s+on)\b)\s*(?:to\b)?\s*",
    re.I,
)


@dataclass
class Framing:
    core: str                 # the task itself, framing and negation removed
    directed: bool = False    # someone asked/told/pressured the peer to do it
    question: bool = False
    short_staffed: bool = False
    negated: bool = False


def parse_framing(text: str) -> Framing:
    core, f = text.strip().rstrip("?.! "), Framing(core="")
    if SHORT_STAFFED.search(core):
        f.short_staffed = True
        core = SHORT_STAFFED.sub(" ", core, count=1).strip(" ,")
    for _ in range(3):   # framings can stack: "Is it OK if my supervisor asks me to ..."
        changed = False
        for pattern in DIRECTED:
            m = pattern.match(core)
            if m and m.end() < len(core):
                f.directed, core, changed = True, core[m.end():], True
                f.negated ^= bool(m.groupdict().get("neg"))
        for pattern in QUESTION:
            m = pattern.match(core)
            if m and m.end() < len(core):
                f.question, core, changed = True, core[m.end():], True
        if not changed:
            break
    m = LEADING_SUBJECT.match(core)
    if m and m.end() < len(core):
        core = core[m.end():]
    m = NEGATION.match(core)
    if m and m.end() < len(core):
        f.negated, core = not f.negated, core[m.end():]
    f.core = core.strip(" ,")
    return f


# ----------------------------------------------------------------------------- features
# Words people use for the same thing, mapped to one lemma so new wording still matches.
SYNONYMS = {
    "person": "client participant consumer patient individual resident guest member someone somebody man woman "
              "mother father mom dad guy lady people folk customer recipient admission",
    "money": "cash dollar buck fund loan",
    "medication": "med meds pill prescription injection methadone buprenorphine suboxone medicine",
    "clinician": "counselor counsellor therapist psychiatrist doctor nurse clinician physician psychologist",
    "therapy": "counseling counselling psychotherapy",
    "supervisor": "manager boss director supervisor administrator",
    "housing": "apartment house home shelter housing",
    "paperwork": "paperwork filing scanning scan paper",
    "urine": "urine ua uas tox breathalyzer",
    "assess": "assess assessment evaluate evaluation",
    "accompany": "accompany escort",
}
SYNONYM_OF = {w: canon for canon, words in SYNONYMS.items() for w in words.split()}
# Pronouns, articles and the words of framing carry no role information.
STOP = set("""a an the and or but of to in on at for with by from as into about than then so if that this these those
it its is are was were be been being am do does did doing have has had having will would shall should can could
may might must i me my mine we us our ours you your he him his she her hers they them their theirs who whom
which what when where why how there here just also very really some any each every all both either other
another such own same too more most much many again further once up down out off over under while during
before after above below between through until because although though whether let get got go going
peer peers coach specialist supporter staff recovery certified our program agency please ok okay""".split())


def lemmas(text: str) -> list:
    """Lower-cased lemmas of a text (the shared pipeline), punctuation dropped."""
    doc = nlp.load()(text.lower())
    return [t.lemma_.lower() for t in doc if not (t.is_punct or t.is_space)]


def features(text: str) -> list:
    """Normalized content lemmas: synonyms merged, stop words and numbers dropped."""
    out = []
    for lemma in lemmas(text):
        lemma = SYNONYM_OF.get(lemma, lemma)
        if lemma in STOP or not any(c.isalpha() for c in lemma) or len(lemma) < 2:
            continue
        out.append(lemma)
    return out


def ngrams(tokens: list) -> list:
    return tokens + [f"{a}_{b}" for a, b in zip(tokens, tokens[1:])]


# ----------------------------------------------------------------------------- rules
# Lemma phrase groups (PhraseMatcher, attr LEMMA). A rule fires when every group in
# `all` occurs in the task and none in `none`; it points at the bank task that explains it.
GROUPS = {
    "observe": ["observe", "watch", "witness", "monitor", "supervise", "collect", "sit in on", "proctor",
                "administer", "do", "run", "conduct", "take", "perform", "check", "handle", "cover"],
    "drug_test": ["urine", "urine screen", "urine screening", "urine drop", "urine sample", "urine test", "drug test",
                  "drug screen", "drug screening", "tox screen", "breathalyzer", "ua", "uas", "breath test"],
    "comply": ["comply", "compliance", "compliant", "adhere to treatment", "adherence", "follow their treatment",
               "follow his treatment", "follow her treatment", "follow the treatment plan", "stick to treatment"],
    "med_watch": ["monitor", "make sure", "ensure", "check", "count", "track", "watch", "report"],
    "medication": ["medication", "med", "meds", "pill", "pills", "injection", "prescription", "methadone dose"],
    "med_give": ["hand out", "dispense", "administer", "give out", "pass out", "distribute"],
    "recommend": ["recommend", "prescribe", "suggest", "advise", "tell what to take"],
    "own_experience": ["my own", "my experience", "own experience", "lived experience"],
    "diagnose": ["diagnose"],
    "do_verb": ["do", "complete", "conduct", "perform", "fill out", "administer", "run", "handle", "take"],
    "clinical_assessment": ["assessment", "intake assessment", "risk assessment", "psychosocial", "psychosocial history",
                            "clinical evaluation", "psych eval", "biopsychosocial", "mental status exam", "screening tool"],
    "case_management": ["case management", "caseload", "case load", "case manager's client", "case manager's caseload"],
    "recovery_ally": ["recovery ally"],
    "give": ["give", "lend", "loan", "hand", "pay", "buy", "spot"],
    "money": ["money", "cash", "dollar", "buck", "$", "out of pocket", "out of his pocket", "out of her pocket",
              "out of my pocket", "out of their pocket"],
    "stay": ["stay", "live", "sleep", "crash", "move in", "room"],
    "my_home": ["my apartment", "my house", "my place", "my home", "my couch", "with me", "my spare room"],
    "be_verb": ["be", "act as", "serve as", "become"],
    "sponsor": ["sponsor"],
    "find_verb": ["find", "get a", "connect", "link", "look for"],
    "provide": ["provide", "do", "run", "give", "lead", "conduct", "offer", "deliver"],
    "therapy": ["therapy", "counseling", "counselling", "psychotherapy", "counseling session", "therapy session"],
    "paperwork": ["paperwork", "filing", "file", "scanning", "scan", "papers", "data entry", "clerical", "billing form"],
    "everyone": ["everyone", "everybody", "all the", "the whole team", "whole team", "the clinic", "the team",
                 "other staff", "counselor", "counselors", "all of the", "the counselors", "for the office"],
    "only_way": ["only way", "only real way", "only true way", "one true way", "the right way to recover"],
    "enforce": ["enforce", "write them up", "write him up", "write her up", "write up a client", "write up client",
                "write up participant", "write up a participant", "write up resident", "write people up", "discipline",
                "sanction", "punish"],
    "instead_of": ["instead of", "rather than"],
    "appointment": ["appointment", "doctor", "dentist", "medical visit", "clinic visit", "probation", "housing office",
                    "the hospital", "specialist visit"],
    "threaten": ["threaten", "scare them", "scare him", "scare her", "scare straight", "scare a client",
                 "scare the client", "scare a participant", "scare the participant", "scare client", "scare people",
                 "frighten", "fear of", "or else", "consequence", "lose custody", "get kicked out"],
    "romance": ["go on a date", "date", "dating", "romantic", "sleep with", "have sex", "ask out", "hook up"],
    "same_diagnosis": ["same diagnosis", "remember when", "used to be homeless", "when he was homeless",
                       "when she was homeless", "when they were homeless"],
    "accompany": ["accompany", "escort", "go with", "go along with", "come with", "drive", "take", "ride with",
                  "give a ride"],
    "court": ["court", "court date", "court appearance", "hearing", "judge"],
    "travel_training": ["travel training", "travel train", "public transportation", "public transit", "ride the bus",
                        "take the bus", "use the bus", "bus route", "subway"],
    "benefits": ["benefit", "medicaid", "snap", "food stamp", "ssi", "ssdi", "disability benefit", "public assistance",
                 "wic", "unemployment"],
    "apply": ["apply", "application", "sign up", "enroll"],
    "own_notes": ["encounter note", "my note", "own note", "my own session", "my session", "my peer session",
                  "own peer session", "document my", "my own peer"],
    "friend": ["friend", "friendship", "roommate", "buddy"],
    "share": ["share", "tell", "talk about", "mention", "open up about", "let know", "inform", "point out"],
    "own_story": ["my own story", "my story", "my recovery story", "my own recovery", "my recovery", "my own experience",
                  "my experience", "lived experience", "my own struggle", "my struggle", "what i go through",
                  "how i get through", "i have be through", "my own journey", "my journey"],
    "forced_disclosure": ["every client", "every new client", "all client", "all the client", "everyone",
                          "need someone to talk to", "in detail"],
    "role_model": ["role model", "example of recovery", "model recovery", "model healthy", "model positive",
                   "model coping", "model good", "living example"],
    "local_resources": ["local resource", "community resource", "resource in the area", "resource in town",
                        "resource nearby", "resource i know"],
    "as_professional": ["licensed professional", "clinical professional", "like a professional", "as a professional",
                        "like a clinician", "as a clinician", "like a counselor", "as a counselor", "like a therapist",
                        "as a therapist", "as an expert", "like an expert"],
    "mandate": ["mandate", "mandatory", "require", "force", "coerce", "make them", "order them", "have to attend",
                "must attend", "must go"],
    "mandate_ok": ["continuing education", "training", "license", "licence", "degree", "certification", "hour of"],
    "chores": ["chore", "errand", "laundry", "grocery shopping", "shopping", "housework", "cleaning", "dishes",
               "fill out", "pay bill", "pay their bill", "phone call"],
    "for_them": ["for them", "for him", "for her", "for the person", "for the participant", "for the client",
                 "on their behalf", "on his behalf", "on her behalf"],
    "do_it": ["do", "handle", "take care of", "run"],
    "teach": ["teach", "show", "how to", "learn", "coach", "practice", "own"],
    "individual_service": ["one-on-one", "one on one", "individual session", "individual service", "caseload",
                           "peer client", "assign", "work with one on one"],
}

# (task id, all of, none of, priority). Higher priority wins; ties: out_of_role > depends > in_role.
RULES = [
    ("coopt_observe_urine", ["observe", "drug_test"], [], 1),
    ("coopt_comply_treatment", ["comply"], [], 1),
    ("coopt_medication_compliance", ["med_watch", "medication"], ["own_experience"], 1),
    ("coopt_recommend_med", ["recommend", "medication"], ["own_experience"], 1),
    ("sit_hand_out_meds", ["med_give", "medication"], [], 1),
    ("table_diagnoses", ["diagnose"], [], 1),
    ("table_intake_assessment", ["do_verb", "clinical_assessment"], [], 1),
    ("table_case_management", ["case_management"], ["recovery_ally"], 1),
    ("role_recovery_ally_case_management", ["recovery_ally"], [], 2),
    ("table_gives_money", ["give", "money"], [], 1),
    ("table_provides_place_to_live", ["stay", "my_home"], [], 1),
    ("role_sponsor", ["be_verb", "sponsor"], ["find_verb"], 1),
    ("table_provides_professional_services", ["provide", "therapy"], [], 1),
    ("drift_file_everyones_paperwork", ["paperwork", "everyone"], ["own_notes"], 1),
    ("table_prescribes_one_pathway", ["only_way"], [], 1),
    ("coopt_enforce_rules", ["enforce"], [], 1),
    ("table_fear_consequences", ["threaten"], [], 1),
    ("bound_dating", ["romance"], ["court"], 1),
    ("disc_staff_fill_blanks", ["same_diagnosis"], [], 1),
    ("bound_serve_existing_friend", ["friend", "individual_service"], [], 1),
    ("table_act_as_professional", ["as_professional"], ["find_verb"], 1),
    ("table_mandates_tasks", ["mandate"], ["mandate_ok", "instead_of"], 1),
    ("table_does_tasks_for_person", ["chores", "for_them"], ["teach"], 1),
    ("table_does_tasks_for_person", ["do_it", "chores"], ["teach", "for_them"], 1),
    ("table_shares_lived_experience", ["share", "own_story"], ["forced_disclosure"], 0),
    ("table_role_model", ["role_model"], [], 0),
    ("table_shares_local_resources", ["share", "local_resources"], [], 0),
    ("bill_accompany_court", ["accompany", "court"], [], 0),
    ("bill_accompany_medical", ["accompany", "appointment"], [], 0),
    ("bill_travel_training", ["travel_training"], ["money"], 0),
    ("bill_apply_benefits", ["apply", "benefits"], ["money"], 0),
    ("jd_encounter_notes", ["own_notes"], [], 0),
]
VERDICT_RANK = {"out_of_role": 2, "depends": 1, "in_role": 0}


@lru_cache(maxsize=1)
def _matcher():
    spacy_nlp = nlp.load()
    from spacy.matcher import PhraseMatcher   # spaCy is already imported (through bot.nlp) here

    matcher = PhraseMatcher(spacy_nlp.vocab, attr="LEMMA")
    names = [name for name, phrases in GROUPS.items() for _ in phrases]
    docs = spacy_nlp.pipe(p.lower() for phrases in GROUPS.values() for p in phrases)
    by_group = {}
    for name, doc in zip(names, docs):
        by_group.setdefault(name, []).append(doc)
    for name, docs_of_group in by_group.items():
        matcher.add(name, docs_of_group)
    return matcher


def rule_hits(text: str) -> list:
    """Rules that fire on `text`, best first: [(task_id, priority)]."""
    doc = nlp.load()(text.lower())
    found = {nlp.load().vocab.strings[match_id] for match_id, _, _ in _matcher()(doc)}
    bank = tasks_by_id()
    hits = [(tid, prio) for tid, all_of, none_of, prio in RULES
            if all(g in found for g in all_of) and not any(g in found for g in none_of)]
    return sorted(hits, key=lambda h: (h[1], VERDICT_RANK[bank[h[0]].verdict]), reverse=True)


# ----------------------------------------------------------------------------- model
def bank_hash() -> str:
    return hashlib.sha256(TASKS_FILE.read_bytes() + GRADER_VERSION.encode()).hexdigest()[:16]


def model_dir():
    return VAR_DIR / "grader" / bank_hash()


def _training_examples(tasks) -> list:
    """(normalized text, verdict) for each train task, taken through the same framing
    parse as inputs at grading time so both sides look alike."""
    out = []
    for t in tasks:
        f = parse_framing(clean(t.text))
        verdict = t.verdict
        if f.negated:   # the bank avoids negated texts; keep the label consistent if one slips in
            continue
        out.append((" ".join(features(f.core)) or "empty", verdict))
    return out


def train(tasks=None, target=None):
    """Train the text classifier on the train split and save it with its kNN index."""
    spacy = nlp.spacy()
    from spacy.training import Example
    from spacy.util import minibatch
    from thinc.api import fix_random_seed

    tasks = tasks if tasks is not None else load_tasks("train")
    target = target or model_dir()
    fix_random_seed(13)
    rng = random.Random(13)
    tc = spacy.blank("en")
    textcat = tc.add_pipe("textcat", config={"model": {
        "@architectures": "spacy.TextCatBOW.v2", "exclusive_classes": True, "ngram_size": 2,
        "no_output_layer": False}})
    for label in VERDICTS:
        textcat.add_label(label)
    data = _training_examples(tasks)
    examples = [Example.from_dict(tc.make_doc(text), {"cats": {v: float(v == verdict) for v in VERDICTS}})
                for text, verdict in data]
    optimizer = tc.initialize(lambda: examples)
    for _ in range(30):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=8):
            tc.update(batch, sgd=optimizer, drop=0.1)
    target.mkdir(parents=True, exist_ok=True)
    tc.to_disk(target / "textcat")
    index = [{"id": t.id, "features": features(parse_framing(clean(t.text)).core)} for t in tasks]
    (target / "knn.json").write_text(json.dumps(index), encoding="utf-8")
    return target


@dataclass
class Model:
    directory: object
    index: list                 # [{"id", "features"}] of train tasks
    idf: dict
    vectors: list               # tf-idf dicts, one per index entry

    def textcat_probs(self, feats: list) -> dict:
        doc = _textcat(str(self.directory))(" ".join(feats) or "empty")
        return {v: float(doc.cats.get(v, 0.0)) for v in VERDICTS}

    def neighbours(self, feats: list) -> list:
        """[(similarity, task_id)] of train tasks, most similar first."""
        query = _tfidf(ngrams(feats), self.idf)
        sims = [(_cosine(query, vec), entry["id"]) for entry, vec in zip(self.index, self.vectors)]
        return sorted(sims, reverse=True)


def _tfidf(grams: list, idf: dict) -> dict:
    counts = Counter(g for g in grams if g in idf)
    vec = {g: (1 + math.log(c)) * idf[g] for g, c in counts.items()}
    norm = math.sqrt(sum(x * x for x in vec.values())) or 1.0
    return {g: x / norm for g, x in vec.items()}


def _cosine(a: dict, b: dict) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(x * b.get(g, 0.0) for g, x in a.items())


@lru_cache(maxsize=1)
def load_model() -> Model:
    directory = model_dir()
    if not (directory / "knn.json").exists():
        train(target=directory)
    index = json.loads((directory / "knn.json").read_text(encoding="utf-8"))
    docs = [ngrams(e["features"]) for e in index]
    df = Counter(g for d in docs for g in set(d))
    idf = {g: math.log((1 + len(docs)) / (1 + n)) + 1 for g, n in df.items()}
    return Model(directory=directory, index=index, idf=idf, vectors=[_tfidf(d, idf) for d in docs])


@lru_cache(maxsize=2)
def _textcat(directory: str):
    """Loaded on first need only: a task a rule settles does not pay for it."""
    return nlp.spacy().load(f"{directory}/textcat")


def knn_probs(neighbours: list, bank: dict, k: int = KNN_K) -> dict:
    votes = {v: 0.0 for v in VERDICTS}
    for sim, tid in neighbours[:k]:
        votes[bank[tid].verdict] += max(sim, 0.0)
    total = sum(votes.values())
    if total == 0:
        return {v: 1.0 / len(VERDICTS) for v in VERDICTS}
    return {v: x / total for v, x in votes.items()}


# ----------------------------------------------------------------------------- grading
@dataclass
class Verdict:
    task: str
    verdict: str                     # in_role | out_of_role | depends | unsure
    confidence: float
    reasons: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    instead: Optional[str] = None
    matched_task_id: Optional[str] = None

    def to_json(self) -> dict:
        """The CLI contract: verdict is in_role, out_of_role or depends ("unsure" -> depends,
        its first reason says so)."""
        verdict = "depends" if self.verdict == "unsure" else self.verdict
        return {"task": self.task, "verdict": verdict, "confidence": round(self.confidence, 3),
                "reasons": list(self.reasons), "sources": list(self.sources)}


def grade(text: str) -> Verdict:
    task_text = clean(text)
    if not task_text or not any(c.isalpha() for c in task_text):
        return Verdict(task=task_text, verdict="unsure", confidence=0.0,
                       reasons=["Describe a task or situation, for example \"Can our peer drive a client to court?\""])
    framing = parse_framing(task_text)
    base = _grade_core(framing.core or task_text)
    return _apply_framing(task_text, framing, base)


def _grade_core(core: str) -> dict:
    """{verdict, confidence, task_id, how} for the task itself (no framing, no negation)."""
    bank = tasks_by_id()
    hits = rule_hits(core)
    if hits:
        tid = hits[0][0]
        return {"verdict": bank[tid].verdict, "confidence": RULE_CONFIDENCE, "task_id": tid, "how": "rule"}
    feats = features(core)
    model = load_model()
    neighbours = model.neighbours(feats)
    if not feats or not neighbours or neighbours[0][0] <= 0.0:
        return {"verdict": "unsure", "confidence": 0.0, "task_id": None, "how": "no-overlap"}
    p_model = model.textcat_probs(feats)
    p_knn = knn_probs(neighbours, bank)
    probs = {v: MODEL_WEIGHT * p_model[v] + (1 - MODEL_WEIGHT) * p_knn[v] for v in VERDICTS}
    verdict = max(probs, key=probs.get)
    same = [tid for sim, tid in neighbours if bank[tid].verdict == verdict]
    tid = same[0] if same else neighbours[0][1]
    confidence = probs[verdict]
    if confidence < CONFIDENCE_FLOOR:
        return {"verdict": "unsure", "confidence": confidence, "task_id": tid, "leaning": verdict, "how": "model"}
    return {"verdict": verdict, "confidence": confidence, "task_id": tid, "how": "model",
            "similarity": dict((t, s) for s, t in neighbours[:KNN_K]).get(tid, 0.0)}


def _values_line(task) -> Optional[str]:
    if not task.values:
        return None
    names = [VALUE_NAMES.get(v, v) for v in task.values]
    return "Peer values at stake: " + ", ".join(names) + "."


def _apply_framing(task_text: str, framing: Framing, base: dict) -> Verdict:
    bank = tasks_by_id()
    task = bank.get(base.get("task_id")) if base.get("task_id") else None
    verdict, confidence = base["verdict"], base["confidence"]
    reasons, instead = [], None
    sources = task.citations() if task else []

    if verdict == "unsure":
        reasons.append(f"I'm not sure about this one: the documents I know don't clearly settle it, so {SUPERVISOR_ADVICE}.")
        if task:
            reasons.append(f"The closest task I know is \"{task.text}\" ({_plain(bank[task.id].verdict)}): {task.rationale}")
        return Verdict(task_text, "unsure", confidence, reasons, sources, None, task.id if task else None)

    if framing.negated:
        return _negated(task_text, task, verdict, confidence, sources)

    if base["how"] == "model" and base.get("similarity", 1.0) < 0.35:
        reasons.append(f"This looks most like \"{task.text}\".")
    reasons.append(task.rationale)
    if verdict == "out_of_role":
        instead = task.instead
        reasons.append(f"Instead: {task.instead}")
        if framing.directed or framing.short_staffed:
            reasons.append("Being asked or told to do it, or being short-staffed, does not make it part of the peer role: "
                           "the OASAS toolkit calls pressure on peers to step out of their role co-optation.")
    elif verdict == "depends":
        reasons.append(f"When it isn't clear for your program, {SUPERVISOR_ADVICE}.")
    line = _values_line(task)
    if line:
        reasons.append(line)
    return Verdict(task_text, verdict, confidence, reasons, sources, instead, task.id)


def _negated(task_text, task, verdict, confidence, sources) -> Verdict:
    """'I refuse to observe urine screens': declining an out-of-role task keeps to the role;
    not doing an in-role task is not a role question the documents settle."""
    if verdict == "out_of_role":
        reasons = [f"Declining this keeps to the peer role. {task.rationale}",
                   f"What a peer does instead: {task.instead}"]
        line = _values_line(task)
        if line:
            reasons.append(line)
        return Verdict(task_text, "in_role", confidence, reasons, sources, None, task.id)
    reasons = [f"The task itself is {_plain(verdict)}: {task.rationale}",
               f"Whether it is right not to do it depends on the situation and the job description; {SUPERVISOR_ADVICE}."]
    return Verdict(task_text, "depends", min(confidence, 0.6), reasons, sources, None, task.id)


def _plain(verdict: str) -> str:
    return {"in_role": "in a peer's role", "out_of_role": "out of a peer's role",
            "depends": "something that depends", "unsure": "unclear"}[verdict]


def describe(verdict: Verdict) -> str:
    """The verdict in plain words, for people."""
    return {
        "in_role": "In role: this is peer support work.",
        "out_of_role": "Out of role: this is not a peer's job.",
        "depends": "It depends.",
        "unsure": "I'm not sure.",
    }[verdict.verdict]


# ----------------------------------------------------------------------------- chat reply
CHAT_BUTTONS = [
    {"title": "Why?", "payload": "why?"},
    {"title": "Where is that from?", "payload": "where is that from?"},
    {"title": "Start a quiz", "payload": "start a quiz"},
]
CHAT_OPENING = {
    "in_role": "In role: yes, that's peer support work.",
    "out_of_role": "Out of role: that isn't a peer's job.",
    "depends": "It depends.",
}


def chat_reply(text: str) -> dict:
    """The chat answer to a described task: {"text", "buttons", "context"} where context is
    the shared follow-up slot {title, source, more, example, why} (None when nothing was graded)."""
    from bot.sources import source_line

    verdict = grade(text)
    bank = tasks_by_id()
    task = bank.get(verdict.matched_task_id) if verdict.matched_task_id else None
    if task is None:
        return {"text": verdict.reasons[0] if verdict.reasons else "Tell me the task you'd like me to check.",
                "buttons": [dict(b) for b in CHAT_BUTTONS[2:]], "context": None}
    source = source_line(task.sources)
    if verdict.verdict == "unsure":
        body = (f"I'm not sure about \"{_short(verdict.task)}\", and I'd rather not guess: the documents don't "
                f"clearly settle it. The closest task I know is \"{task.text}\", which is {_plain(task.verdict)}. "
                f"Please ask a peer supervisor or your supervisor.")
        why = task.rationale
    else:
        body = " ".join([CHAT_OPENING[verdict.verdict]] + verdict.reasons[:3 if verdict.verdict == "out_of_role" else 1])
        why = verdict.reasons[0] if verdict.reasons else task.rationale
    context = {
        "title": f"Is it in a peer's role: {_short(verdict.task)}",
        "source": source,
        "more": " ".join(verdict.reasons) or None,
        "example": _example_for(task, verdict.task),
        "why": why,
    }
    return {"text": f"{body}\n\n{source}", "buttons": [dict(b) for b in CHAT_BUTTONS], "context": context}


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def _example_for(task, asked: str = "") -> Optional[str]:
    """Another task from the bank with the same topic and verdict, as a worked example."""
    for other in load_tasks("train"):
        if (other.id != task.id and other.topic == task.topic and other.verdict == task.verdict
                and other.text.lower() != asked.strip().lower()):
            return f"Another example: \"{other.text}\" is {_plain(other.verdict)}. {other.rationale}"
    return None
