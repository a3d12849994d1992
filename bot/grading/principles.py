"""The documents' role-fit principles (bot/content/principles.yml), validated."""
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import yaml

from bot import CONTENT_DIR
from bot.sources import cite

PRINCIPLES_FILE = CONTENT_DIR / "principles.yml"
SIDES = ("in_role", "out_of_role", "depends")


@dataclass(frozen=True)
class Principle:
    id: str
    side: str
    group: str
    name: str
    reason: str
    examples: tuple
    quotes: tuple                 # ({doc, section, quote}, ...)
    instead: Optional[str] = None
    if_in: Optional[str] = None
    if_out: Optional[str] = None

    @property
    def quote(self) -> dict:
        """The passage that states the principle best (the first listed)."""
        return self.quotes[0]

    def citations(self) -> list:
        seen, out = set(), []
        for q in self.quotes:
            key = (q["doc"], q["section"])
            if key not in seen:
                seen.add(key)
                out.append(cite(q))
        return out

    def sources(self) -> list:
        seen, out = set(), []
        for q in self.quotes:
            key = (q["doc"], q["section"])
            if key not in seen:
                seen.add(key)
                out.append({"doc": q["doc"], "section": q["section"]})
        return out


class PrinciplesError(ValueError):
    pass


def _check(item: dict, seen: set) -> Principle:
    where = f"principle {item.get('id', '?')!r}"
    for key in ("id", "side", "group", "name", "reason", "examples", "quotes"):
        if not item.get(key):
            raise PrinciplesError(f"{where}: missing {key}")
    if item["id"] in seen:
        raise PrinciplesError(f"{where}: duplicate id")
    if item["side"] not in SIDES:
        raise PrinciplesError(f"{where}: side {item['side']!r} not in {SIDES}")
    if item["side"] == "out_of_role" and not item.get("instead"):
        raise PrinciplesError(f"{where}: out_of_role needs `instead`")
    if item["side"] == "depends" and not (item.get("if_in") and item.get("if_out")):
        raise PrinciplesError(f"{where}: depends needs `if_in` and `if_out`")
    if len(item["examples"]) < 3:
        raise PrinciplesError(f"{where}: needs at least 3 examples")
    for q in item["quotes"]:
        if not (q.get("doc") and q.get("section") and q.get("quote")):
            raise PrinciplesError(f"{where}: every quote needs doc, section and quote")
        try:
            cite(q)
        except KeyError as e:
            raise PrinciplesError(f"{where}: unknown source document {e}") from None
    return Principle(
        id=item["id"], side=item["side"], group=item["group"], name=item["name"],
        reason=item["reason"].strip(), examples=tuple(e.strip() for e in item["examples"]),
        quotes=tuple(dict(q) for q in item["quotes"]), instead=item.get("instead"),
        if_in=item.get("if_in"), if_out=item.get("if_out"),
    )


@lru_cache(maxsize=1)
def principles_file() -> dict:
    """principles.yml as parsed YAML: {"principles": [...], "guard": {...}}."""
    with open(PRINCIPLES_FILE, encoding="utf-8") as f:
        return yaml.load(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))   # C parser: 20x faster


@lru_cache(maxsize=1)
def load_principles() -> tuple:
    items = principles_file()["principles"]
    seen, out = set(), []
    for item in items:
        p = _check(item, seen)
        seen.add(p.id)
        out.append(p)
    return tuple(out)


def principles_by_id() -> dict:
    return {p.id: p for p in load_principles()}
