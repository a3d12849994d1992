"""action_grade_task: grades the latest message, replies, sets the `context` slot."""
from actions.grading import ActionGradeTask
from tests.conftest import make_tracker, run_action


def _run(text):
    return run_action(ActionGradeTask(), make_tracker(text, "check_task"))


def test_out_of_role_reply_names_alternative_source_and_sets_context():
    events, messages = _run("My supervisor wants me to sit in on urine drops")
    text = messages[0]["text"]
    assert text.startswith("Out of role")
    assert "Instead:" in text and "co-optation" in text
    assert "\nSource: " in text and "Peer Support Values" in text
    assert [b["payload"] for b in messages[0]["buttons"]] == ["why?", "where is that from?", "start a quiz"]
    (slot,) = events
    assert slot["event"] == "slot" and slot["name"] == "context"
    context = slot["value"]
    assert set(context) == {"title", "source", "more", "example", "why"}
    assert context["source"].startswith("Source: ") and context["why"] and context["title"]


def test_in_role_reply():
    events, messages = _run("Can our peer drive Ms. R to her court date?")
    assert messages[0]["text"].startswith("In role")
    assert "Billable Services" in messages[0]["text"]
    assert events[0]["value"]["example"]


def test_depends_reply_says_on_what():
    events, messages = _run("Other duties as assigned, is that in role for a peer?")
    assert messages[0]["text"].startswith("It depends") or messages[0]["text"].startswith("I'm not sure")
    assert "Source:" in messages[0]["text"]


def test_empty_message_gets_a_prompt_and_no_context():
    events, messages = _run("")
    assert events == []
    assert "task" in messages[0]["text"].lower()


def test_grader_failure_is_an_apology_not_an_exception(monkeypatch):
    import bot.grading

    def broken(text):
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.grading, "chat_reply", broken)
    events, messages = _run("observe urine screens")
    assert events == [] and "couldn't check" in messages[0]["text"]
