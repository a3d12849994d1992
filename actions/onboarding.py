"""Onboarding path actions: read the tracker, call one bot.onboarding.engine function, send its
messages, set slots.

The learner's place in the path is in the results store, not in slots, so a new conversation
(or a restarted server) carries on from the database once the learner gives the same name
(and code). Slots: `onboarding` (who the learner is, a running review), `onboarding_active`
(featurized: rules send "next", answers, "stop" and "tell me more" here while it is true),
`onboarding_known` (featurized: the greeting offers a review), `onboarding_intent` and
`onboarding_code` (what the learner asked for while the name form runs), `learner_name`.
"""
import abc
import logging

from rasa_sdk import Action, FormValidationAction
from rasa_sdk.events import ActiveLoop, SlotSet

from actions import send_turn
from bot import quiz
from bot.onboarding import clock, engine

logger = logging.getLogger(__name__)
SORRY = "Sorry, something went wrong on my side. Please try that again in a moment."
INTENTS = {"start_onboarding": "start", "continue_onboarding": "continue", "review": "review",
           "my_progress": "progress"}


def _progress():
    from bot.onboarding.progress import Progress

    return Progress()


def _text(tracker):
    return tracker.latest_message.get("text") or ""


def _intent(tracker):
    return (tracker.latest_message.get("intent") or {}).get("name") or ""


def _entity(tracker, name):
    return next((e.get("value") for e in tracker.latest_message.get("entities", []) if e.get("entity") == name), None)


def _practice_misses(tracker) -> list:
    """Task ids missed (or skipped) in this chat's quiz: they come back in the review too."""
    state = tracker.get_slot("quiz") or {}
    return [r["id"] for r in state.get("results", []) if isinstance(r, dict) and r.get("id") and not r.get("correct")]


def _events(turn, previous):
    events = []
    if turn.state != previous:
        events.append(SlotSet("onboarding", turn.state))
    if turn.context is not None:
        events.append(SlotSet("context", turn.context))
    active = engine.is_active(turn.state) or engine.in_review(turn.state)
    events.append(SlotSet("onboarding_active", active))
    if turn.state and turn.state.get("learner_id"):
        events.append(SlotSet("onboarding_known", True))
    return events


def _run_turn(self_name, dispatcher, state, make_turn):
    """Send make_turn()'s messages and return its slot events; store errors are shown as they
    are, anything else becomes an apology."""
    from bot.store import StoreError

    try:
        turn = make_turn()
    except StoreError as error:
        dispatcher.utter_message(text=str(error))
        return []
    except Exception:
        logger.exception("%s failed", self_name)
        dispatcher.utter_message(text=SORRY)
        return []
    send_turn(dispatcher, turn)
    return _events(turn, state)


async def _quiz_first(tracker, dispatcher, domain, action_class_name):
    """A quiz started while onboarding was open gets its own answers and controls."""
    if not quiz.is_active(tracker.get_slot("quiz")):
        return None
    import actions.quiz

    return await getattr(actions.quiz, action_class_name)().run(dispatcher, tracker, domain)


class OnboardingAction(Action, abc.ABC):
    """Runs `turn(tracker, state)` through _run_turn. Abstract, so the action server does not
    register it."""

    @abc.abstractmethod
    def turn(self, tracker, state):
        """The bot.onboarding.engine Turn for this tracker and slot state."""

    quiz_action = None  # the actions.quiz class that handles this intent while a quiz runs

    async def run(self, dispatcher, tracker, domain):
        if self.quiz_action and _intent(tracker) in ("skip", "stop", "repeat"):
            events = await _quiz_first(tracker, dispatcher, domain, self.quiz_action)
            if events is not None:
                return events
        state = tracker.get_slot("onboarding")
        return _run_turn(self.name(), dispatcher, state, lambda: self.turn(tracker, state))


class ActionOnboardingStart(Action):
    """"start onboarding", "continue onboarding", "review", "my progress": straight on when the
    learner is known in this conversation, else the name form asks who they are first."""

    def name(self):
        return "action_onboarding_start"

    async def run(self, dispatcher, tracker, domain):
        intent = INTENTS.get(_intent(tracker), "start")
        state = tracker.get_slot("onboarding")
        code = _entity(tracker, "quiz_code") or quiz.find_code(_text(tracker))
        if state and state.get("learner_id") and (not code or code == state.get("code")):
            return _run_turn(self.name(), dispatcher, state,
                             lambda: _known_learner(intent, state, _practice_misses(tracker)))
        return [SlotSet("onboarding_intent", intent), SlotSet("onboarding_code", code),
                SlotSet("learner_name", None), ActiveLoop("learner_form")]


