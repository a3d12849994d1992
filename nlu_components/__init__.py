"""Custom Rasa NLU components (the only Rasa code outside actions/ and web/)."""
