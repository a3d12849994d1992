"""Boundary rehearsal: scenario bank, reply evaluator, control words, state machine (no Rasa)."""
import json

import numpy as np
import pytest
import yaml

from bot import CONTENT_DIR, rehearsal, reply_evaluator as ev, sources

THEMES = {"money", "self_disclosure", "co_optation", "dual_relationships", "confidentiality", "doing_for"}
GOOD_MONEY = ("I hear you, and I care about you. I can't lend money - that's not my role as your peer - "
              "but let's call the phone company together.")


def _scenario(scenario_id):
    return ev.scenarios_by_id()[scenario_id]


# ---------------------------------------------------------------- content

def test_bank_has_at_least_15_complete_scenarios_with_valid_citations():
    scenarios = rehearsal.scenarios()
    assert len(scenarios) >= 15
    assert len({s["id"] for s in scenarios}) == len(scenarios)
    for s in scenarios:
        for key in ("id", "theme", "title", "setting", "speaker", "opening", "values", "rubric", "hint",
                    "good_reply", "sources"):
            assert s.get(key), f"{s['id']} lacks {key}"
        assert s["theme"] in THEMES
        assert 1 <= len(s["escalations"]) <= 2 and all(e["line"] for e in s["escalations"])
        cited = list(s["sources"])
        for point in ev.RUBRIC_POINTS:
            rubric = rehearsal._rubric(s, point)
            assert rubric["does"] and rubric["coach"] and rubric["sources"], (s["id"], point)
            cited += rubric["sources"]
        for source in cited:
            sources.cite(source)  # KeyError on an unknown document id
            assert source.get("section"), s["id"]


def test_every_scenario_has_its_own_yes_no_follow_up_question():
    default = rehearsal.bank()["defaults"]["held_boundary"]["ask"]
    for s in rehearsal.scenarios():
        ask = rehearsal._rubric(s, "held_boundary")["ask"]
        assert ask != default and ask.endswith("?") and "did you mean" in ask.lower(), s["id"]


def test_every_theme_offered_in_chat_has_scenarios():
    themes = {s["theme"] for s in rehearsal.scenarios()}
    assert {"money", "self_disclosure", "co_optation", "dual_relationships", "confidentiality"} <= themes


def test_replies_are_labeled_split_and_about_known_scenarios():
    items = ev.replies()
    assert len(items) >= 350
    ids = set(ev.scenarios_by_id())
    for r in items:
        assert r["scenario"] in ids and r["label"] in ev.LABELS and r["split"] in ("train", "dev")
        assert set(r["has"]) <= set(ev.RUBRIC_POINTS) and r["text"].strip()
        if r["label"] == "good":
            assert {"held_boundary", "warm", "disclosure_ok"} <= set(r["has"]), r["text"]
        if r["label"] == "boundary_broken":
            assert "held_boundary" not in r["has"], r["text"]
    for split in ("train", "dev"):
        per_scenario = {i: [r for r in ev.replies(split) if r["scenario"] == i] for i in ids}
        assert all(len(rs) >= 3 for rs in per_scenario.values()), split
    assert {r["label"] for r in ev.replies("dev")} == set(ev.LABELS)
    texts = [r["text"] for r in items]
    assert len(set(texts)) == len(texts)


@pytest.mark.parametrize("path", sorted(str(p.relative_to(CONTENT_DIR.parent.parent))
                                         for folder in ("eval", "dev")
                                         for p in (CONTENT_DIR.parent.parent / "tests" / folder).glob("replies*.yml")))
def test_the_real_world_reply_sets_are_never_trained_on(path):
    eval_path = CONTENT_DIR.parent.parent / path
    if not eval_path.exists():
        pytest.skip(f"{path} not present")
    with open(eval_path, encoding="utf-8") as f:
        fresh = {r["text"].strip().lower() for r in yaml.safe_load(f)["replies"]}
    ours = {r["text"].strip().lower() for r in ev.training_items()}
    assert not fresh & ours