def _known_learner(intent, state, practice_misses):
    now = clock.now()
    if intent == "review":
        return engine.start_review(_progress(), state, now, practice_misses)
    if intent == "progress":
        return engine.my_progress(_progress(), state)
    return engine.resume(_progress(), state, now)


def onboarding_code_handover(dispatcher, tracker):
    """For actions/quiz.py: a typed code that is an onboarding code starts the onboarding path
    (the name form) instead of a quiz. Returns the events, or None when it is not one."""
    from bot.store import StoreError

    from bot.onboarding.progress import CODE_PREFIX
    from bot.store import normalise_code

    code = _entity(tracker, "quiz_code") or quiz.find_code(_text(tracker), lenient=True)
    if not code or not normalise_code(code).startswith(CODE_PREFIX):
        return None  # onboarding codes all start with ONB; other codes never touch its tables
    try:
        info = _progress().lookup(code)
    except StoreError:
        return None  # the quiz side reports database trouble
    if info is None:
        return None
    dispatcher.utter_message(text=f"Onboarding code {info['code']}: \"{info['title']}\". Your progress is saved "
                                  "under your name and this code, so you can stop and come back any time.")
    return [SlotSet("quiz_code", None), SlotSet("onboarding_intent", "start"), SlotSet("onboarding_code", info["code"]),
            SlotSet("learner_name", None), ActiveLoop("learner_form")]


class ValidateLearnerForm(FormValidationAction):
    def name(self):
        return "validate_learner_form"

    async def required_slots(self, domain_slots, dispatcher, tracker, domain):
        if quiz.is_cancel(_text(tracker)):
            return []
        return domain_slots

    def validate_learner_name(self, value, dispatcher, tracker, domain):
        text = value if isinstance(value, str) else ""
        if quiz.is_cancel(text):
            return {"learner_name": None}
        slots = {}
        code = quiz.find_code(text)
        if code:  # "Dana Reyes ONB-7K4Q": the code goes to its own slot
            slots["onboarding_code"] = code
            text = quiz.CODE_RE.sub(" ", text)
        name, problem = quiz.clean_name(text)
        if problem:
            problem = problem.replace("your trainer see on your results", "I save your progress under")
            dispatcher.utter_message(text=problem)
        return dict(slots, learner_name=name)


class ActionAskLearnerName(Action):
    def name(self):
        return "action_ask_learner_name"

    async def run(self, dispatcher, tracker, domain):
        code = tracker.get_slot("onboarding_code")
        about = f" for onboarding code {code}" if code else ""
        hint = "" if code else (" If a trainer gave you an onboarding code, add it after your name "
                                "(e.g. \"Dana Reyes ONB-7K4Q\").")
        dispatcher.utter_message(text=f"What's your name{about}? I save your onboarding progress under it, so use "
                                      f"the same name to continue later.{hint} (Say \"stop\" to cancel.)")
        return []


class ActionOnboardingBegin(OnboardingAction):
    """After the name form: start, continue, review or show progress for that learner."""

    def name(self):
        return "action_onboarding_begin"

    def turn(self, tracker, state):
        name = tracker.get_slot("learner_name")
        if not name:
            return engine.Turn(state, [engine._msg("OK, cancelled. Say \"start onboarding\" whenever you're ready.")])
        return engine.begin(_progress(), name, tracker.get_slot("onboarding_code"),
                            tracker.get_slot("onboarding_intent") or "start", clock.now(), previous=state,
                            practice_misses=_practice_misses(tracker))


class ActionOnboardingNext(OnboardingAction):
    """"next" (the skip intent) while onboarding: skip a question only when the learner says so."""

    quiz_action = "ActionSkip"

    def name(self):
        return "action_onboarding_next"

    def turn(self, tracker, state):
        if _intent(tracker) == "skip" and engine.asks_to_skip(_text(tracker)):
            return engine.skip(_progress(), state, clock.now())
        return engine.next_step(_progress(), state, clock.now())


