"""The peer-role training domain, free of Rasa: content, grader, quiz, rehearsal, store, CLI."""
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CONTENT_DIR = Path(__file__).resolve().parent / "content"
VAR_DIR = PROJECT_ROOT / "var"