# ---------------------------------------------------------------- evaluator

def test_the_good_example_reply_of_every_scenario_gets_credit():
    for s in rehearsal.scenarios():
        result = ev.evaluate(s["good_reply"], s)
        assert result.label == "good", (s["id"], result.label)


def test_lending_the_money_is_boundary_broken_and_never_praised():
    result = ev.evaluate("Sure, here's forty, just pay me back on the first.", _scenario("money_phone_bill"))
    assert result.label == "boundary_broken" and result.points["held_boundary"] is False
    assert not result.credit and result.points["offered_alternative"] is False


def test_negated_give_in_phrase_still_holds_the_boundary():
    result = ev.evaluate(GOOD_MONEY, _scenario("money_phone_bill"))
    assert result.label == "good"
    assert result.points == {p: True for p in ev.RUBRIC_POINTS}


@pytest.mark.parametrize("scenario_id, text, label", [
    ("money_phone_bill", "ok fine ill spot u, just pay me back friday", "boundary_broken"),
    ("money_phone_bill", "nah, not a bank. figure it out yourself", "cold_judgmental"),
    ("dual_weekend_dinner", "omg yes, dinner saturday sounds fun!", "boundary_broken"),
    ("conf_keep_secret", "i promise i wont tell anyone, not even ur counselor", "boundary_broken"),
    ("co_urine_screen", "ya no problem ill watch the drop at 2", "boundary_broken"),
])
def test_everyday_register_replies(scenario_id, text, label):
    assert ev.evaluate(text, _scenario(scenario_id)).label == label


def test_curt_lecture_is_cold_but_holds_the_line():
    result = ev.evaluate("No. It's against the rules and you should know better than to ask.",
                         _scenario("money_phone_bill"))
    assert result.label == "cold_judgmental"
    assert result.points["warm"] is False and result.points["held_boundary"] is True


def test_long_war_story_is_over_disclosing():
    result = ev.evaluate("Let me tell you everything: I used heroin for ten years, overdosed twice, went to prison, "
                         "lost custody of my son and my wife divorced me.", _scenario("sd_whole_story"))
    assert result.label == "over_disclosing" and result.points["disclosure_ok"] is False


def test_unclear_boundary_is_never_praised_and_the_peers_answer_decides():
    sc = _scenario("money_phone_bill")
    result = ev.evaluate("well, the weather is nice today", sc)
    assert not result.credit
    if result.unclear:
        assert result.points["held_boundary"] is None
    assert ev.evaluate("well, the weather is nice today", sc, held=False).label in ("boundary_broken",
                                                                                    "over_disclosing")
    answered = ev.evaluate("I'll see what I can do", sc, held=True)
    assert answered.points["held_boundary"] is True and answered.label != "boundary_broken"


def test_no_reply_read_as_crossing_the_line_is_ever_praised():
    sc = _scenario("conf_keep_secret")
    for text in ("I promise, it stays between us.", "ok", "sure thing, nobody will know", "yes", "of course"):
        result = ev.evaluate(text, sc)
        assert not (result.credit and result.points["held_boundary"] is not True), text


def test_classifiers_are_deterministic_and_cached_by_content_hash(tmp_path, monkeypatch):
    items = ev.training_items()
    first, second = ev.train(items), ev.train(items)
    assert np.array_equal(first.label.coef_, second.label.coef_)
    monkeypatch.setattr(ev, "MODEL_DIR", tmp_path)
    ev.classifiers.cache_clear()
    try:
        trained = ev.classifiers()
        cached = list(tmp_path.glob("classifiers-*.npz"))
        assert [p.name for p in cached] == [f"classifiers-{ev.content_hash()}.npz"]
        restored = ev._restore(cached[0])
        x = ev.features([GOOD_MONEY], ["money_phone_bill"])
        assert np.allclose(restored.label.predict_proba(x), trained.label.predict_proba(x))
        for point in ev.RUBRIC_POINTS:
            assert np.allclose(restored.points[point].predict_proba(x), trained.points[point].predict_proba(x))
    finally:
        ev.classifiers.cache_clear()


