"""The quiz engine (bot/quiz.py): reading answers and requests, grading, skipping, summaries."""
import json
import random
from types import SimpleNamespace

import pytest

from bot import quiz


def task(id, verdict, topic="roles", text=None, values=(), instead=None):
    return SimpleNamespace(
        id=id, text=text or f"Scenario {id}", verdict=verdict, topic=topic, values=list(values),
        rationale=f"Rationale for {id}.", instead=instead,
        sources=[{"doc": "oasas_toolkit", "section": "Peer Support Values"}], split="train")


TASKS = [
    task("court", "in_role", "roles", "A peer accompanies a participant to a court date."),
    task("urine", "out_of_role", "co_optation", "A peer is asked to observe urine screenings.",
         values=["without co-optation"], instead="Support the person's own recovery goals."),
    task("friend", "depends", "boundaries", "A peer is assigned a participant who is an old friend.",
         values=["mutuality"]),
    task("money", "out_of_role", "boundaries", "A peer lends a participant money.",
         values=["non-hierarchical"], instead="Help the person find resources."),
    task("story", "in_role", "self_disclosure", "A peer shares their own recovery story when it helps."),
]
BANK = {t.id: t for t in TASKS}


@pytest.mark.parametrize("text, verdict", [
    ("in role", "in_role"),
    ("out of role", "out_of_role"),
    ("it depends", "depends"),
    ("In Role!", "in_role"),
    ("out-of-role", "out_of_role"),
    ("no, that's co-optation", "out_of_role"),
    ("yes a peer can do that", "in_role"),
    ("not their job", "out_of_role"),
    ("that's not a peer's job", "out_of_role"),
    ("it isn't in their role", "out_of_role"),
    ("no, it's in role", "in_role"),
    ("not out of role", "in_role"),
    ("nope", "out_of_role"),
    ("no, a peer can't do that", "out_of_role"),
    ("yeah that's fine", "in_role"),
    ("depends on the situation", "depends"),
    ("maybe, they should ask their supervisor", "depends"),
    ("that's the counselor's job", "out_of_role"),
    ("definitely in their role", "in_role"),
    ("that's a dual relationship", "out_of_role"),
    ("sure, that's part of the job", "in_role"),
])
def test_parse_answer_reads_verdicts_in_users_words(text, verdict):
    assert quiz.parse_answer(text) == verdict


@pytest.mark.parametrize("text", ["", "   ", "I don't know", "no idea", "not sure", "what is co-optation?",
                                  "banana", "x" * 5000])
def test_parse_answer_returns_none_when_there_is_no_answer(text):
    assert quiz.parse_answer(text) is None


@pytest.mark.parametrize("text, expected", [
    ("start a quiz", {"topic": None, "length": None}),
    ("quiz me on boundaries, 3 questions", {"topic": "boundaries", "length": 3}),
    ("give me a five question quiz about self-disclosure", {"topic": "self_disclosure", "length": 5}),
    ("a 10-question quiz on co-optation", {"topic": "co_optation", "length": 10}),
    ("quiz me on the peer values", {"topic": "values", "length": None}),
    ("a quick quiz", {"topic": None, "length": 3}),
    ("quiz me with 500 questions", {"topic": None, "length": quiz.MAX_LENGTH}),
    ("quiz me with 0 questions", {"topic": None, "length": 1}),
])
def test_parse_request_finds_topic_and_length(text, expected):
    assert quiz.parse_request(text) == expected


@pytest.mark.parametrize("text, code", [
    ("I have a quiz code BND-7K4Q", "BND-7K4Q"),
    ("bnd7k4q", "BND-7K4Q"),
    ("my code is slf-2m9x thanks", "SLF-2M9X"),
    ("BNDKQXW", "BND-KQXW"),
    ("what can non-peer staff do?", None),
    ("quizzes please", None),
    ("", None),
])
def test_find_code(text, code):
    assert quiz.find_code(text) == code


def test_find_code_lenient_accepts_lower_case_code_without_digits():
    assert quiz.find_code("my code is bnd-kqxw") is None
    assert quiz.find_code("my code is bnd-kqxw", lenient=True) == "BND-KQXW"
    assert quiz.find_code("bndkqxw", lenient=True) == "BND-KQXW"


@pytest.mark.parametrize("text, name", [
    ("Maria Lopez", "Maria Lopez"),
    ("  my name is  José  Álvarez-Núñez. ", "José Álvarez-Núñez"),
    ("I'm Pat O'Neil", "Pat O'Neil"),
    ("Anna Nextor", "Anna Nextor"),
])
def test_clean_name_accepts_names(text, name):
    assert quiz.clean_name(text) == (name, None)


@pytest.mark.parametrize("text", ["", "   ", "x" * 500, "what is co-optation?", "12345",
                                  "<script>alert(1)</script>", "a b c d e f g h", "robert'); drop table--",
                                  "practice a boundary scenario", "continue onboarding", "next lesson"])
