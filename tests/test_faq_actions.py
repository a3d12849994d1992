"""actions/faq.py: the thin adapters send bot.knowledge's replies and set the context slot."""
from rasa_sdk.events import SlotSet

from actions.faq import ActionAnswerQuestion, ActionFollowUp, ActionNotSure
from actions.grading import ActionGradeTask
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


def test_question_the_documents_do_not_cover_is_said_so():
    tracker = make_tracker("What's the HCPCS code for peer support?", "faq",
                           response_selector=selector("peer_values", 0.12))
    events, messages = run_action(ActionAnswerQuestion(), tracker)
    assert events == []
    assert "don't cover that" in messages[0]["text"] and "Source:" not in messages[0]["text"]


def test_nlu_fallback_question_is_still_answered():
    tracker = make_tracker("whats a peer bridger", "nlu_fallback", intent_confidence=0.3)
    events, messages = run_action(ActionAnswerQuestion(), tracker)
    assert events and events[0].get("value")["title"] == knowledge.entry("job_peer_bridger")["title"]


def test_situation_gets_advice_and_rehearsal_button():
    tracker = make_tracker("One of my participants asked me to be her NA sponsor. What should I say?", "faq")
    events, messages = run_action(ActionAnswerQuestion(), tracker)
    assert "What a peer might say" in messages[0]["text"]
    assert messages[0]["buttons"][0]["payload"].startswith("/start_rehearsal")
    assert events[0].get("value")["title"].startswith("Situation:")


def test_question_sent_to_the_grader_is_answered_as_a_question():
    tracker = make_tracker("i keep hearing 'recovery capital' in meetings, what is it?", "check_task")
    events, messages = run_action(ActionGradeTask(), tracker)
    assert not messages[0]["text"].startswith(("In role", "Out of role", "It depends"))
    assert events[0].get("value")["title"] == knowledge.entry("recovery_capital")["title"]


def test_follow_up_intent_with_a_new_subject_answers_it():
    tracker = make_tracker("our peer keeps talking about 'mutuality' - what's that about?", "ask_more")
    events, messages = run_action(ActionFollowUp(), tracker)
    assert events[0].get("value")["title"] == knowledge.entry("value_mutuality")["title"]


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


def test_follow_up_sets_no_context():
    ctx = knowledge.context_for("drift_to_the_mean")
    events, _ = run_action(ActionFollowUp(), make_tracker("tell me more", "ask_more", slots={"context": ctx}))
    assert events == []


def test_follow_up_with_empty_context_never_raises():
    events, messages = run_action(ActionFollowUp(), make_tracker("tell me more", "ask_more"))
    assert events == [] and "anything to follow up" in messages[0]["text"]


def test_not_sure_offers_topic_buttons():
    events, messages = run_action(ActionNotSure(), make_tracker("asdf qwer", "nlu_fallback", intent_confidence=0.2))
    assert events == []
    assert messages[0]["text"].startswith("I'm not sure")
    assert len(messages[0]["buttons"]) == len(knowledge.MAIN_TOPICS)


def test_legal_question_sent_to_the_grader_gets_no_verdict():
    tracker = make_tracker("Is it required that peer specialists report suicidal thoughts a client mentions?",
                           "check_task")
    events, messages = run_action(ActionGradeTask(), tracker)
    assert not messages[0]["text"].startswith(("In role", "Out of role", "It depends", "I'm not sure about"))
    assert "don't cover that" in messages[0]["text"] and events == []


def test_third_person_situation_sent_to_the_grader_gets_advice():
    tracker = make_tracker("a participant wants our recovery coach to be his sponsor too. what should he say?",
                           "check_task")
    events, messages = run_action(ActionGradeTask(), tracker)
    assert not messages[0]["text"].startswith(("In role", "Out of role", "It depends"))
    assert "What a peer might say" in messages[0]["text"]


def test_a_failure_inside_answering_gets_a_polite_reply_not_silence(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("index missing")

    monkeypatch.setattr(knowledge, "reply_to_question", broken)
    events, messages = run_action(ActionAnswerQuestion(), make_tracker("what is mutuality?", "faq"))
    assert events == []
    assert messages[0]["text"].startswith("Sorry, I couldn't look that up")
