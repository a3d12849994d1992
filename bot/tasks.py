"""The role-fit task bank (bot/content/tasks.yml): described tasks judged in or out of a peer's role."""
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

import yaml

from bot import CONTENT_DIR
from bot.sources import cite

TASKS_FILE = CONTENT_DIR / "tasks.yml"
VERDICTS = ("in_role", "out_of_role", "depends")
TOPICS = ("roles", "values", "boundaries", "self_disclosure", "co_optation", "services", "job_duties")
SPLITS = ("train", "dev")
# The ten OASAS peer support values plus the National Practice Guidelines values the
# ACMHA toolkit quotes; a task's `values` must come from this list.
PEER_VALUES = (
    "self-determination", "choice", "dignity of risk", "mutuality", "non-hierarchical",
    "authentic", "without co-optation", "voluntary", "many pathways", "diversity",
)


@dataclass(frozen=True)
class Task:
    id: str
    text: str
    verdict: str
    topic: str
    rationale: str
    sources: tuple
    split: str
    values: tuple = field(default_factory=tuple)
    instead: Optional[str] = None
    # verbatim passages behind the rationale and the instead line: {"rationale": [...], "instead": [...]}
    # of {doc, section, quote} items (checked by tests/test_quotes.py)
    support: dict = field(default_factory=dict, compare=False, hash=False)

    def citations(self) -> list:
        return [cite(s) for s in self.sources]


class TaskBankError(ValueError):
    pass


def _check(item: dict, seen: set) -> Task:
    where = f"task {item.get('id', '?')!r}"
    for key in ("id", "text", "verdict", "topic", "rationale", "sources", "split"):
        if not item.get(key):
            raise TaskBankError(f"{where}: missing {key}")
    if item["id"] in seen:
        raise TaskBankError(f"{where}: duplicate id")
    if not item["id"].replace("_", "").isalnum() or item["id"] != item["id"].lower():
        raise TaskBankError(f"{where}: id must be snake_case")
    if item["verdict"] not in VERDICTS:
        raise TaskBankError(f"{where}: verdict {item['verdict']!r} not in {VERDICTS}")
    if item["topic"] not in TOPICS:
        raise TaskBankError(f"{where}: topic {item['topic']!r} not in {TOPICS}")
    if item["split"] not in SPLITS:
        raise TaskBankError(f"{where}: split {item['split']!r} not in {SPLITS}")
    if item["verdict"] == "out_of_role" and not item.get("instead"):
        raise TaskBankError(f"{where}: out_of_role needs `instead`")
    unknown = set(item.get("values") or ()) - set(PEER_VALUES)
    if unknown:
        raise TaskBankError(f"{where}: unknown values {sorted(unknown)}")
    for source in item["sources"]:
        if not source.get("section"):
            raise TaskBankError(f"{where}: every source needs a section")
        try:
            cite(source)
        except KeyError as e:
            raise TaskBankError(f"{where}: unknown source document {e}") from None
    return Task(
        id=item["id"], text=item["text"].strip(), verdict=item["verdict"], topic=item["topic"],
        rationale=item["rationale"].strip(), sources=tuple(item["sources"]), split=item["split"],
        values=tuple(item.get("values") or ()), instead=(item.get("instead") or None),
        support=item.get("support") or {},
    )


@lru_cache(maxsize=1)
def _load() -> tuple:
    with open(TASKS_FILE, encoding="utf-8") as f:
        items = yaml.safe_load(f)["tasks"]
    seen, tasks = set(), []
    for item in items:
        task = _check(item, seen)
        seen.add(task.id)
        tasks.append(task)
    return tuple(tasks)


def load_tasks(split: Optional[str] = None) -> list:
    """All tasks (validated), or only those of one split ("train" or "dev")."""
    return [t for t in _load() if split is None or t.split == split]


def tasks_by_id() -> dict:
    return {t.id: t for t in _load()}