def test_clean_name_rejects_garbage_with_a_message(text):
    name, message = quiz.clean_name(text)
    assert name is None and message


def test_new_quiz_has_no_repeats_and_follows_topic_and_length():
    state = quiz.new_quiz(TASKS, length=5, rng=random.Random(1))
    assert sorted(state["items"]) == sorted(BANK)
    state = quiz.new_quiz(TASKS, topic="boundaries", length=5, rng=random.Random(1))
    assert sorted(state["items"]) == ["friend", "money"]
    json.dumps(state)  # the slot must be JSON


def test_new_quiz_order_is_random():
    orders = {tuple(quiz.new_quiz(TASKS, length=5, rng=random.Random(seed))["items"]) for seed in range(10)}
    assert len(orders) > 1


def test_next_quiz_in_a_session_prefers_unseen_items():
    first = quiz.new_quiz(TASKS, length=3, rng=random.Random(2))
    second = quiz.new_quiz(TASKS, length=2, seen=first["seen"], rng=random.Random(3))
    assert not set(first["items"]) & set(second["items"])
    third = quiz.new_quiz(TASKS, length=3, seen=second["seen"], rng=random.Random(4))
    assert len(set(third["items"])) == 3  # bank exhausted: reuses seen items, still no repeat inside


def test_start_reads_request_and_shows_first_item_with_buttons():
    turn = quiz.start(TASKS, "quiz me on boundaries, 2 questions", rng=random.Random(0))
    assert turn.state["status"] == "active" and len(turn.state["items"]) == 2
    assert "2-question quiz on boundaries" in turn.messages[0]["text"]
    prompt = turn.messages[1]
    assert prompt["text"].startswith("Scenario 1 of 2: ")
    assert [b["payload"] for b in prompt["buttons"]] == ["in role", "out of role", "it depends"]


def test_start_with_unknown_topic_falls_back_to_all():
    bank = [t for t in TASKS if t.topic != "values"]
    turn = quiz.start(bank, "quiz me on values", rng=random.Random(0))
    assert "no scenarios on peer values" in turn.messages[0]["text"]
    assert len(turn.state["items"]) == 5


def test_start_with_more_questions_than_available_says_so():
    turn = quiz.start(TASKS, "quiz me on co-optation, 4 questions", rng=random.Random(0))
    assert "I have 1 scenario on co-optation, so the quiz has 1." in turn.messages[0]["text"]


def fixed(items, **extra):
    return dict({"status": "active", "mode": "practice", "topic": None, "items": items,
                 "results": [], "seen": items}, **extra)


def test_full_quiz_grades_explains_and_summarises():
    state = fixed(["urine", "court", "friend"])
    turn = quiz.answer(state, "yes a peer can do that", BANK)
    feedback = turn.messages[0]["text"]
    assert feedback.startswith("Not quite: you said in role, but this is out of role.")
    assert "Rationale for urine." in feedback and "In role instead: Support the person's own recovery goals." in feedback
    assert 'Source: NYS OASAS' in feedback and 'section "Peer Support Values"' in feedback
    assert turn.messages[1]["text"].startswith("Scenario 2 of 3: A peer accompanies")
    assert turn.context == {"title": BANK["urine"].text, "source": quiz.source_line(BANK["urine"].sources),
                            "more": "What a peer would do instead: Support the person's own recovery goals.",
                            "example": None, "why": "Rationale for urine."}
    assert turn.record == {"item_id": "urine", "answer": "in_role", "expected": "out_of_role", "correct": False}

    turn = quiz.answer(turn.state, "in role", BANK)
    assert turn.messages[0]["text"].startswith("Correct: this is in role.")
    turn = quiz.answer(turn.state, "it depends", BANK)
    assert turn.state["status"] == "finished"
    text = turn.messages[-1]["text"]
    assert text.startswith("Quiz finished: 2 of 3 right.")
    assert "- A peer is asked to observe urine screenings. -> out of role" in text
    assert 'the value "without co-optation"' in text and "co-optation" in text
    assert turn.messages[-1]["buttons"][1]["payload"] == "quiz me on co-optation"
    json.dumps(turn.state)


def test_unreadable_answer_is_reasked_without_penalty():
    state = fixed(["court", "urine"])
    turn = quiz.answer(state, "hmm, let me think", BANK)
    assert turn.state == state and turn.record is None
    assert "didn't catch an answer" in turn.messages[0]["text"]
    assert turn.messages[1]["text"].startswith("Scenario 1 of 2")


def test_skip_counts_as_missed_shows_answer_and_moves_on():
    turn = quiz.skip(fixed(["money", "court"]), BANK)
    assert turn.messages[0]["text"].startswith("Skipped. For the record, that one is out of role")
    assert turn.messages[1]["text"].startswith("Scenario 2 of 2: A peer accompanies")
    assert turn.record["answer"] == "skipped" and turn.record["correct"] is False
    turn = quiz.answer(turn.state, "in role", BANK)
    assert turn.messages[-1]["text"].startswith("Quiz finished: 1 of 2 right (1 skipped).")


