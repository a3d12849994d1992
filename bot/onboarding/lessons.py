"""The onboarding path's content (bot/content/lessons.yml), loaded and checked.

Items are named "task:<id>" (a task-bank item, answered in role / out of role / depends)
or "choice:<id>" (a multiple-choice item written for the path). Both read the same way
to the engine: question, how to answer, the right answer, why, and the sources.
"""
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import yaml

from bot import CONTENT_DIR
from bot.sources import documents

LESSONS_FILE = CONTENT_DIR / "lessons.yml"
WORDS_PER_MINUTE = 200


class LessonError(ValueError):
    pass


@dataclass(frozen=True)
class Item:
    id: str                 # "task:<id>" or "choice:<id>"
    kind: str               # "task" | "choice"
    question: str
    answer: object          # task: verdict; choice: index of the right choice
    explanation: str
    sources: tuple          # ({doc, section}, ...)
    choices: tuple = ()
    principle: Optional[str] = None

    def source(self) -> str:
        return source_line(self.sources)


@dataclass(frozen=True)
class Message:
    text: str
    sources: tuple
    more: Optional[str] = None
    quote: Optional[str] = None  # the first supporting quote, shown for "where is that from?"


@dataclass(frozen=True)
class Lesson:
    id: str
    title: str
    messages: tuple
    checks: tuple           # item ids


@dataclass(frozen=True)
class Path:
    lessons: tuple
    pre_check: tuple        # item ids
    post_check: tuple
    items: dict             # id -> Item

    def lesson_index(self, lesson_id) -> Optional[int]:
        return next((i for i, lesson in enumerate(self.lessons) if lesson.id == lesson_id), None)


def source_line(sources) -> str:
    """'Source: <title>, sections "A" and "B"; <title>, section "C"': each document named once."""
    sections = {}
    for s in sources:
        sections.setdefault(s["doc"], [])
        if s.get("section") and s["section"] not in sections[s["doc"]]:
            sections[s["doc"]].append(s["section"])
    parts = []
    for doc, heads in sections.items():
        title = documents()[doc]["title"]
        quoted = [f'"{h}"' for h in heads]
        if not quoted:
            parts.append(title)
        elif len(quoted) == 1:
            parts.append(f"{title}, section {quoted[0]}")
        else:
            parts.append(f"{title}, sections {', '.join(quoted[:-1])} and {quoted[-1]}")
    return "Source: " + "; ".join(parts)


def _sources(quotes) -> tuple:
    seen, out = set(), []
    for q in quotes or ():
        key = (q["doc"], q["section"])
        if key not in seen:
            seen.add(key)
            out.append({"doc": q["doc"], "section": q["section"]})
    return tuple(out)


def _task_item(task, principle=None) -> Item:
    explanation = task.rationale.strip()
    if task.verdict == "out_of_role" and task.instead:
        explanation += f" In role instead: {task.instead.strip()}"
    return Item(id=f"task:{task.id}", kind="task", question=task.text, answer=task.verdict,
                explanation=explanation, sources=tuple(task.sources), principle=principle)


def _choice_item(key, raw, principle=None) -> Item:
    where = f"choice item {key!r}"
    for field in ("question", "choices", "explanation", "quotes"):
        if not raw.get(field):
            raise LessonError(f"{where}: missing {field}")
    if not isinstance(raw.get("answer"), int) or not 0 <= raw["answer"] < len(raw["choices"]):
        raise LessonError(f"{where}: answer must be the index of one of its choices")
    return Item(id=f"choice:{key}", kind="choice", question=raw["question"].strip(), answer=raw["answer"],
                explanation=raw["explanation"].strip(), sources=_sources(raw["quotes"]),
                choices=tuple(str(c) for c in raw["choices"]), principle=principle)


