"""Prints 'N passed, M failed' for the e2e test stories from rasa's results/core output."""
import sys
from pathlib import Path

import yaml


def stories_in(path: Path) -> int:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return len(data.get("stories") or [])


total = sum(stories_in(p) for p in Path("tests/stories").glob("test_*.yml"))
failed = stories_in(Path(sys.argv[1] if len(sys.argv) > 1 else "results/core") / "failed_test_stories.yml")
print(f"e2e stories: {total - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
