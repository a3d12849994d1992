"""What the results pages show, computed from the store's report and the task bank."""
import functools
from collections import Counter

from bot.quiz import VERDICT_LABELS
from bot.sources import source_line
from bot.store import normalise_name

SKIPPED = "skipped"


def answer_label(value) -> str:
    return "skipped" if value == SKIPPED else VERDICT_LABELS.get(value, str(value))


def duration(start, end) -> str:
    if start is None or end is None:
        return ""
    seconds = max(0, int((end - start).total_seconds()))
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {seconds:02d} s" if minutes else f"{seconds} s"


def trainee_rows(report: dict, invites: list, chat_url: str) -> list:
    """One row per attempt, plus one per invited trainee who has not started."""
    by_key = {i["name_key"]: i for i in invites}
    rows, started = [], set()
    for a in report["attempts"]:
        key = normalise_name(a["trainee"])[1]
        started.add(key)
        invite = by_key.get(key)
        rows.append(dict(
            trainee=a["trainee"], attempt=a["attempt_number"],
            status="finished" if a["finished"] else "in progress",
            score=a["score"], answered=a["answered"], total=a["total"],
            percent=round(100 * a["score"] / a["total"]) if a["total"] else 0,
            started_at=a["started_at"], finished_at=a["finished_at"],
            time_taken=duration(a["started_at"], a["finished_at"]),
            invite_code=invite["code"] if invite else None,
            link=invite_link(chat_url, invite["code"]) if invite else None))
    for invite in invites:
        if invite["name_key"] not in started:
            rows.append(dict(trainee=invite["name"], attempt=None, status="not started", score=None, answered=0,
                             total=report["assignment"]["length"], percent=None, started_at=None, finished_at=None,
                             time_taken="", invite_code=invite["code"], link=invite_link(chat_url, invite["code"])))
    return rows


def invite_link(chat_url: str, code: str) -> str:
    return f"{chat_url}?code={code}"


def summary(rows: list, invites: list) -> dict:
    finished = [r for r in rows if r["status"] == "finished"]
    return dict(
        invited=len(invites),
        started=len({r["trainee"].casefold() for r in rows if r["status"] != "not started"}),
        finished=len({r["trainee"].casefold() for r in finished}),
        mean_percent=round(sum(r["percent"] for r in finished) / len(finished)) if finished else None)


def item_rows(report: dict, bank: dict) -> list:
    """Per item in quiz order: % right, the most common wrong answer, rationale and source."""
    wrong = {}
    for a in report["answers"]:
        if not a["correct"]:
            wrong.setdefault(a["item_id"], Counter())[a["answer"]] += 1
    rows = []
    for number, item in enumerate(report["items"], 1):
        task = bank.get(item["item_id"])
        common = wrong.get(item["item_id"], Counter()).most_common(1)
        rows.append(dict(
            number=number, item_id=item["item_id"], text=task.text if task else item["item_id"],
            expected=answer_label(task.verdict) if task else "?",
            right=item["right"], answered=item["answered"],
            percent=round(100 * item["right"] / item["answered"]) if item["answered"] else None,
            common_wrong=answer_label(common[0][0]) if common else None,
            common_wrong_count=common[0][1] if common else 0,
            rationale=task.rationale if task else "",
            source=source_line(task.sources) if task else ""))
    return rows


@functools.lru_cache(maxsize=4096)
def principle_of(text: str, verdict: str):
    """The principle the quiz feedback shows for a scenario (bot.grading.reply.principle_line:
    the grader's principle, only when the grader agrees with the scenario's verdict), or None."""
    try:
        from bot.grading.verdict import grade

        graded = grade(text)
    except Exception:  # the results page must not fail because of the grader
        return None
    principle = graded.principle
    if principle is None or graded.verdict != verdict or principle.side not in (verdict, "depends"):
        return None
    return principle.name


def weakest(tallies: dict, bank: dict, limit: int = 5) -> dict:
    """The peer values, principles and topics with the lowest share of right answers over every
    assignment. Blocking (the grader's model loads on first use): call it off the event loop."""
    values, principles, topics = {}, {}, {}
    for item_id, tally in tallies.items():
        task = bank.get(item_id)
        if task is None:
            continue
        principle = principle_of(task.text, task.verdict)
        for group, names in ((values, task.values), (principles, (principle,) if principle else ()),
                             (topics, (task.topic,))):
            for name in names:
                row = group.setdefault(name, {"name": name, "right": 0, "answered": 0, "items": set()})
                row["right"] += tally["right"]
                row["answered"] += tally["answered"]
                row["items"].add(item_id)

    def ranked(group):
        rows = [dict(r, items=len(r["items"]), percent=round(100 * r["right"] / r["answered"]))
                for r in group.values() if r["answered"]]
        return sorted(rows, key=lambda r: (r["right"] / r["answered"], -r["answered"], r["name"]))[:limit]
    return {"values": ranked(values), "principles": ranked(principles), "topics": ranked(topics)}
