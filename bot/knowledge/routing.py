"""What was asked: a described task or duty (the grader judges it), a question about a concept,
value, policy or person (answered from the knowledge), or a "what should I do?" situation
(advice). Used when the NLU's intent alone would send a question to the grader, or a
follow-up intent ("tell me more") carries a new subject.

A logistic regression (scikit-learn) over sentence embeddings separates tasks from questions.
It learns from the FAQ NLU examples (questions) and from the check_task NLU examples and the
task bank's described tasks (tasks); asking for a definition ("what is ...", "what does ...
mean") is a question whatever the classifier says.
"""
import re
from functools import lru_cache

import yaml

from bot import CONTENT_DIR, PROJECT_ROOT
from bot.embedding import embed_cached
from bot.knowledge import situations, topics

ASKS_WHAT_IT_IS = re.compile(
    r"\bwhat('?s| is| are| does| do)\b.{0,60}\b(mean|means|meaning|about|stand for)\b"
    r"|\b(what|who)('?s| is| are)\s+(a|an|the)?\s*\w"
    r"|\bdefin(e|ition)\b|\bmeaning of\b|\bexplain\b|\bdifference between\b",
    re.IGNORECASE)
# A duty described as something someone was told, asked or wants done.
DESCRIBES_A_DUTY = re.compile(
    r"\b(asked|told|wants?|expected|assigned|supposed)\s+(me|us|our|my|the|him|her|them)?\s*(peer|recovery coach|to)\b"
    r"|^\s*(is|are)\s+(a |an |our |my |the )?(peers?|peer specialists?|peer workers?|recovery coach(es)?|coach(es)?)\s+(allowed|permitted)\s+to\b"
    r"|^\s*(ok|okay|alright|fine)\s+(to|for (a |our |my )?(peer|coach)\w* to)\s+\w+"
    r"|\b(my|our)\s+(supervisor|manager|boss|director|team|agency)\b"
    r"|\b(can|could|should|may)\s+(our|my|a|the)\s+(peer|recovery coach|peer specialist)\w*\s+\w+"
    r"|\b(can|could|should|may)\s+(peers|peer specialists|peer workers|recovery coaches)\s+(?!be\b)\w+"
    r"|\b(can|could|should|may)\s+(they|she|he)\s+(\w+\s+){0,3}(a|the|their|his|her|our|my)\s+(clients?|participants?|residents?|patients?)\b"
    r"|\b(my|our)\s+(peer|peer specialist|peer worker|peer support worker|recovery coach|coach)s?\s+(\w+ed|told|gave|took|drove|lent|let|went|kept|said|wants?|asked|(keeps|is|was|has been) \w+ing)\b"
    r"|\b(is that|that'?s|thats) (ok|okay|alright|fine|allowed)( right)?\s*\?*\s*$"
    r"|\bis (it|that|this) (ok|okay|alright|appropriate|allowed|fine|in role|out of role)\b"
    r"|\b(in|out of) role\b",
    re.IGNORECASE)
# "Is X in role for a peer?" asks for the grader's verdict whatever X is.
ASKS_FOR_A_VERDICT = re.compile(r"\b(in|out of) role\b|\bpeer'?s? (role|job)\b", re.IGNORECASE)
IS_A_QUESTION = re.compile(
    r"\?\s*$|^\s*(what|whats|who|whom|whose|why|how|when|where|which|is|are|am|do|does|did|can|could|"
    r"should|would|will|may|might|must|has|have|any|tell me|explain|define|describe|i keep hearing|"
    r"i('ve| have) heard|someone (said|mentioned|brought up))\b", re.IGNORECASE)
