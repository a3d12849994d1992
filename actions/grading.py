"""Is a described task in a peer's role? Thin adapter over bot.knowledge.reply_to_task_or_question."""
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
        try:
            reply = knowledge.reply_to_task_or_question(tracker.latest_message, tracker.get_slot("quiz"))
        except Exception:   # an action must never raise; log it and answer honestly
            logger.exception("grading failed for %r", ((tracker.latest_message or {}).get("text") or "")[:200])
            dispatcher.utter_message(text=FAILED)
            return []
        dispatcher.utter_message(text=reply["text"], buttons=reply["buttons"])
        return [SlotSet("context", reply["context"])] if reply["context"] else []
