"""Questions about peers and their follow-ups: thin adapters over bot.knowledge."""
from rasa_sdk import Action
from rasa_sdk.events import SlotSet

from bot import knowledge


class ActionAnswerQuestion(Action):
    def name(self):
        return "action_answer_question"

    async def run(self, dispatcher, tracker, domain):
        reply = knowledge.reply_to_question(tracker.latest_message, tracker.get_slot("quiz"))
        dispatcher.utter_message(text=reply["text"], buttons=reply["buttons"])
        return [SlotSet("context", reply["context"])] if reply["context"] else []


class ActionFollowUp(Action):
    def name(self):
        return "action_follow_up"

    async def run(self, dispatcher, tracker, domain):
        intent = (tracker.latest_message.get("intent") or {}).get("name") or ""
        reply = knowledge.follow_up(intent, tracker.get_slot("context"), tracker.get_slot("quiz"))
        dispatcher.utter_message(text=reply["text"], buttons=reply["buttons"])
        return []


class ActionNotSure(Action):
    def name(self):
        return "action_not_sure"

    async def run(self, dispatcher, tracker, domain):
        reply = knowledge.not_sure(tracker.get_slot("quiz"))
        dispatcher.utter_message(text=reply["text"], buttons=reply["buttons"])
        return []
