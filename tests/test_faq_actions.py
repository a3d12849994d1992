"""actions/faq.py: the thin adapters send bot.knowledge's replies and set the context slot."""
from rasa_sdk.events import SlotSet

from actions.faq import ActionAnswerQuestion, ActionFollowUp, ActionNotSure
from bot import knowledge
from tests.conftest import make_tracker, run_action


def selector(key, confidence):
    return {"faq": {"response": {"intent_response_key": f"faq/{key}", "confidence": confidence},
                    "ranking": []}}


def test_answer_sets_context_and_cites_source():
    tracker = make_tracker("who decides if our peer shares her story?", "faq",
                           response_selector=selector("self_disclosure_whose_decision", 0.93))
    events, messages = run_action(ActionAnswerQuestion(), tracker)
    assert events == [SlotSet("context", knowledge.context_for("self_disclosure_whose_decision"))]
    assert "theirs alone to share" in messages[0]["text"]
    assert 'section "Hiring Issues"' in messages[0]["text"]
    assert messages[0]["buttons"]


def test_low_selector_confidence_is_not_answered():
    tracker = make_tracker("something vague", "faq", response_selector=selector("peer_values", 0.12))
    events, messages = run_action(ActionAnswerQuestion(), tracker)
    assert events == []
    assert messages[0]["text"].startswith("I'm not sure")


def test_answer_during_quiz_reminds_of_the_quiz():
    tracker = make_tracker("what is mutuality", "faq", slots={"quiz": {"status": "active"}},
                           response_selector=selector("value_mutuality", 0.9))
    _, messages = run_action(ActionAnswerQuestion(), tracker)
    assert "Back to the quiz" in messages[0]["text"]


def test_follow_up_reads_context_slot():
    ctx = knowledge.context_for("drift_to_the_mean")
    _, messages = run_action(ActionFollowUp(), make_tracker("example?", "ask_example", slots={"context": ctx}))
    assert "filing papers" in messages[0]["text"]
    _, messages = run_action(ActionFollowUp(), make_tracker("source?", "ask_source", slots={"context": ctx}))
    assert "Roles of Peer Providers" in messages[0]["text"]


def test_follow_up_with_empty_context_never_raises():
    events, messages = run_action(ActionFollowUp(), make_tracker("tell me more", "ask_more"))
    assert events == [] and "anything to follow up" in messages[0]["text"]


def test_not_sure_offers_topic_buttons():
    events, messages = run_action(ActionNotSure(), make_tracker("asdf qwer", "nlu_fallback", intent_confidence=0.2))
    assert events == []
    assert messages[0]["text"].startswith("I'm not sure")
    assert len(messages[0]["buttons"]) == len(knowledge.MAIN_TOPICS)