def test_dev_floor():
    """Not a benchmark (bench/rehearsal.py prints the figures): floors that catch regressions."""
    dev = ev.replies("dev")
    results = [ev.evaluate(r["text"], _scenario(r["scenario"])) for r in dev]
    assert sum(e.label == r["label"] for e, r in zip(results, dev)) / len(dev) >= 0.85
    assert sum(not e.unclear for e in results) / len(dev) >= 0.85
    assert not any(e.credit and "held_boundary" not in r["has"] for e, r in zip(results, dev))


# ---------------------------------------------------------------- control words and follow-up answers

@pytest.mark.parametrize("text, command", [
    ("hint", "hint"), ("Hint please!", "hint"), ("can I get a hint?", "hint"), ("I'm stuck", "hint"),
    ("show me a good answer", "good_answer"), ("Show me a good answer.", "good_answer"),
    ("skip", "skip"), ("skip this one", "skip"),
    ("stop", "stop"), ("ok stop", "stop"), ("Stop the rehearsal please", "stop"), ("/stop", "stop"),
    ("repeat", "repeat"), ("say that again?", "repeat"),
    ("another scenario", "restart"), ("practise another one", "restart"),
])
def test_whole_message_control_words(text, command):
    assert rehearsal.control_command(text) == command


@pytest.mark.parametrize("text", [
    "stop worrying for a sec, i can't lend cash but let's call them together",
    "I can't, please stop asking me",
    "want a hint? the community action agency helps with bills",
    "I'd skip the loan and help you call",
    "pass", "no", "", "   ",
])
def test_control_words_inside_a_reply_are_not_commands(text):
    assert rehearsal.control_command(text) is None


@pytest.mark.parametrize("text, answer", [
    ("yes", "yes"), ("Yeah, I did", "yes"), ("yep", "yes"), ("no", "no"), ("Nope!", "no"),
    ("not really", "no"), ("of course not", "no"),
    ("no, I meant I'd help you find the money somewhere else", None), ("maybe later", None), ("", None),
])
def test_short_answers_to_the_follow_up_question(text, answer):
    assert rehearsal.follow_up_answer(text) == answer


def test_controls_yaml_holds_only_strings():
    controls = rehearsal.controls()
    for phrases in [*controls["commands"].values(), *controls["answers"].values(), controls["filler"]]:
        assert all(isinstance(p, str) and p for p in phrases)
    assert set(controls["answers"]) == {"yes", "no"}


# ---------------------------------------------------------------- state machine

def _running(text="practice a money scenario"):
    return rehearsal.prompt(rehearsal.start(text).state).state


def _run_to_escalation(text="practice a money scenario", first_reply="Sure, here's forty, pay me back."):
    return rehearsal.handle(_running(text), first_reply)


def test_theme_picks_a_scenario_of_that_theme():
    for text, theme in [("practice a money scenario", "money"), ("rehearse self-disclosure", "self_disclosure"),
                        ("practice a co-optation scenario", "co_optation"),
                        ("role play dual relationships", "dual_relationships"),
                        ("practice a confidentiality scenario", "confidentiality")]:
        state = rehearsal.start(text).state
        assert rehearsal.scenario(state["scenario"])["theme"] == theme, text
    assert rehearsal.start("practice a boundary scenario").state["scenario"] == rehearsal.scenarios()[0]["id"]


def test_next_rehearsal_picks_a_scenario_not_done_yet():
    first = rehearsal.start("practice a money scenario").state
    done = dict(first, done=[first["scenario"]], active=False)
    second = rehearsal.start("practice a money scenario", done).state
    assert second["scenario"] != first["scenario"]
    json.dumps(second)  # the slot must stay JSON-serialisable


