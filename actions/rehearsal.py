"""Boundary rehearsal actions: thin adapters around bot.rehearsal.

The form `rehearsal_form` has one slot, `rehearsal_reply`, filled from any text except the
control intents (domain.yml). validate_rehearsal_form coaches each reply; it sets the slot back
to None to ask again (the escalation) or keeps it to let the form finish after the debrief.
"""
import logging

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import ActiveLoop, SlotSet

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


def _asked_since_last_message(tracker) -> bool:
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == "action_ask_rehearsal_reply":
            return True
    return False


def _end_loop_events() -> list:
    return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("rehearsal_reply", None)]


class ActionStartRehearsal(Action):
    def name(self):
        return "action_start_rehearsal"

    async def run(self, dispatcher, tracker, domain):
        try:
            step = rehearsal.start(tracker.latest_message.get("text") or "", tracker.get_slot("rehearsal"))
        except Exception:  # never let a content problem crash the conversation
            logger.exception("could not start a rehearsal")
            dispatcher.utter_message(text=SORRY)
            return []
        _send(dispatcher, step)
        return _state_events(step) + [SlotSet("rehearsal_reply", None)]


class ActionAskRehearsalReply(Action):
    """The form's question: what the other person says now."""

    def name(self):
        return "action_ask_rehearsal_reply"

    async def run(self, dispatcher, tracker, domain):
        if _asked_since_last_message(tracker):
            return []  # "repeat" runs this action and then the form, which would ask again
        try:
            step = rehearsal.prompt(tracker.get_slot("rehearsal"))
        except Exception:
            logger.exception("could not prompt the rehearsal")
            dispatcher.utter_message(text=SORRY)
            return []
        _send(dispatcher, step)
        return _state_events(step)


class ValidateRehearsalForm(FormValidationAction):
    def name(self):
        return "validate_rehearsal_form"

    async def validate_rehearsal_reply(self, value, dispatcher, tracker, domain):
        if value is None:  # the reset by action_start_rehearsal, seen when the form activates
            return {"rehearsal_reply": None}
        state = tracker.get_slot("rehearsal")
        intent = (tracker.latest_message.get("intent") or {})
        try:
            request = rehearsal.request_in_reply(value, intent.get("name"), intent.get("confidence"))
            if request == "restart":
                step = rehearsal.start(value, state)
            elif request == "good_answer":
                step = rehearsal.good_answer(state)
            else:
                step = rehearsal.reply(state, value if isinstance(value, str) else "")
            if request:
                _send(dispatcher, step)
                return {"rehearsal_reply": None, "rehearsal": step.state}
        except Exception:
            logger.exception("could not evaluate a rehearsal reply")
            dispatcher.utter_message(text=SORRY)
            return {"rehearsal_reply": value, "rehearsal": None}
        _send(dispatcher, step)
        slots = {"rehearsal_reply": value if step.done else None, "rehearsal": step.state}
        if step.context:
            slots["context"] = step.context
        return slots


class _ControlAction:
    """hint / good answer: answer, then the form (if running) asks again. A mixin, not an
    Action subclass: rasa_sdk registers every Action subclass and each needs a name."""
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


class _EndingAction:
    """skip / stop: answer and deactivate the form."""
    handler = None

    async def run(self, dispatcher, tracker, domain):
        try:
            step = type(self).handler(tracker.get_slot("rehearsal"))
        except Exception:
            logger.exception("rehearsal ending action failed")
            dispatcher.utter_message(text=SORRY)
            return _end_loop_events()
        _send(dispatcher, step)
        return _state_events(step) + _end_loop_events()


class ActionRehearsalSkip(_EndingAction, Action):
    handler = staticmethod(rehearsal.skip)

    def name(self):
        return "action_rehearsal_skip"


class ActionRehearsalStop(_EndingAction, Action):
    handler = staticmethod(rehearsal.stop)

    def name(self):
        return "action_rehearsal_stop"
