"""Boundary rehearsal actions: thin adapters around bot.rehearsal.

The form `rehearsal_form` has one slot, `rehearsal_reply`, filled from ANY text while the form
runs, whatever intent the NLU reads (domain.yml). validate_rehearsal_form passes the message to
bot.rehearsal.handle, which decides whether the whole message is a control command (hint, show
me a good answer, skip, stop, repeat, another scenario) or the peer's reply. It sets the slot
back to None to ask again (a follow-up question, the escalation, after a hint) or keeps it to
let the form finish (after the debrief, skip or stop).
"""
import logging

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import SlotSet

from bot import rehearsal

logger = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong with the rehearsal. Say \"practice a boundary scenario\" to start again."


def _send(dispatcher, step) -> None:
    for message in step.messages:
        dispatcher.utter_message(text=message["text"], buttons=message.get("buttons") or [])


def _state_events(step) -> list:
    events = [SlotSet("rehearsal", step.state)]
    if step.context:
        events.append(SlotSet("context", step.context))
    return events


def _asking(step) -> dict:
    """The form's next question (what the other person says now), kept in the slot the
    response utter_ask_rehearsal_reply shows: Rasa renders it itself, one action-server
    call fewer per rehearsal message. prompt() also records that the line was asked."""
    asked = rehearsal.prompt(step.state)
    return {"rehearsal": asked.state, "rehearsal_prompt": asked.messages[0]["text"]}


class ActionStartRehearsal(Action):
    def name(self):
        return "action_start_rehearsal"

    async def run(self, dispatcher, tracker, domain):
        try:
            step = rehearsal.start(tracker.latest_message.get("text") or "", tracker.get_slot("rehearsal"))
            slots = _asking(step)
        except Exception:  # never let a content problem crash the conversation
            logger.exception("could not start a rehearsal")
            dispatcher.utter_message(text=SORRY)
            return []
        _send(dispatcher, step)
        return [SlotSet(name, value) for name, value in slots.items()] + [SlotSet("rehearsal_reply", None)]


class ValidateRehearsalForm(FormValidationAction):
    def name(self):
        return "validate_rehearsal_form"

    async def validate_rehearsal_reply(self, value, dispatcher, tracker, domain):
        if value is None:  # the reset by action_start_rehearsal, seen when the form activates
            return {"rehearsal_reply": None}
        try:
            step = rehearsal.handle(tracker.get_slot("rehearsal"), value if isinstance(value, str) else "")
        except Exception:
            logger.exception("could not handle a rehearsal message")
            dispatcher.utter_message(text=SORRY)
            return {"rehearsal_reply": value, "rehearsal": None}
        _send(dispatcher, step)
        slots = {"rehearsal_reply": value if step.done else None, "rehearsal": step.state}
        if not step.done:
            slots.update(_asking(step))
        if step.context:
            slots["context"] = step.context
        return slots


class _ControlAction:
    """hint / good answer typed with no rehearsal running (inside one, the form handles them).
    A mixin, not an Action subclass: rasa_sdk registers every Action subclass and each needs a name."""
    handler = None

    async def run(self, dispatcher, tracker, domain):
        try:
            step = type(self).handler(tracker.get_slot("rehearsal"))
        except Exception:
            logger.exception("rehearsal control action failed")
            dispatcher.utter_message(text=SORRY)
            return []
        _send(dispatcher, step)
        return _state_events(step)


class ActionRehearsalHint(_ControlAction, Action):
    handler = staticmethod(rehearsal.hint)

    def name(self):
        return "action_rehearsal_hint"


class ActionShowGoodAnswer(_ControlAction, Action):
    handler = staticmethod(rehearsal.good_answer)

    def name(self):
        return "action_show_good_answer"
