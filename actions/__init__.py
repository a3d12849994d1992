"""rasa_sdk action server package: thin adapters from the tracker to bot/ and back."""


def send_turn(dispatcher, turn) -> None:
    """Utter the messages of a bot/ turn (quiz, onboarding): each a text with its buttons."""
    for message in turn.messages:
        dispatcher.utter_message(text=message["text"], buttons=message["buttons"] or None)
