"""Verdict wording: reasons, the chat reply, the command-line text and the job-description summary."""
import re
from collections import Counter
from functools import lru_cache
from typing import Optional

from bot.grading.verdict import SUPERVISOR_ADVICE, Verdict
from bot.sources import cite

NOT_A_TASK = ("That doesn't look like a task or duty, so I can't say whether it is in a peer's role. "
              "Ask me as a question instead, or describe a task, for example \"Can our peer drive a client to court?\"")
QUALIFICATION = ("That reads as a qualification or detail of the job, not a duty, so there is no role question "
                 "to answer.")
# Review O2 (content-fidelity 2026-11-30): no document mentions short staffing, so only being
# asked or told is named, in the OASAS toolkit's words.
CO_OPTATION = ("Being asked or told to do it does not make it part of the peer role: the OASAS toolkit reports peers "
               "\"pressured or directed to step out of their roles\" and calls it co-optation.")
OPENING = {
    "in_role": "In role: this is peer support work.",
    "out_of_role": "Out of role: this is not a peer's job.",
    "depends": "It depends.",
    "not_a_task": "Not a task.",
}
CHAT_OPENING = {
    "in_role": "In role: yes, that's peer support work.",
    "out_of_role": "Out of role: that isn't a peer's job.",
    "depends": "It depends.",
}
CHAT_BUTTONS = [
    {"title": "Why?", "payload": "why?"},
    {"title": "Where is that from?", "payload": "where is that from?"},
    {"title": "Start a quiz", "payload": "start a quiz"},
]


def quote_line(quote: dict) -> str:
    return f"The documents: \"{quote['quote']}\" ({cite(quote)})."


def _task_quote(task) -> Optional[dict]:
    for s in getattr(task, "sources", ()) or ():
        if s.get("quote"):
            return dict(s)
    return None


def best_quote(principle, text: str) -> dict:
    """The principle's quote that shares the most words with the text (the first on a tie)."""
    words = set(re.findall(r"[a-z]{4,}", text.lower()))
    return max(principle.quotes, key=lambda q: len(words & set(re.findall(r"[a-z]{4,}", q["quote"].lower()))))


def _if_in(p) -> str:
    return p.if_in or f"if it is {p.name}: in role"


def _if_out(p) -> str:
    return p.if_out or f"if it becomes {p.name}: not in role"


def compose(task_text, verdict, principle, other, task, confidence, framing, guard_phrase=None) -> Verdict:
    """Reasons, instead and sources for a decided verdict. `task` (a bank task) explains
    instead of the principle when it is the closer match; the principle is still named."""
    reasons, sources, quote, instead = [], [], None, None
    if verdict == "depends" and other is not None:          # an in-role and an out-of-role principle
        in_p, out_p = principle, other
        reasons.append(f"It depends on who leads: {_if_in(in_p)}; {_if_out(out_p)}.")
        reasons.append(f"In role: {in_p.reason} Out of role: {out_p.reason}")
        quote = best_quote(out_p, task_text)
        reasons += [quote_line(best_quote(in_p, task_text)), quote_line(quote)]
        sources = _unique(in_p.citations() + out_p.citations())
    elif task is not None:
        reasons.append(task.rationale)
        quote = _task_quote(task) or (best_quote(principle, f"{task_text} {task.text} {task.rationale}")
                                      if principle and principle.side == verdict else None)
        if quote:
            reasons.append(quote_line(quote))
        sources = task.citations()
        if verdict == "out_of_role":
            instead = task.instead or (principle.instead if principle else None)
        if verdict == "depends":
            reasons.append(f"When it isn't clear for your program, {SUPERVISOR_ADVICE}.")
    elif principle is not None:
        if verdict == "depends":
            reasons.append(f"It depends: {principle.if_in}; {principle.if_out}.")
        reasons.append(principle.reason)
        quote = best_quote(principle, task_text)
        reasons.append(quote_line(quote))
        sources = principle.citations()
        instead = principle.instead if verdict == "out_of_role" else None
    if instead:
        reasons.append(f"Instead: {instead}")
    if verdict == "out_of_role" and framing.directed:
        reasons.append(CO_OPTATION)
        sources = _unique(sources + [cite({"doc": "oasas_toolkit", "section": "Peer Support Values"})])
    if guard_phrase and verdict != "in_role":     # last: the chat reply shows the first four reasons
        reasons.append(f"The wording \"{guard_phrase}\" names {(other or principle).name}, so this is never "
                       f"graded in role.")
    return Verdict(task_text, verdict, confidence, reasons, sources, principle, other if verdict == "depends" else None,
                   quote, instead, task.id if task is not None else None)