def test_bad_reply_then_good_reply_gets_specific_coaching_credit_and_a_point_by_point_debrief():
    step = _run_to_escalation()
    assert not step.done and step.state["turn"] == 1
    coaching = step.messages[0]["text"]
    assert "Gives resources and money to the person".lower() in coaching.lower()
    assert "✗ held the boundary" in coaching and "Nice" not in coaching
    assert 'Source: ACMHA Peer Leaders Interest Group, Peer Services Toolkit, section "What a Peer Supporter' in coaching
    escalation = rehearsal.prompt(step.state)
    assert "replay" in escalation.messages[0]["text"] and "pushes back" in escalation.messages[0]["text"]
    final = rehearsal.handle(escalation.state, GOOD_MONEY)
    assert final.done and not final.state["active"]
    debrief = final.messages[-1]["text"]
    assert "Credit" in debrief and "turned it around" in debrief
    assert "Reply 1 - " in debrief and "missed: held the boundary" in debrief
    assert ("Reply 2 - met: held the boundary, warm and non-judgmental, named the value or role, "
            "offered what a peer can do instead, kept any self-disclosure brief and about them.") in debrief
    assert rehearsal.scenario("money_phone_bill")["good_reply"] in debrief
    assert final.context["example"] == rehearsal.scenario("money_phone_bill")["good_reply"]
    assert final.state["done"] == ["money_phone_bill"]
    json.dumps(final.state)


def _force_unclear(monkeypatch):
    """Make the first reading of any reply unclear, as the evaluator does for a borderline reply."""
    real = ev.evaluate

    def evaluate(text, scenario, held=None):
        result = real(text, scenario, held)
        if held is None and text == "whatever you need, we'll sort it":
            result.label, result.points["held_boundary"] = "unclear", None
        return result
    monkeypatch.setattr(ev, "evaluate", evaluate)


def test_an_unclear_reply_gets_the_follow_up_question_and_yes_means_crossing(monkeypatch):
    _force_unclear(monkeypatch)
    state = _running()
    step = rehearsal.handle(state, "whatever you need, we'll sort it")
    assert not step.done and step.state["turn"] == 0 and step.state["pending"]
    assert "can't read for sure" in step.messages[0]["text"] and "Nice" not in step.messages[0]["text"]
    question = rehearsal.prompt(step.state).messages[0]["text"]
    assert question.startswith("Just to check: did you mean you'd lend Dana the money?")
    answered = rehearsal.handle(step.state, "yeah")
    assert answered.state["labels"] == ["boundary_broken"] and "pending" not in answered.state
    assert "crosses the line" in answered.messages[0]["text"] and answered.state["turn"] == 1


def test_no_to_the_follow_up_question_reads_the_reply_as_holding_the_line(monkeypatch):
    _force_unclear(monkeypatch)
    step = rehearsal.handle(_running(), "whatever you need, we'll sort it")
    answered = rehearsal.handle(step.state, "no")
    assert answered.state["points"][0]["held_boundary"] is True
    assert answered.state["labels"][0] != "boundary_broken"


def test_a_longer_answer_is_read_with_the_reply_and_only_one_question_is_asked(monkeypatch):
    _force_unclear(monkeypatch)
    step = rehearsal.handle(_running(), "whatever you need, we'll sort it")
    answered = rehearsal.handle(step.state, "I meant I can't lend money, it's not my role, but let's call "
                                            "the phone company together")
    assert "pending" not in answered.state and answered.state["turn"] == 1
    assert answered.state["labels"][0] in ev.LABELS + ("unclear",)


