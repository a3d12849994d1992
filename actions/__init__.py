"""rasa_sdk action server package: thin adapters from the tracker to bot/ and back."""
