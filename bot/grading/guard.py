"""The safety guard: wording that, in the documents' own terms, makes a duty clinical,
coercive, monitoring, money or dual-relationship work (principles.yml, `guard:`).

check(core) -> Guard: the out-of-role principle a trigger names (None when no trigger fires,
or when the principle's `unless` wording is present), and the in-role principle a
`peer_work` phrase names, or else the depends principle a `depends` phrase names. The decision (bot.grading.verdict) never answers "in role" when a
trigger fires, whatever the meaning model says.
"""
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from bot.grading.principles import principles_by_id, principles_file


@dataclass(frozen=True)
class Guard:
    trigger: Optional[str] = None       # out-of-role principle id
    phrase: Optional[str] = None        # the words that fired it
    peer_work: Optional[str] = None     # in-role principle id
    depends: Optional[str] = None       # depends principle id


@lru_cache(maxsize=1)
def rules() -> tuple:
    """([(principle id, [patterns], [unless patterns])], [(in-role principle id, pattern)],
    [(depends principle id, pattern)]), checked against principles.yml."""
    guard = principles_file().get("guard") or {}
    known = principles_by_id()
    triggers, peer_work, depends = [], [], []
    for pid, spec in (guard.get("triggers") or {}).items():
        if known.get(pid) is None or known[pid].side != "out_of_role":
            raise ValueError(f"guard trigger {pid!r}: not an out_of_role principle")
        triggers.append((pid, [re.compile(p) for p in spec["patterns"]],
                         [re.compile(p) for p in spec.get("unless") or []]))
    for pid, patterns in (guard.get("peer_work") or {}).items():
        if known.get(pid) is None or known[pid].side != "in_role":
            raise ValueError(f"guard peer_work {pid!r}: not an in_role principle")
        peer_work += [(pid, re.compile(p)) for p in patterns]
    for pid, patterns in (guard.get("depends") or {}).items():
        if known.get(pid) is None or known[pid].side != "depends":
            raise ValueError(f"guard depends {pid!r}: not a depends principle")
        depends += [(pid, re.compile(p)) for p in patterns]
    return triggers, peer_work, depends


def normalise(text: str) -> str:
    text = re.sub(r"\s+", " ", (text or "").lower().replace("\u2019", "'").replace("\u2018", "'")).strip(" .!?")
    return re.sub(r"\b(mr|ms|mrs|dr)\.", r"\1", text)   # "Ms. R" is no sentence end for the patterns


def check(text: str) -> Guard:
    t = normalise(text)
    triggers, peer_work, depends = rules()
    for pid, patterns, unless in triggers:
        if any(u.search(t) for u in unless):
            continue
        for pattern in patterns:
            m = pattern.search(t)
            if m:
                return Guard(trigger=pid, phrase=m.group(0))
    for pid, pattern in peer_work:
        if pattern.search(t):
            return Guard(peer_work=pid)
    for pid, pattern in depends:
        if pattern.search(t):
            return Guard(depends=pid)
    return Guard()
