"""grade(text) -> Verdict: which principles a task touches, and what follows from them.

1. Framing is peeled off (bot.grading.framing); a concept question or small talk, or text
   unlike anything the grader knows, is "not a task".
2. The task's embedding goes to two classifiers (bot.grading.model): the verdict
   (a scikit-learn LogisticRegression over the task bank's train split and the principles'
   examples, blended with a vote of the nearest of them) and the principle (a
   LogisticRegression over the principles' examples).
3. The decision:
   - an out-of-role principle at OUT_OF_ROLE_FIRES or above means the answer is never
     "in role": out of role, or "depends" naming both sides when the verdict classifier is
     CONFLICT_IN_ROLE sure it is in role (conflicting signals);
   - a depends principle that is the most likely one, or a "depends" verdict, gives
     "depends" with what it depends on;
   - otherwise the verdict classifier's answer, explained by the most likely principle of
     that side, or by the nearest train task of the bank when that is the closer match.
   Being told to do an out-of-role task names co-optation; declining one keeps to the role.
4. The safety guard (bot.grading.guard, principles.yml `guard:`) has the last word: a
   trigger (clinical, coercive, monitoring, money or dual-relationship wording with none of
   its `unless` wording) makes the answer out of role under the trigger's principle, or
   "depends" naming both sides when the model is GUARD_CONFLICT_IN_ROLE sure of "in role";
   never "in role". Wording the documents name as peer work (`peer_work`) turns a model's
   "out of role" into "in role" when no trigger fires; otherwise wording the documents make
   conditional (`depends`) gives "depends" with that principle's if_in / if_out.
"""
from dataclasses import dataclass, field
from typing import Optional

from bot.grading import guard as safety_guard
from bot.grading.framing import Framing, clean, is_concept_question, is_qualification, parse_framing, without_greeting
from bot.grading.model import train_task

# Chosen by 5-fold cross-validation on the train split (bench/grader.py --cv), then checked on dev.
OUT_OF_ROLE_FIRES = 0.5      # principle probability that rules out "in role" (CV flat from 0.35 to 0.6: more likely than all others)
CONFLICT_IN_ROLE = 0.8       # ... unless the verdict classifier is this sure of "in role": then "depends", both sides
DEPENDS_FIRES = 0.5          # probability of the best principle, a depends one, that makes it "depends"
NOT_A_TASK_BELOW = 0.30      # best similarity to anything known below this: not a task
TASK_BETTER_BY = 0.05        # a bank task explains instead of the principle when this much closer
GUARD_CONFLICT_IN_ROLE = 0.9  # a guard trigger gives "depends" (both sides) instead of "out of role" above this

SUPERVISOR_ADVICE = "talk it through with a peer supervisor or your supervisor"


@dataclass
class Verdict:
    task: str
    verdict: str                       # in_role | out_of_role | depends | not_a_task
    confidence: float
    reasons: list = field(default_factory=list)
    sources: list = field(default_factory=list)      # citation strings
    principle: Optional[object] = None               # the Principle that decided
    other_principle: Optional[object] = None         # the other side, for a conflict "depends"
    quote: Optional[dict] = None                     # {doc, section, quote}
    instead: Optional[str] = None
    matched_task_id: Optional[str] = None            # the bank task used, when it explained

    @property
    def is_task(self) -> bool:
        return self.verdict != "not_a_task"

    def to_json(self) -> dict:
        """The CLI contract: verdict is in_role, out_of_role or depends; a text that is not a
        task is reported as depends with is_task false (its first reason says so)."""
        return {"task": self.task, "verdict": "depends" if self.verdict == "not_a_task" else self.verdict,
                "confidence": round(float(self.confidence), 3), "reasons": list(self.reasons),
                "sources": list(self.sources), "principle": self.principle.id if self.principle else None,
                "quote": dict(self.quote) if self.quote else None, "is_task": self.is_task}


def grade(text: str, model=None) -> Verdict:
    from bot.grading import model as grading_model

    task_text = clean(without_greeting(text))
    framing = parse_framing(task_text) if task_text else Framing(core="")
    core = framing.core or task_text
    if not core or not any(c.isalpha() for c in core) or is_concept_question(core):
        return _not_a_task(task_text)
    if is_qualification(task_text):
        return _not_a_task(task_text, qualification=True)
    model = model or grading_model.load()
    scores = model.score(grading_model.embed_task(task_text))
    if scores.top_similarity < NOT_A_TASK_BELOW:
        return _not_a_task(task_text)
    return decide(task_text, framing, scores, safety_guard.check(core))


def _guard_wording(text: str):
    """What the guard finds in the task a message describes (greeting and framing peeled off)."""
    task_text = clean(without_greeting(text))
    return safety_guard.check(parse_framing(task_text).core or task_text)