def _item_ref(ref, raw_choices, tasks, items) -> str:
    principle = ref.get("principle")
    if "task" in ref:
        task = tasks.get(ref["task"])
        if task is None:
            raise LessonError(f"unknown task id {ref['task']!r} in lessons.yml")
        item = _task_item(task, principle)
    elif "choice" in ref:
        if ref["choice"] not in raw_choices:
            raise LessonError(f"unknown choice item {ref['choice']!r} in lessons.yml")
        item = _choice_item(ref["choice"], raw_choices[ref["choice"]], principle)
    else:
        raise LessonError(f"an item reference needs `task` or `choice`: {ref!r}")
    if item.id in items and items[item.id].principle and principle:
        raise LessonError(f"{item.id} is used twice in the pre- and post-check")
    items[item.id] = item if principle or item.id not in items else items[item.id]
    return item.id


def parse(raw: dict, tasks: dict) -> Path:
    raw_choices = raw.get("choice_items") or {}
    items = {}
    lessons = []
    for entry in raw.get("lessons") or []:
        where = f"lesson {entry.get('id', '?')!r}"
        if not entry.get("id") or not entry.get("title") or not entry.get("messages"):
            raise LessonError(f"{where}: needs id, title and messages")
        messages = []
        for m in entry["messages"]:
            if not m.get("text") or not m.get("quotes"):
                raise LessonError(f"{where}: every message needs text and quotes")
            messages.append(Message(text=" ".join(m["text"].split()), sources=_sources(m["quotes"]),
                                    more=" ".join(m["more"].split()) if m.get("more") else None,
                                    quote=m["quotes"][0]["quote"]))
        checks = tuple(_item_ref(ref, raw_choices, tasks, items) for ref in entry.get("checks") or [])
        if not 2 <= len(checks) <= 3:
            raise LessonError(f"{where}: needs two or three check items")
        lessons.append(Lesson(entry["id"], entry["title"].strip(), tuple(messages), checks))
    pre = tuple(_item_ref(ref, raw_choices, tasks, items) for ref in raw.get("pre_check") or [])
    post = tuple(_item_ref(ref, raw_choices, tasks, items) for ref in raw.get("post_check") or [])
    if len(pre) != len(post) or not pre:
        raise LessonError("pre_check and post_check need the same number of items")
    for a, b in zip(pre, post):
        if a == b or items[a].principle != items[b].principle:
            raise LessonError(f"pre/post pair {a} / {b} must differ and share a principle")
    return Path(tuple(lessons), pre, post, items)


@lru_cache(maxsize=1)
def load() -> Path:
    from bot.tasks import tasks_by_id

    with open(LESSONS_FILE, encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    return parse(raw, tasks_by_id())


def item(item_id: str) -> Optional[Item]:
    """An item by id; task-bank items outside the path (missed in quizzes) too."""
    path = load()
    if item_id in path.items:
        return path.items[item_id]
    if item_id.startswith("task:"):
        from bot.tasks import tasks_by_id

        task = tasks_by_id().get(item_id[len("task:"):])
        return _task_item(task) if task else None
    return None


def reading_words(path: Path = None) -> dict:
    """Words a learner reads on the whole path: every lesson message with its source line,
    every question with its choices, and the feedback (explanation and source) after each
    lesson-check and post-check answer. Intros and "tell me more" extras are not counted."""
    path = path or load()

    def words(text):
        return len(str(text).split())

    def question(item_id):
        item = path.items[item_id]
        return words(item.question) + sum(words(c) for c in item.choices)

    def feedback(item_id):
        item = path.items[item_id]
        return words(item.explanation) + words(item.source()) + 6

    lessons = {lesson.id: sum(words(m.text) + words(source_line(m.sources)) for m in lesson.messages)
               + sum(question(i) + feedback(i) for i in lesson.checks)
               for lesson in path.lessons}
    checks = sum(question(i) for i in path.pre_check) + sum(question(i) + feedback(i) for i in path.post_check)
    total = sum(lessons.values()) + checks
    return {"lessons": lessons, "pre_post": checks, "total": total, "minutes": total / WORDS_PER_MINUTE}
