"""Quiz actions: read the tracker, call one bot.quiz function, send its messages, set slots.

All quiz state lives in the `quiz` slot (a JSON dict), so a restarted server carries on
where the conversation was when the tracker store is SQL.
"""
import abc
import logging
import random

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import ActiveLoop, SlotSet

from actions import prepare_in_background, send_turn
from bot import quiz

logger = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side. Please try that again in a moment."


def _tasks():
    from bot.tasks import load_tasks

    return load_tasks()


prepare_in_background("the quiz feedback", lambda: quiz.warm_up(_tasks()))


def _bank():
    from bot.tasks import tasks_by_id

    return tasks_by_id()


def _store():
    from bot.store import Store

    return Store()


def _entity(tracker, name):
    return next((e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == name), None)


def _text(tracker):
    return tracker.latest_message.get("text") or ""


def _events(turn, previous):
    events = []
    if turn.state != previous:
        events.append(SlotSet("quiz", turn.state))
    if turn.context is not None:
        events.append(SlotSet("context", turn.context))
    return events


class QuizAction(Action, abc.ABC):
    """Runs `turn(tracker)`; an unexpected error becomes an apology, never an exception.
    Abstract, so the action server does not try to register it as an action."""

    @abc.abstractmethod
    def turn(self, tracker, state):
        """The bot.quiz Turn for this tracker and quiz state."""

    async def run(self, dispatcher, tracker, domain):
        state = tracker.get_slot("quiz")
        try:
            turn = self.turn(tracker, state)
        except Exception:
            logger.exception("%s failed", self.name())
            dispatcher.utter_message(text=SORRY)
            return []
        send_turn(dispatcher, turn)
        return _events(turn, state)


class ActionStartQuiz(QuizAction):
    def name(self):
        return "action_start_quiz"

    def turn(self, tracker, state):
        return quiz.start(_tasks(), _text(tracker), previous=state, rng=random.SystemRandom())


class ActionQuizAnswer(QuizAction):
    def name(self):
        return "action_quiz_answer"

    def turn(self, tracker, state):
        turn = quiz.answer(state, _text(tracker), _bank())
        return quiz.save(_store, state, turn)


class ActionSkip(QuizAction):
    def name(self):
        return "action_skip"

    def turn(self, tracker, state):
        turn = quiz.skip(state, _bank())
        return quiz.save(_store, state, turn)


class ActionRepeat(QuizAction):
    def name(self):
        return "action_repeat"

    def turn(self, tracker, state):
        return quiz.repeat(state, _bank())


class ActionStop(QuizAction):
    def name(self):
        return "action_stop"

    def turn(self, tracker, state):
        return quiz.stop(state, _bank())


class ActionStartCodeQuiz(Action):
    """Checks the code with the store; only a valid, open shared code starts the name form."""

    def name(self):
        return "action_start_code_quiz"

    async def run(self, dispatcher, tracker, domain):
        from actions.onboarding import onboarding_code_handover  # an onboarding code starts the path instead

        handover = onboarding_code_handover(dispatcher, tracker)
        if handover is not None:
            return handover
        state = tracker.get_slot("quiz")
        try:
            # A personal code starts the quiz at once (code is None: no name to ask).
            turn, code = quiz.open_code(_store, _text(tracker), _entity(tracker, "quiz_code"), state, bank=_bank())
        except Exception:
            logger.exception("action_start_code_quiz failed")
            dispatcher.utter_message(text=SORRY)
            return [SlotSet("quiz_code", None)]
        send_turn(dispatcher, turn)
        if code is None:
            return [SlotSet("quiz_code", None)] + _events(turn, state)
        return [SlotSet("quiz_code", code), SlotSet("trainee_name", None)] + _events(turn, state) + \
            [ActiveLoop("trainee_form")]


class ValidateTraineeForm(FormValidationAction):
    def name(self):
        return "validate_trainee_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        # "stop" ends the form (action_begin_assignment then cancels). The slot takes any
        # text, because NLU sometimes reads a name as the stop intent.
        if quiz.is_cancel(tracker.latest_message.get("text", "")):
            return []
        return domain_slots

    def validate_trainee_name(self, value, dispatcher, tracker, domain):
        if quiz.is_cancel(value if isinstance(value, str) else ""):
            return {"trainee_name": None}
        name, problem = quiz.clean_name(value if isinstance(value, str) else "")
        if problem:
            dispatcher.utter_message(text=problem)
        return {"trainee_name": name}


class ActionAskTraineeName(QuizAction):
    """Asked by trainee_form for its one slot."""

    def name(self):
        return "action_ask_trainee_name"

    def turn(self, tracker, state):
        return quiz.ask_name(state)


class ActionBeginAssignment(QuizAction):
    def name(self):
        return "action_begin_assignment"

    def turn(self, tracker, state):
        return quiz.begin_assignment(_store, tracker.get_slot("quiz_code"), tracker.get_slot("trainee_name"),
                                     _bank(), previous=state)


class ActionMyResult(QuizAction):
    def name(self):
        return "action_my_result"

    def turn(self, tracker, state):
        return quiz.my_result(_store, state, _bank())
