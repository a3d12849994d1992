"""The project's one spaCy pipeline: blank English + lookup lemmatizer, built to disk at set-up.

Rasa's SpacyNLP loads it by path (config.yml) and bot/ loads it through `load()`, so
lemmas are the same everywhere. No model is downloaded: spacy-lookups-data ships the table.
"""
import sys
from functools import lru_cache
from pathlib import Path

from bot import VAR_DIR

PIPELINE_DIR = VAR_DIR / "spacy_en"


@lru_cache(maxsize=1)
def spacy():
    """The spacy module. Import it only through here: thinc probes for TensorFlow when it is
    first imported, which costs ~3 s (and loads TF) in processes that never use it."""
    if "tensorflow" in sys.modules:
        import spacy as module
        return module
    sys.modules["tensorflow"] = None  # makes thinc's probe fail fast with ImportError
    try:
        import spacy as module
    finally:
        del sys.modules["tensorflow"]
    return module


def build(target: Path = PIPELINE_DIR) -> Path:
    nlp = spacy().blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    target.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(target)
    return target


def is_built(target: Path = PIPELINE_DIR) -> bool:
    return (target / "config.cfg").exists() and (target / "lemmatizer").exists()


@lru_cache(maxsize=1)
def load():
    """The shared pipeline, built on first use if set-up has not built it yet."""
    if not is_built():
        build()
    return spacy().load(PIPELINE_DIR)


def lemmas(text: str) -> list:
    """Lower-cased lemmas of the alphabetic and numeric tokens of `text`."""
    return [t.lemma_.lower() for t in load()(text) if not (t.is_punct or t.is_space)]