def test_control_words_inside_a_rehearsal():
    state = _running()
    hint = rehearsal.handle(state, "hint")
    assert hint.messages[0]["text"].startswith("Hint:") and hint.state["hints"] == 1 and not hint.done
    shown = rehearsal.handle(state, "show me a good answer")
    assert rehearsal.scenario("money_phone_bill")["good_reply"] in shown.messages[0]["text"] and not shown.done
    repeat = rehearsal.handle(state, "repeat")
    assert repeat.messages == [] and rehearsal.prompt(repeat.state).messages[0]["text"].startswith("Still your turn")
    skipped = rehearsal.handle(state, "skip")
    assert skipped.done and not skipped.state["active"] and "money_phone_bill" in skipped.state["done"]
    stopped = rehearsal.handle(_run_to_escalation().state, "stop")
    assert stopped.done and "1 time" in stopped.messages[0]["text"] and "0 of those" in stopped.messages[0]["text"]
    another = rehearsal.handle(state, "another scenario")
    assert another.state["scenario"] != "money_phone_bill" and another.state["active"] and not another.done


def test_a_reply_containing_stop_or_hint_is_coached_not_obeyed():
    state = _running()
    step = rehearsal.handle(state, "stop worrying for a sec, ok? i can't lend cash, it's not what peers do, "
                                   "but let's call the phone company together")
    assert not step.done and step.state["active"] and step.state["turn"] == 1
    assert "Rehearsal stopped" not in step.messages[0]["text"] and "Checklist:" in step.messages[0]["text"]
    step = rehearsal.handle(rehearsal.prompt(step.state).state,
                            "i get it, but i can't loan money. want a hint? the community action agency helps "
                            "with bills, let's go together")
    assert step.done and not step.messages[0]["text"].startswith("Hint:") and "Debrief" in step.messages[-1]["text"]


def test_a_scenario_named_by_a_button_payload_starts_that_scenario():
    step = rehearsal.handle(_running(), '/start_rehearsal{"scenario_id": "dual_sponsor"}')
    assert step.state["scenario"] == "dual_sponsor" and step.state["active"]


def test_asking_again_repeats_the_line_briefly():
    state = _running()
    again = rehearsal.prompt(state)
    assert again.messages[0]["text"].startswith("Still your turn")


@pytest.mark.parametrize("handler", [rehearsal.hint, rehearsal.good_answer, rehearsal.skip, rehearsal.stop,
                                     rehearsal.prompt])
def test_controls_with_no_rehearsal_explain_instead_of_failing(handler):
    for state in (None, {}, {"scenario": "gone", "active": True}, "garbage"):
        step = handler(state)
        assert step.messages and step.messages[0]["text"]


def test_reply_with_lost_state_ends_politely():
    step = rehearsal.handle(None, "whatever")
    assert step.done and "lost track" in step.messages[0]["text"]


def test_huge_and_empty_replies_are_handled():
    state = _running()
    assert not rehearsal.handle(state, "   ").done
    step = rehearsal.handle(state, "I can't lend money. " * 2000)
    assert step.messages and (step.state["turn"] == 1 or step.state.get("pending"))


def test_scenarios_yaml_is_plain_data():
    with open(CONTENT_DIR / "scenarios.yml", encoding="utf-8") as f:
        assert yaml.safe_load(f)["scenarios"]


@pytest.mark.parametrize("scenario,text", [
    ("dual_weekend_dinner", "i cant this weekend, but after you finish the program lets totally get dinner"),
    ("dual_sponsor", "i cant be your official sponsor but i can be your unofficial one, text me anytime"),
])
def test_a_yes_later_or_unofficially_is_not_praised(scenario, text):
    result = ev.evaluate(text, _scenario(scenario))
    assert result.label == "boundary_broken" and not result.credit


def test_a_whole_story_told_on_demand_gets_a_verdict_not_a_question():
    text = ("yeah same here, i got diagnosed at 20 after a stay in the psych hospital, been on lithium and "
            "seroquel for years, lost my job twice over it")
    result = ev.evaluate(text, _scenario("sd_same_diagnosis"))
    assert result.label == "over_disclosing" and result.points["held_boundary"] is False