def documents_name_the_duty(text: str) -> bool:
    """Whether the documents' own wording (the guard) names the duty. A duty asked about as a
    question ("can a peer ...?") is graded only then; on the dev questions (rounds 6-8) the meaning
    model's verdicts to other questions were often about what the documents never discuss ("work
    with eating disorder clients", "tell their supervisor if they start using again")."""
    found = _guard_wording(text)
    return bool(found.trigger or found.peer_work or found.depends)


def documents_rule_out(text: str) -> bool:
    """Whether the documents' own wording rules the duty out (a guard trigger: lending money,
    observing urine screens, ...): then a money amount or a law in the question does not make
    it a question the documents can't settle."""
    return bool(_guard_wording(text).trigger)


def best_by_side(scores) -> dict:
    """side -> (probability, Principle) of the most likely principle of each side."""
    best = {}
    for prob, p in scores.principles:
        if p.side not in best:
            best[p.side] = (prob, p)
    return best


GUARD_CONFIDENCE = 0.9


def nearest_task(scores, verdict: str):
    """(similarity, task id) of the most similar train task with this verdict."""
    for sim, item in scores.neighbours:
        if item.kind == "task" and item.verdict == verdict:
            return sim, item.ref
    return 0.0, None


def decide_label(scores, guard=None) -> tuple:
    """(verdict, deciding principle, other principle or None): the decision rules, then the guard."""
    verdict, principle, other = model_label(scores)
    if guard is None:
        return verdict, principle, other
    from bot.grading.principles import principles_by_id

    if guard.trigger:
        out_p = principles_by_id()[guard.trigger]
        if verdict == "depends" and other is not None:
            return "depends", principle, out_p
        if scores.probs["in_role"] >= GUARD_CONFLICT_IN_ROLE:
            return "depends", best_by_side(scores).get("in_role", (0.0, None))[1], out_p
        return "out_of_role", out_p, None
    if guard.peer_work and verdict == "out_of_role":
        return "in_role", principles_by_id()[guard.peer_work], None
    if guard.depends:
        return "depends", principles_by_id()[guard.depends], None
    return verdict, principle, other


def model_label(scores) -> tuple:
    """(verdict, deciding principle, other principle or None): the meaning model's decision rules."""
    best = best_by_side(scores)
    p_out, out_p = best.get("out_of_role", (0.0, None))
    _, in_p = best.get("in_role", (0.0, None))
    top_prob, top_p = scores.principles[0]
    model_says = max(scores.probs, key=scores.probs.get)
    if p_out >= OUT_OF_ROLE_FIRES and model_says != "depends":
        if model_says == "in_role" and scores.probs["in_role"] >= CONFLICT_IN_ROLE:
            return "depends", in_p, out_p
        return "out_of_role", out_p, None
    if top_p.side == "depends" and top_prob >= DEPENDS_FIRES:
        return "depends", top_p, None
    if model_says == "depends":
        return "depends", best.get("depends", (0.0, None))[1], None
    return model_says, (out_p if model_says == "out_of_role" else in_p), None


def decide(task_text: str, framing: Framing, scores, guard=None) -> Verdict:
    from bot.grading import reply

    verdict, principle, other = decide_label(scores, guard)
    p_sim = scores.similarity[principle.id] if principle else 0.0
    confidence = scores.probs[verdict]
    if other is None and principle is not None and max(scores.probs, key=scores.probs.get) != verdict:
        confidence = dict((p.id, prob) for prob, p in scores.principles)[principle.id]   # the principle decided
    decided_by_guard = guard is not None and principle is not None and principle.id in (guard.trigger, guard.peer_work, guard.depends)
    if decided_by_guard and other is None:
        # The documents' own wording decided, not the model: report the rule's confidence.
        confidence = max(GUARD_CONFIDENCE, scores.probs[verdict],
                         dict((p.id, prob) for prob, p in scores.principles)[principle.id])
    t_sim, task_id = nearest_task(scores, verdict)
    use_task = task_id is not None and other is None and t_sim > p_sim + TASK_BETTER_BY and not decided_by_guard
    task = train_task(task_id) if use_task else None
    if framing.negated:
        return reply.negated(task_text, verdict, principle, task, confidence)
    phrase = guard.phrase if guard is not None and guard.trigger in (getattr(principle, "id", None),
                                                                     getattr(other, "id", None)) else None
    return reply.compose(task_text, verdict, principle, other, task, confidence, framing, phrase)


def _not_a_task(task_text: str, qualification: bool = False) -> Verdict:
    from bot.grading import reply

    return reply.not_a_task(task_text, qualification)


__all__ = ["Verdict", "grade", "decide", "decide_label", "model_label"]