class ActionOnboardingMore(Action):
    """"tell me more" in a lesson; "continue"/"go on" (same intent) means next; elsewhere the
    normal follow-up answers from the context slot."""

    def name(self):
        return "action_onboarding_more"

    async def run(self, dispatcher, tracker, domain):
        if engine.means_go_on(_text(tracker)):
            return await ActionOnboardingNext().run(dispatcher, tracker, domain)
        state = tracker.get_slot("onboarding")
        try:
            turn = engine.tell_more(_progress(), state, clock.now())
        except Exception:
            logger.exception("action_onboarding_more failed")
            turn = None
        if turn is None:
            from actions.faq import ActionFollowUp

            return await ActionFollowUp().run(dispatcher, tracker, domain)
        send_turn(dispatcher, turn)
        return _events(turn, state)


class ActionOnboardingAnswer(Action):
    """An answer to a pre-check, check, post-check or review question. When no onboarding
    question is waiting, or the message isn't an answer, the normal path handles it (a
    running quiz takes quiz answers; anything else is a question)."""

    def name(self):
        return "action_onboarding_answer"

    async def run(self, dispatcher, tracker, domain):
        state = tracker.get_slot("onboarding")
        intent = _intent(tracker)
        if intent == "quiz_answer":
            events = await _quiz_first(tracker, dispatcher, domain, "ActionQuizAnswer")
            if events is not None:
                return events
        try:
            progress = _progress()
            waiting = engine.awaiting_answer(state, progress)
            readable = waiting and (intent in ("onboarding_answer", "quiz_answer")
                                    or engine.grade(engine.pending_item(progress, state), _text(tracker)) is not None)
            turn = engine.answer(progress, state, _text(tracker), clock.now()) if readable else None
        except Exception:
            logger.exception("action_onboarding_answer failed")
            dispatcher.utter_message(text=SORRY)
            return []
        if turn is not None:
            send_turn(dispatcher, turn)
            return _events(turn, state)
        if intent == "quiz_answer":
            from actions.quiz import ActionQuizAnswer

            return await ActionQuizAnswer().run(dispatcher, tracker, domain)
        if engine.means_go_on(_text(tracker)):   # "continue" the NLU was unsure of
            return await ActionOnboardingNext().run(dispatcher, tracker, domain)
        if intent == "onboarding_answer":
            dispatcher.utter_message(text="There's no onboarding question waiting for an answer right now.",
                                     buttons=[engine.CONTINUE])
            return []
        from actions.faq import ActionAnswerQuestion

        events = await ActionAnswerQuestion().run(dispatcher, tracker, domain)
        return events + await ActionOnboardingNudge().run(dispatcher, tracker, domain)


class ActionOnboardingNudge(Action):
    """After a question answered mid-path (the normal question path): the lesson waits."""

    def name(self):
        return "action_onboarding_nudge"

    async def run(self, dispatcher, tracker, domain):
        try:
            notes = engine.waiting_note(_progress(), tracker.get_slot("onboarding"))
        except Exception:
            logger.exception("action_onboarding_nudge failed")
            notes = []
        for message in notes:
            dispatcher.utter_message(text=message["text"], buttons=message["buttons"] or None)
        return []


class ActionOnboardingSkip(OnboardingAction):
    def name(self):
        return "action_onboarding_skip"

    def turn(self, tracker, state):
        return engine.skip(_progress(), state, clock.now())


class ActionOnboardingRepeat(OnboardingAction):
    quiz_action = "ActionRepeat"

    def name(self):
        return "action_onboarding_repeat"

    def turn(self, tracker, state):
        if engine.in_review(state):
            return engine._review_prompt(state)
        return engine.resume(_progress(), state, clock.now())


class ActionOnboardingStop(OnboardingAction):
    quiz_action = "ActionStop"

    def name(self):
        return "action_onboarding_stop"

    def turn(self, tracker, state):
        return engine.stop(_progress(), state, clock.now())


class ActionOnboardingGreet(Action):
    """The greeting for a learner known in this conversation: offers a review after a day away."""

    def name(self):
        return "action_onboarding_greet"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(response="utter_greet")
        try:
            offer = engine.greeting_offer(_progress(), tracker.get_slot("onboarding"), clock.now(),
                                          _practice_misses(tracker))
        except Exception:
            logger.exception("action_onboarding_greet failed")
            offer = []
        for message in offer:
            dispatcher.utter_message(text=message["text"], buttons=message["buttons"] or None)
        return []