def negated(task_text, verdict, principle, task, confidence) -> Verdict:
    """'I refuse to observe urine screens': declining an out-of-role task keeps to the role;
    not doing an in-role task is not something the documents settle."""
    rationale = task.rationale if task is not None else (principle.reason if principle else "")
    quote = (_task_quote(task) if task is not None else None) or (principle.quote if principle else None)
    sources = task.citations() if task is not None else (principle.citations() if principle else [])
    reasons = []
    if verdict == "out_of_role":
        reasons.append(f"Declining this keeps to the peer role. {rationale}")
        if quote:
            reasons.append(quote_line(quote))
        instead = task.instead if task is not None and task.instead else (principle.instead if principle else None)
        if instead:
            reasons.append(f"What a peer does instead: {instead}")
        return Verdict(task_text, "in_role", confidence, reasons, sources, principle, None, quote, None,
                       task.id if task is not None else None)
    plain = {"in_role": "in a peer's role", "depends": "something that depends"}[verdict]
    reasons.append(f"The task itself is {plain}: {rationale}")
    if quote:
        reasons.append(quote_line(quote))
    reasons.append(f"Whether it is right not to do it depends on the situation and the job description; "
                   f"{SUPERVISOR_ADVICE}.")
    return Verdict(task_text, "depends", min(confidence, 0.6), reasons, sources, principle, None, quote, None,
                   task.id if task is not None else None)


def not_a_task(task_text: str, qualification: bool = False) -> Verdict:
    return Verdict(task_text, "not_a_task", 0.0, [QUALIFICATION if qualification else NOT_A_TASK], [])


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))


def describe(verdict: Verdict) -> str:
    """The verdict in plain words, for people."""
    return OPENING[verdict.verdict]


def human(verdict: Verdict) -> str:
    """One graded duty for the terminal."""
    lines = [verdict.task]
    if verdict.verdict == "not_a_task":
        return "\n".join(lines + [f"  {verdict.reasons[0]}"])
    head = f"  {describe(verdict)} (confidence {verdict.confidence:.2f})"
    if verdict.principle is not None:
        names = verdict.principle.name + (f" / {verdict.other_principle.name}" if verdict.other_principle else "")
        head += f"\n  Principle: {names}"
    lines.append(head)
    lines += [f"  - {reason}" for reason in verdict.reasons]
    if verdict.sources:
        lines.append("  Source: " + "; ".join(verdict.sources))
    return "\n".join(lines)


def summary(verdicts: list) -> str:
    """'14 duties: 11 in role, 2 out of role (clinical), 1 depends' for a pasted job description."""
    tasks = [v for v in verdicts if v.is_task]
    counts = Counter(v.verdict for v in tasks)
    n = len(tasks)
    parts = []
    if counts["in_role"]:
        parts.append(f"{counts['in_role']} in role")
    if counts["out_of_role"]:
        groups = Counter(v.principle.group for v in tasks if v.verdict == "out_of_role" and v.principle)
        label = ", ".join(g for g, _ in groups.most_common())
        parts.append(f"{counts['out_of_role']} out of role" + (f" ({label})" if label else ""))
    if counts["depends"]:
        parts.append(f"{counts['depends']} depends")
    text = f"{n} dut{'y' if n == 1 else 'ies'}: " + ", ".join(parts) if parts else f"{n} duties"
    skipped = len(verdicts) - n
    if skipped:
        text += f" ({skipped} line{'s' if skipped != 1 else ''} not a duty)"
    return text


