"""action_grade_task: grades the latest message, replies, sets the `context` slot."""
import pytest

from actions.faq import ActionAnswerQuestion
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


POSTING = """Peer Recovery Specialist - Full Time
About the role: Join our outpatient team supporting adults in recovery.
Responsibilities:
\u2022 Facilitate weekly peer-led recovery support groups
\u2022 Collect urine samples and observe drug screens as needed
\u2022 Link participants to housing, food and employment resources
Qualifications: High school diploma or GED; 2 years in recovery."""


@pytest.mark.parametrize("action,intent", [(ActionGradeTask, "check_task"), (ActionAnswerQuestion, "faq")])
def test_a_pasted_job_description_gets_a_verdict_per_duty_and_a_summary(action, intent):
    events, messages = run_action(action(), make_tracker(POSTING, intent))
    text = messages[0]["text"]
    assert text.startswith("I read that as a job description")
    assert "- In role: Facilitate weekly peer-led recovery support groups" in text
    assert "- Out of role: Collect urine samples and observe drug screens as needed (drug testing" in text
    assert "Qualifications" not in text and "About the role" not in text
    assert "3 duties: 2 in role, 1 out of role (drug testing)" in text
    assert events[0]["name"] == "context" and "urine" in events[0]["value"]["why"]


@pytest.mark.parametrize("text", ["Hi,\nCan our peer drive Ms. R to her court date?",
                                  "Hi, can our peer drive Ms. R to her court date?",
                                  "Good morning! Quick question: can our peer drive Ms. R to her court date?"])
def test_a_greeting_before_the_task_changes_nothing(text):
    events, messages = run_action(ActionGradeTask(), make_tracker(text, "check_task"))
    assert messages[0]["text"].startswith("In role: yes"), messages[0]["text"]
