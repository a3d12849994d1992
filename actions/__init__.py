"""rasa_sdk action server package: thin adapters from the tracker to bot/ and back."""
import logging
import threading

logger = logging.getLogger(__name__)


def prepare_in_background(name: str, prepare) -> None:
    """Run `prepare` (build indexes, grade the bank) beside the server, which answers at once;
    if it fails, the first message that needs it does the work and reports any error."""
    def run():
        try:
            prepare()
        except Exception:
            logger.exception("could not prepare %s", name)

    threading.Thread(target=run, name=f"prepare {name}", daemon=True).start()


def send_turn(dispatcher, turn) -> None:
    """Utter the messages of a bot/ turn (quiz, onboarding): each a text with its buttons."""
    for message in turn.messages:
        dispatcher.utter_message(text=message["text"], buttons=message["buttons"] or None)