def test_repeat_shows_the_same_item_again():
    state = fixed(["friend", "court"])
    turn = quiz.repeat(state, BANK)
    assert turn.state == state
    assert turn.messages[0]["text"].startswith("Scenario 1 of 2: A peer is assigned")


def test_stop_ends_with_a_summary_of_what_was_answered():
    turn = quiz.answer(fixed(["court", "urine", "friend"]), "in role", BANK)
    turn = quiz.stop(turn.state, BANK)
    assert turn.state["status"] == "stopped"
    assert turn.messages[0]["text"] == "OK, quiz stopped."
    assert turn.messages[1]["text"].startswith("So far: 1 of 1 right.")


@pytest.mark.parametrize("operation", [quiz.skip, quiz.repeat, quiz.stop])
@pytest.mark.parametrize("state", [None, {}, {"status": "finished"}, {"status": "stopped"}])
def test_out_of_turn_commands_get_a_pointer(operation, state):
    turn = operation(state, BANK)
    assert turn.state == state
    assert "no quiz" in turn.messages[0]["text"].lower() or "nothing" in turn.messages[0]["text"].lower()
    assert turn.messages[0]["buttons"] == [quiz.START_BUTTON]


def test_answer_with_no_quiz_running_gets_a_pointer():
    turn = quiz.answer(None, "out of role", BANK)
    assert turn.record is None and "no quiz running" in turn.messages[0]["text"]


def test_assignment_quiz_resumes_after_answered_items():
    attempt = SimpleNamespace(attempt_id=7, item_ids=["court", "urine", "friend"], answered={"court": True},
                              finished=False, attempt_number=1)
    state = quiz.assignment_quiz("BND-7K4Q", "Week 1", attempt, "Maria Lopez", BANK)
    assert state["mode"] == "assignment" and state["attempt_id"] == 7
    assert quiz.current_prompt(state, BANK)["text"].startswith("Scenario 2 of 3: A peer is asked to observe")
    turn = quiz.stop(state, BANK)
    assert "code BND-7K4Q and the same name (Maria Lopez)" in turn.messages[0]["text"]
    json.dumps(state)


def test_assignment_quiz_with_everything_answered_is_finished():
    attempt = SimpleNamespace(attempt_id=7, item_ids=["court"], answered={"court": False}, finished=False,
                              attempt_number=1)
    assert quiz.assignment_quiz("BND-7K4Q", "Week 1", attempt, "Maria", BANK)["status"] == "finished"


def test_every_quiz_answer_training_example_parses_to_a_verdict():
    import yaml
    from bot import PROJECT_ROOT

    with open(PROJECT_ROOT / "data/nlu/quiz.yml", encoding="utf-8") as f:
        nlu = yaml.safe_load(f)["nlu"]
    examples = next(i["examples"] for i in nlu if i.get("intent") == "quiz_answer")
    lines = [line[2:] for line in examples.splitlines() if line.startswith("- ")]
    assert len(lines) > 30
    assert [line for line in lines if quiz.parse_answer(line) is None] == []


def test_quiz_code_regexes_in_nlu_data_agree_with_find_code():
    import re
    import yaml
    from bot import PROJECT_ROOT

    with open(PROJECT_ROOT / "data/nlu/quiz.yml", encoding="utf-8") as f:
        nlu = yaml.safe_load(f)["nlu"]
    examples = next(i["examples"] for i in nlu if i.get("regex") == "quiz_code")
    patterns = [line[2:] for line in examples.splitlines() if line.startswith("- ")]

    def extracted(text):  # as Rasa's RegexEntityExtractor runs them: case-insensitive
        return any(re.search(p, text, re.IGNORECASE) for p in patterns)

    for text in ("I have a quiz code BND-7K4Q", "bnd7k4q", "BNDKQXW", "code SLF-2M9X please"):
        assert extracted(text) and quiz.find_code(text), text
    for text in ("what can non-peer staff do?", "quizzes", "start a quiz on boundaries", "Is it ok for a peer?"):
        assert not extracted(text) and quiz.find_code(text) is None, text


def test_every_annotated_quiz_code_is_found_by_the_regexes_and_find_code():
    import re
    import yaml
    from bot import PROJECT_ROOT

    with open(PROJECT_ROOT / "data/nlu/quiz.yml", encoding="utf-8") as f:
        nlu = yaml.safe_load(f)["nlu"]
    examples = next(i["examples"] for i in nlu if i.get("intent") == "enter_quiz_code")
    patterns = [line[2:] for line in next(i["examples"] for i in nlu if i.get("regex") == "quiz_code").splitlines()
                if line.startswith("- ")]
    codes = re.findall(r"\[([^\]]+)\]\(quiz_code\)", examples)
    assert len(codes) > 30
    for code in codes:
        assert any(re.fullmatch(p, code, re.IGNORECASE) for p in patterns), code
        assert quiz.find_code(code) == (code[:3] + "-" + code[-4:]).upper(), code
