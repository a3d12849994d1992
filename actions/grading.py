"""Is a described task in a peer's role? Thin adapter over bot.grading.chat_reply."""
import logging

from rasa_sdk import Action
from rasa_sdk.events import SlotSet

from bot import knowledge

logger = logging.getLogger(__name__)

FAILED = ("Sorry, I couldn't check that task just now. Please try again, or ask a peer "
          "supervisor in the meantime.")


class ActionGradeTask(Action):
    def name(self):
        return "action_grade_task"

    async def run(self, dispatcher, tracker, domain):
        from bot.grading import chat_reply   # loads the meaning model and grader on first use

        text = (tracker.latest_message or {}).get("text") or ""
        reply = None
        if knowledge.is_task(text):
            try:
                reply = chat_reply(text)
            except Exception:   # an action must never raise; log it and answer honestly
                logger.exception("grading failed for %r", text[:200])
                dispatcher.utter_message(text=FAILED)
                return []
        if reply is None or (reply["context"] is None and text.strip()):
            # A question or a situation the NLU sent here, or what the grader found no task in.
            reply = knowledge.reply_to_question(tracker.latest_message, tracker.get_slot("quiz"))
        dispatcher.utter_message(text=reply["text"], buttons=reply["buttons"])
        return [SlotSet("context", reply["context"])] if reply["context"] else []