# A question this close to a practice scenario tells that scenario's situation ("the team wants
# our coach to tell Andre he has to take his meds... is that ok to ask her?"): advice, not a bare
# verdict. On the dev questions (rounds 4-6) told situations scored 0.48-0.66, other questions at
# most 0.48; a question about what a peer may do ("a client asked our coach to be her AA sponsor -
# can she say yes?"): told situations 0.41-0.47, other such questions at most 0.36 (rounds 4-9).
TELLS_A_SCENARIO = 0.48
DUTY_TELLS_A_SCENARIO = 0.40
FOLLOW_UP_WORDS = set("""tell me more about that this it please can you could go on and more again say
give an example examples of for e g like what why how come where is from source who says so
some other another elaborate expand explain detail details bit little deeper further keep
continue the that's thats i'd i want to know""".split())


def _examples(block: str) -> list:
    return [line[2:].strip() for line in (block or "").strip().splitlines() if line.startswith("- ")]


def _task_texts() -> list:
    texts = []
    data = yaml.safe_load((PROJECT_ROOT / "data" / "nlu" / "check_task.yml").read_text(encoding="utf-8"))
    for item in data.get("nlu") or []:
        if item.get("intent") == "check_task":
            texts += _examples(item.get("examples"))
    bank = yaml.safe_load((CONTENT_DIR / "tasks.yml").read_text(encoding="utf-8"))
    texts += [t["text"] for t in bank.get("tasks") or [] if t.get("split", "train") == "train"]
    return texts


@lru_cache(maxsize=1)
def task_classifier():
    from sklearn.linear_model import LogisticRegression

    questions = [q for qs in topics.nlu_examples().values() for q in qs]
    tasks = _task_texts()
    vectors = embed_cached(questions + tasks)
    labels = [0] * len(questions) + [1] * len(tasks)
    return LogisticRegression(C=4.0, class_weight="balanced", max_iter=1000).fit(vectors, labels)


def task_probability(text: str) -> float:
    return float(task_classifier().predict_proba(topics.vector(text)[None, :])[0, 1])


def is_situation(text: str) -> bool:
    """Asks what to do, or is a question telling a practice scenario's situation."""
    text = text or ""
    if situations.asks_for_advice(text):
        return True
    if not IS_A_QUESTION.search(text):
        return False
    bar = DUTY_TELLS_A_SCENARIO if DESCRIBES_A_DUTY.search(text) else TELLS_A_SCENARIO
    return situations.closest(text)[1] >= bar


def kind(text: str) -> str:
    """'situation', 'question' or 'task'.

    Only a described duty is a task: a statement a job description could list, or a question
    that names the duty to check ("can our peer drive Ms. R to court?", "my supervisor asked
    me to ..."). Any other question - and any question about a law, a code, money, pay or a
    state's rule, which the grader's verdicts don't settle - is answered as a question."""
    from bot.knowledge import scope

    text = text or ""
    if is_situation(text):
        return "situation"
    from bot.grading.verdict import documents_name_the_duty, documents_rule_out

    asked = bool(IS_A_QUESTION.search(text))
    if asked and scope.cues(text) and not documents_rule_out(text):
        return "question"   # "can a peer lend a client $40?" is still the documents' money rule
    if DESCRIBES_A_DUTY.search(text):
        return "task" if not asked or ASKS_FOR_A_VERDICT.search(text) or documents_name_the_duty(text) else "question"
    if asked or ASKS_WHAT_IT_IS.search(text):
        return "question"
    if len(re.findall(r"[a-z]+", text.lower())) < 2:
        return "question"   # "continue", "ok", "advocacy": a word, not a described duty
    # A statement: a duty as a job description lists it.
    return "task" if task_probability(text) >= 0.5 else "question"


def subject_words(text: str) -> list:
    """The words of a follow-up that are not follow-up words ("tell me more about X" -> [X])."""
    words = re.findall(r"[a-z']+", (text or "").lower())
    return [w for w in words if w not in FOLLOW_UP_WORDS and w not in topics_stopwords() and len(w) > 2]


def topics_stopwords() -> set:
    from bot.knowledge.passages import STOPWORDS
    return STOPWORDS
