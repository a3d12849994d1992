"""Rehearsal actions with rasa_sdk trackers (no running server, no trained model)."""
import asyncio
import json

from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.rehearsal import (ActionAskRehearsalReply, ActionRehearsalHint, ActionRehearsalSkip,
                               ActionRehearsalStop, ActionShowGoodAnswer, ActionStartRehearsal,
                               ValidateRehearsalForm)
from bot import rehearsal
from tests.conftest import make_tracker, run_action

DOMAIN = {"forms": {"rehearsal_form": {"required_slots": ["rehearsal_reply"]}},
          "slots": {"rehearsal_reply": {}, "rehearsal": {}, "context": {}}}
LOOP = {"name": "rehearsal_form"}
BAD = "Sure, here's forty, just pay me back on the first."
GOOD = ("I hear you, and I care about you. I can't lend money - that's not my role as your peer - "
        "but let's sit down and call the phone company together.")


def _slots(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def _started(text="practice a money scenario"):
    events, messages = run_action(ActionStartRehearsal(), make_tracker(text, "start_rehearsal"))
    return _slots(events)["rehearsal"], events, messages


def _asked(state):
    events, messages = run_action(ActionAskRehearsalReply(), make_tracker(
        "", "", slots={"rehearsal": state}, active_loop=LOOP))
    return _slots(events)["rehearsal"], messages


def _validate(state, text, intent="nlu_fallback", confidence=0.4):
    """Run the form validation the way Rasa does: the reply was just set by the from_text mapping."""
    tracker = make_tracker(text, intent, intent_confidence=confidence, active_loop=LOOP,
                           slots={"rehearsal": state, "rehearsal_reply": text, "requested_slot": "rehearsal_reply"},
                           events=[{"event": "user", "text": text},
                                   {"event": "slot", "name": "rehearsal_reply", "value": text}])
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ValidateRehearsalForm().run(dispatcher, tracker, DOMAIN))
    return _slots(events), dispatcher.messages


def test_start_picks_a_money_scenario_and_resets_the_reply():
    state, events, messages = _started()
    assert state["scenario"] == "money_phone_bill" and state["active"] and state["turn"] == 0
    assert SlotSet("rehearsal_reply", None) in events
    assert "Forty dollars for the phone bill" in messages[0]["text"]
    json.dumps(state)


def test_ask_shows_the_opening_line_with_control_buttons():
    state, _, _ = _started()
    state, messages = _asked(state)
    assert rehearsal.scenario("money_phone_bill")["opening"] in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == ["hint", "show me a good answer", "skip", "stop"]
    assert state["asked"] == 0


def test_ask_stays_quiet_when_already_asked_since_the_last_message():
    state, _, _ = _started()
    tracker = make_tracker("repeat", "repeat", slots={"rehearsal": state}, active_loop=LOOP,
                           events=[{"event": "user", "text": "repeat"},
                                   {"event": "action", "name": "action_ask_rehearsal_reply"}])
    assert run_action(ActionAskRehearsalReply(), tracker) == ([], [])


def test_done_when_bad_reply_gets_coaching_then_good_reply_gets_credit():
    state, _, _ = _started()
    state, _ = _asked(state)
    slots, messages = _validate(state, BAD)
    assert slots["rehearsal_reply"] is None  # the form asks again: the escalation
    assert "Gives resources and money to the person".lower() in messages[0]["text"].lower()
    assert "Source: ACMHA" in messages[0]["text"]
    assert slots["context"]["example"] == rehearsal.scenario("money_phone_bill")["good_reply"]
    state, messages = _asked(slots["rehearsal"])
    assert "pushes back" in messages[0]["text"]
    slots, messages = _validate(state, GOOD, intent="quiz_answer", confidence=0.7)
    assert slots["rehearsal_reply"] == GOOD  # filled: the form completes
    assert slots["rehearsal"]["active"] is False
    assert "Nice - that holds the line" in messages[0]["text"]
    assert "Credit" in messages[-1]["text"] and "An example reply" in messages[-1]["text"]
    assert messages[-1]["buttons"][0]["payload"] == "practice a boundary scenario"


def test_a_short_confident_request_for_another_scenario_restarts_instead_of_grading():
    state, _, _ = _started()
    slots, messages = _validate(state, "practice a confidentiality scenario", "start_rehearsal", 0.98)
    assert slots["rehearsal_reply"] is None
    assert rehearsal.scenario(slots["rehearsal"]["scenario"])["theme"] == "confidentiality"
    assert messages[0]["text"].startswith("Let's practise")


def test_validate_with_a_lost_state_finishes_politely():
    slots, messages = _validate(None, "anything")
    assert slots["rehearsal_reply"] == "anything" and "lost track" in messages[0]["text"]


def test_hint_and_good_answer_keep_the_form_running():
    state, _, _ = _started()
    events, messages = run_action(ActionRehearsalHint(), make_tracker("hint", "hint", slots={"rehearsal": state},
                                                                      active_loop=LOOP))
    assert messages[0]["text"].startswith("Hint:") and _slots(events)["rehearsal"]["hints"] == 1
    assert not any(e["event"] == "active_loop" for e in events)
    events, messages = run_action(ActionShowGoodAnswer(), make_tracker("show me a good answer", "show_good_answer",
                                                                       slots={"rehearsal": state}, active_loop=LOOP))
    assert rehearsal.scenario("money_phone_bill")["good_reply"] in messages[0]["text"]
    assert _slots(events)["context"]["title"].startswith("Rehearsal:")


def test_skip_and_stop_deactivate_the_form():
    state, _, _ = _started()
    for action in (ActionRehearsalSkip(), ActionRehearsalStop()):
        events, messages = run_action(action, make_tracker("stop", "stop", slots={"rehearsal": state},
                                                           active_loop=LOOP))
        assert ActiveLoop(None) in events and SlotSet("requested_slot", None) in events
        assert _slots(events)["rehearsal"]["active"] is False and messages[0]["text"]


def test_controls_out_of_turn_explain_and_never_raise():
    for action in (ActionRehearsalHint(), ActionShowGoodAnswer(), ActionRehearsalSkip(), ActionRehearsalStop(),
                   ActionAskRehearsalReply()):
        for slots in ({}, {"rehearsal": "not a dict"}, {"rehearsal": {"scenario": "deleted", "active": True}}):
            events, messages = run_action(action, make_tracker("hint", "hint", slots=slots))
            assert messages and messages[0]["text"]


def test_every_action_class_in_the_module_has_a_name():
    """rasa_sdk's executor instantiates every Action subclass it finds and asks its name."""
    import inspect

    from rasa_sdk import Action

    import actions.rehearsal as module

    classes = [c for _, c in inspect.getmembers(module, inspect.isclass)
               if issubclass(c, Action) and c.__module__ == module.__name__]
    assert {c().name() for c in classes} == {
        "action_start_rehearsal", "action_ask_rehearsal_reply", "validate_rehearsal_form",
        "action_rehearsal_hint", "action_show_good_answer", "action_rehearsal_skip", "action_rehearsal_stop"}


def test_the_reset_reply_seen_at_form_activation_is_not_graded():
    state, _, _ = _started()
    slots, messages = _validate(state, None)
    assert slots == {"rehearsal_reply": None} and messages == []
