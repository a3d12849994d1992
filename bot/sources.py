"""Citations: every answer, verdict and rationale names its document and section."""
from functools import lru_cache

import yaml

from bot import CONTENT_DIR


@lru_cache(maxsize=1)
def documents() -> dict:
    with open(CONTENT_DIR / "sources.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def cite(source: dict) -> str:
    """'Title, section "X"' for a content item's {doc, section}; KeyError on an unknown doc."""
    title = documents()[source["doc"]]["title"]
    section = source.get("section")
    return f'{title}, section "{section}"' if section else title


def source_line(sources: list) -> str:
    return "Source: " + "; ".join(cite(s) for s in sources)