def chat_reply(text: str) -> dict:
    """The chat answer to a described task: {"text", "buttons", "context"}; context is the
    shared follow-up slot {title, source, more, example, why} (None when nothing was graded)."""
    from bot.grading.verdict import grade

    verdict = grade(text)
    if verdict.verdict == "not_a_task":
        body = verdict.reasons[0] if verdict.task else "Tell me the task you'd like me to check."
        return {"text": body, "buttons": [dict(b) for b in CHAT_BUTTONS[2:]], "context": None}
    source = "Source: " + "; ".join(verdict.sources)
    parts = [CHAT_OPENING[verdict.verdict]]
    if verdict.principle is not None:
        name = verdict.principle.name
        if verdict.other_principle is not None:
            name += f" vs {verdict.other_principle.name}"
        parts.append(f"Principle: {name}.")
    keep = [r for r in verdict.reasons if not r.startswith("In role: ")]
    parts += keep[:4]
    why = next((r for r in verdict.reasons if not r.startswith("The documents:")), verdict.reasons[0])
    context = {
        "title": f"Is it in a peer's role: {_short(verdict.task)}",
        "source": source,
        "more": " ".join(verdict.reasons) or None,
        "example": _example(verdict),
        "why": why,
    }
    return {"text": " ".join(parts) + f"\n\n{source}", "buttons": [dict(b) for b in CHAT_BUTTONS], "context": context}


JOB_DESCRIPTION_OPENING = {"in_role": "In role", "out_of_role": "Out of role", "depends": "Depends"}


def job_description_reply(text: str) -> Optional[dict]:
    """A pasted job description (three or more duty lines, or two bulleted ones, none of them
    a question) gets a verdict per duty and the summary, as `python -m bot grade` gives;
    None for any other message. {"text", "buttons", "context"}."""
    from bot.grading.framing import is_bulleted, task_lines
    from bot.grading.verdict import grade

    lines = [line for line in (text or "").splitlines() if line.strip()]
    duties = task_lines(lines)
    enough = len(duties) >= 3 or (len(duties) >= 2 and sum(map(is_bulleted, lines)) >= 2)
    if not enough or any(d.rstrip().endswith("?") for d in duties):
        return None
    verdicts = [grade(d) for d in duties]
    graded = [v for v in verdicts if v.is_task]
    if len(graded) < 2:
        return None
    rows = []
    for v in graded:
        row = f"- {JOB_DESCRIPTION_OPENING[v.verdict]}: {_short(v.task, 90)}"
        if v.principle is not None and v.verdict != "in_role":
            row += f" ({v.principle.name})"
        rows.append(row)
    sources = list(dict.fromkeys(s for v in graded for s in v.sources))
    body = ("I read that as a job description and checked each duty against the documents:\n\n"
            + "\n".join(rows) + f"\n\n{summary(verdicts)}. Send any one duty on its own to see why, "
            "with the documents' words.")
    why = " ".join(f"{_short(v.task, 60)}: {v.reasons[0]}" for v in graded if v.verdict != "in_role")
    context = {"title": "The duties of the pasted job description", "source": "Sources: " + "; ".join(sources),
               "more": None, "example": None, "why": why or None}
    return {"text": body, "buttons": [dict(CHAT_BUTTONS[2])], "context": context}


def _example(verdict: Verdict) -> Optional[str]:
    """Another phrasing the same principle decides, as a worked example."""
    p = verdict.principle
    if p is None:
        return None
    asked = verdict.task.strip().lower()
    for example in p.examples:
        if example.lower() != asked:
            plain = {"in_role": "in role", "out_of_role": "out of role", "depends": "a 'depends'"}[p.side]
            return f"Another example: \"{example}\" is {plain} for the same reason. {p.reason}"
    return None


def _short(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def principle_line(task) -> Optional[str]:
    """For quiz feedback: the principle the grader finds for a bank task, with its quote,
    when it agrees with the task's verdict (None otherwise, or if grading fails)."""
    return _principle_line(task.text, task.verdict)


@lru_cache(maxsize=1024)
def _principle_line(text: str, verdict: str) -> Optional[str]:
    # Bank tasks are fixed content: grade each once per process, not on every quiz answer.
    from bot.grading.verdict import grade

    try:
        v = grade(text)
    except Exception:   # feedback must never fail because of the grader
        return None
    p = v.principle
    if p is None or v.verdict != verdict or p.side not in (verdict, "depends"):
        return None
    return f"Principle: {p.name}. \"{p.quote['quote']}\" ({cite(p.quote)})"


__all__ = ["chat_reply", "compose", "describe", "human", "job_description_reply", "negated", "not_a_task", "principle_line",
           "quote_line", "summary"]
