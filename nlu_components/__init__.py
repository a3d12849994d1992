"""Custom Rasa NLU components (the only Rasa code outside actions/ and web/)."""
from nlu_components import rasa_speedups  # noqa: F401  (two per-message costs taken out)
