"""Questions about peers and their follow-ups: thin adapters over bot.knowledge."""
import logging

from rasa_sdk import Action
from rasa_sdk.events import SlotSet

from actions import prepare_in_background
from bot import knowledge

logger = logging.getLogger(__name__)
prepare_in_background("the question indexes", knowledge.warm_up)


FAILED = ("Sorry, I couldn't look that up just now. Please try again in a moment, or ask "
          "me what I can do.")


def _send(dispatcher, make_reply) -> list:
    try:
        reply = make_reply()
    except Exception:   # an action must never raise: the person would get no answer at all
        logger.exception("answering a question failed")
        dispatcher.utter_message(text=FAILED, buttons=[{"title": "What can you do?", "payload": "what can you do?"}])
        return []
    dispatcher.utter_message(text=reply["text"], buttons=reply["buttons"])
    return [SlotSet("context", reply["context"])] if reply.get("context") else []


class ActionAnswerQuestion(Action):
    """Questions (faq), and messages the NLU was unsure about (nlu_fallback): bot.knowledge
    answers, offers "did you mean", quotes a passage or says the documents don't cover it."""

    def name(self):
        return "action_answer_question"

    async def run(self, dispatcher, tracker, domain):
        return _send(dispatcher, lambda: knowledge.reply_to_question(tracker.latest_message, tracker.get_slot("quiz")))


class ActionFollowUp(Action):
    def name(self):
        return "action_follow_up"

    async def run(self, dispatcher, tracker, domain):
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        return _send(dispatcher, lambda: knowledge.reply_to_follow_up(
            intent, tracker.latest_message, tracker.get_slot("context"), tracker.get_slot("quiz")))


class ActionNotSure(Action):
    def name(self):
        return "action_not_sure"

    async def run(self, dispatcher, tracker, domain):
        reply = knowledge.not_sure(tracker.get_slot("quiz"))
        dispatcher.utter_message(text=reply["text"], buttons=reply["buttons"])
        return []
