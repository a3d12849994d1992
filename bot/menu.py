"""The assistant's menu of offers (bot/content/menu.yml)."""
from functools import lru_cache

import yaml

from bot import CONTENT_DIR


@lru_cache(maxsize=1)
def load() -> dict:
    with open(CONTENT_DIR / "menu.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def capabilities_text() -> str:
    menu = load()
    lines = [menu["intro"]]
    lines += [f"- {o['title']}: {o['description']}" for o in menu["offers"]]
    return "\n".join(lines)


def capability_buttons() -> list:
    return [{"title": o["title"], "payload": o["payload"]} for o in load()["offers"]]
