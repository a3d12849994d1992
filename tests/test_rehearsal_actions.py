"""Rehearsal actions with rasa_sdk trackers (no running server, no trained model)."""
import asyncio
import json
from pathlib import Path

from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.rehearsal import ActionRehearsalHint, ActionShowGoodAnswer, ActionStartRehearsal, ValidateRehearsalForm
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


def test_start_sets_the_forms_question_to_the_opening_line():
    state, events, _ = _started()
    assert rehearsal.scenario("money_phone_bill")["opening"] in _slots(events)["rehearsal_prompt"]
    assert state["asked"] == 0


def test_the_forms_question_shows_the_prompt_slot_with_the_control_buttons():
    import yaml

    domain = yaml.safe_load((Path(__file__).resolve().parent.parent / "domain.yml").read_text())
    ask = domain["responses"]["utter_ask_rehearsal_reply"]
    assert ask == [{"text": "{rehearsal_prompt}", "buttons": rehearsal.CONTROL_BUTTONS}]
    assert "action_ask_rehearsal_reply" not in domain["actions"]   # Rasa would call it instead


def test_done_when_bad_reply_gets_coaching_then_good_reply_gets_credit():
    state, _, _ = _started()
    slots, messages = _validate(state, BAD)
    assert slots["rehearsal_reply"] is None  # the form asks again: the escalation
    assert "Gives resources and money to the person".lower() in messages[0]["text"].lower()
    assert "Source: ACMHA" in messages[0]["text"]
    assert slots["context"]["example"] == rehearsal.scenario("money_phone_bill")["good_reply"]
    state = slots["rehearsal"]
    assert "pushes back" in slots["rehearsal_prompt"] and state["asked"] == 1
    slots, messages = _validate(state, GOOD, intent="quiz_answer", confidence=0.7)
    assert slots["rehearsal_reply"] == GOOD  # filled: the form completes
    assert slots["rehearsal"]["active"] is False
    assert "Nice - that holds the line" in messages[0]["text"]
    assert "Credit" in messages[-1]["text"] and "An example reply" in messages[-1]["text"]
    assert messages[-1]["buttons"][0]["payload"] == "practice a boundary scenario"


def test_another_scenario_typed_alone_restarts_instead_of_grading():
    state, _, _ = _started()
    slots, messages = _validate(state, "another scenario", "start_rehearsal", 0.98)
    assert slots["rehearsal_reply"] is None  # the form asks the new scenario's opening
    assert slots["rehearsal"]["scenario"] != "money_phone_bill" and slots["rehearsal"]["active"]
    assert messages[0]["text"].startswith("Let's practise")


def test_validate_with_a_lost_state_finishes_politely():
    slots, messages = _validate(None, "anything")
    assert slots["rehearsal_reply"] == "anything" and "lost track" in messages[0]["text"]


def test_control_words_typed_in_the_form_are_obeyed_whatever_the_intent():
    state, _, _ = _started()
    slots, messages = _validate(state, "hint", intent="nlu_fallback")
    assert slots["rehearsal_reply"] is None and messages[0]["text"].startswith("Hint:")
    assert slots["rehearsal"]["hints"] == 1
    slots, messages = _validate(state, "show me a good answer", intent="show_good_answer", confidence=0.99)
    assert slots["rehearsal_reply"] is None
    assert rehearsal.scenario("money_phone_bill")["good_reply"] in messages[0]["text"]
    slots, messages = _validate(state, "repeat", intent="repeat", confidence=0.99)
    assert slots["rehearsal_reply"] is None and messages == []
    for word in ("skip", "stop"):
        slots, messages = _validate(state, word, intent=word, confidence=0.99)
        assert slots["rehearsal_reply"] == word  # filled: the form completes and the loop ends
        assert slots["rehearsal"]["active"] is False and messages[0]["text"]


def test_a_reply_with_stop_or_hint_inside_is_coached_even_when_the_nlu_reads_a_command():
    state, _, _ = _started()
    reply = "please stop worrying, i can't lend cash, it's not what peers do, but let's call the phone company together"
    slots, messages = _validate(state, reply, intent="stop", confidence=0.95)
    assert slots["rehearsal_reply"] is None and slots["rehearsal"]["active"]  # the escalation comes next
    assert slots["rehearsal"]["turn"] == 1 and "Checklist:" in messages[0]["text"]
    assert "Rehearsal stopped" not in messages[0]["text"]
    state = slots["rehearsal"]
    reply = "want a hint? i still can't lend it, but the community action agency helps with bills, let's go together"
    slots, messages = _validate(state, reply, intent="hint", confidence=0.95)
    assert slots["rehearsal_reply"] == reply and "Debrief" in messages[-1]["text"]
    assert not messages[0]["text"].startswith("Hint:")


def test_hint_and_good_answer_outside_a_rehearsal():
    state, _, _ = _started()
    done = rehearsal.skip(state).state
    events, messages = run_action(ActionRehearsalHint(), make_tracker("hint", "hint", slots={"rehearsal": done}))
    assert "no scenario running" in messages[0]["text"]
    events, messages = run_action(ActionShowGoodAnswer(), make_tracker("show me a good answer", "show_good_answer",
                                                                       slots={"rehearsal": done}))
    assert rehearsal.scenario("money_phone_bill")["good_reply"] in messages[0]["text"]
    assert _slots(events)["context"]["title"].startswith("Rehearsal:")


def test_controls_out_of_turn_explain_and_never_raise():
    for action in (ActionRehearsalHint(), ActionShowGoodAnswer()):
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
        "action_start_rehearsal", "validate_rehearsal_form",
        "action_rehearsal_hint", "action_show_good_answer"}


def test_the_reset_reply_seen_at_form_activation_is_not_graded():
    state, _, _ = _started()
    slots, messages = _validate(state, None)
    assert slots == {"rehearsal_reply": None} and messages == []
