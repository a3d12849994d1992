"""Boundary rehearsal: scenario bank, reply evaluator, state machine (no Rasa needed)."""
import json

import pytest
import yaml

from bot import CONTENT_DIR, rehearsal, reply_evaluator as ev, sources

THEMES = {"money", "self_disclosure", "co_optation", "dual_relationships", "confidentiality", "doing_for"}


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


def test_every_theme_offered_in_chat_has_scenarios():
    themes = {s["theme"] for s in rehearsal.scenarios()}
    assert {"money", "self_disclosure", "co_optation", "dual_relationships", "confidentiality"} <= themes


def test_replies_are_labeled_split_and_about_known_scenarios():
    items = ev.replies()
    assert len(items) >= 150
    ids = set(ev.scenarios_by_id())
    for r in items:
        assert r["scenario"] in ids and r["label"] in ev.LABELS and r["split"] in ("train", "dev")
        assert set(r["has"]) <= set(ev.RUBRIC_POINTS) and r["text"].strip()
    dev = ev.replies("dev")
    assert len(dev) >= 40 and {r["label"] for r in dev} == set(ev.LABELS)
    texts = [r["text"] for r in items]
    assert len(set(texts)) == len(texts)


def test_the_good_example_reply_of_every_scenario_gets_credit():
    for s in rehearsal.scenarios():
        result = ev.evaluate(s["good_reply"], s)
        assert result.label == "good", (s["id"], result)


# ---------------------------------------------------------------- evaluator

def test_lending_the_money_is_boundary_broken():
    result = ev.evaluate("Sure, here's forty, just pay me back on the first.", _scenario("money_phone_bill"))
    assert result.label == "boundary_broken" and result.points["held_boundary"] is False


def test_negated_give_in_phrase_still_holds_the_boundary():
    result = ev.evaluate("I hear you, that's stressful. I can't lend you money - it's not my role as your peer - "
                         "but let's call the phone company together.", _scenario("money_phone_bill"))
    assert result.label == "good"
    assert result.points == {p: True for p in ev.RUBRIC_POINTS}


def test_a_yes_then_a_clear_no_holds_but_a_no_then_a_yes_does_not():
    sc = _scenario("co_urine_screen")
    assert ev.signals("Sure, I get it - but I can't observe screens, it's outside my role.", sc).held_boundary(
        "co_optation") is True
    assert ev.signals("I can't usually, but ok, I'll watch it this one time.", sc).held_boundary(
        "co_optation") is False


def test_curt_lecture_is_cold():
    result = ev.evaluate("No. It's against the rules and you should know better than to ask.",
                         _scenario("money_phone_bill"))
    assert result.label == "cold_judgmental" and result.points["warm"] is False


def test_long_war_story_is_over_disclosing():
    result = ev.evaluate("Let me tell you everything: I used heroin for ten years, overdosed twice, went to prison, "
                         "lost custody of my son and my wife divorced me.", _scenario("sd_whole_story"))
    assert result.label == "over_disclosing" and result.points["disclosure_ok"] is False


def test_unclear_reply_gets_no_verdict_but_says_what_it_noticed():
    result = ev.evaluate("Well, the weather is nice today.", _scenario("money_phone_bill"))
    assert result.label == "unsure" and not result.credit
    step_text = rehearsal.coach(_scenario("money_phone_bill"), result)[0]
    assert "no verdict" in step_text and "Source:" in step_text


def test_classifier_is_deterministic_and_cached_by_content_hash(tmp_path, monkeypatch):
    train = ev.replies("train")
    assert ev.train(train) == ev.train(train)
    cache = tmp_path / "model.json"
    monkeypatch.setattr(ev, "MODEL_PATH", cache)
    ev.model.cache_clear()
    try:
        ev.model()
        assert json.loads(cache.read_text())["key"] == ev.content_hash()
    finally:
        ev.model.cache_clear()


def test_dev_accuracy_floor():
    """Not a benchmark (bench/rehearsal.py prints the figures): a floor that catches regressions."""
    dev = ev.replies("dev")
    right = sum(ev.evaluate(r["text"], _scenario(r["scenario"])).label == r["label"] for r in dev)
    assert right / len(dev) >= 0.8


# ---------------------------------------------------------------- state machine

def _run_to_escalation(text="practice a money scenario", first_reply="Sure, here's forty, pay me back."):
    step = rehearsal.start(text)
    step = rehearsal.prompt(step.state)
    return rehearsal.reply(step.state, first_reply)


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


def test_bad_reply_then_good_reply_gets_specific_coaching_and_credit():
    step = _run_to_escalation()
    assert not step.done and step.state["turn"] == 1
    coaching = step.messages[0]["text"]
    assert "Gives resources and money to the person".lower() in coaching.lower()
    assert 'Source: ACMHA Peer Leaders Interest Group, Peer Services Toolkit, section "What a Peer Supporter' in coaching
    escalation = rehearsal.prompt(step.state)
    assert "replay" in escalation.messages[0]["text"] and "pushes back" in escalation.messages[0]["text"]
    final = rehearsal.reply(escalation.state, "I hear you, and I care about you. I can't lend money - that's not my "
                                              "role as your peer - but let's call the phone company together.")
    assert final.done and not final.state["active"]
    debrief = final.messages[-1]["text"]
    assert "Credit" in debrief and "turned it around" in debrief
    assert rehearsal.scenario("money_phone_bill")["good_reply"] in debrief
    assert final.context["example"] == rehearsal.scenario("money_phone_bill")["good_reply"]
    assert final.state["done"] == ["money_phone_bill"]


def test_asking_again_repeats_the_line_briefly():
    state = rehearsal.prompt(rehearsal.start("practice a money scenario").state).state
    again = rehearsal.prompt(state)
    assert again.messages[0]["text"].startswith("Still your turn")


@pytest.mark.parametrize("handler", [rehearsal.hint, rehearsal.good_answer, rehearsal.skip, rehearsal.stop,
                                     rehearsal.prompt])
def test_controls_with_no_rehearsal_explain_instead_of_failing(handler):
    for state in (None, {}, {"scenario": "gone", "active": True}, "garbage"):
        step = handler(state)
        assert step.messages and step.messages[0]["text"]


def test_hint_skip_stop_during_a_rehearsal():
    state = rehearsal.start("practice a money scenario").state
    hint = rehearsal.hint(state)
    assert hint.messages[0]["text"].startswith("Hint:") and hint.state["hints"] == 1
    skipped = rehearsal.skip(state)
    assert skipped.done and not skipped.state["active"] and "money_phone_bill" in skipped.state["done"]
    stopped = rehearsal.stop(_run_to_escalation().state)
    assert stopped.done and "1 time" in stopped.messages[0]["text"]


def test_reply_with_lost_state_ends_politely():
    step = rehearsal.reply(None, "whatever")
    assert step.done and "lost track" in step.messages[0]["text"]


def test_huge_and_empty_replies_are_handled():
    state = rehearsal.prompt(rehearsal.start("practice a money scenario").state).state
    assert not rehearsal.reply(state, "   ").done
    step = rehearsal.reply(state, "I can't lend money. " * 2000)
    assert step.messages and step.state["turn"] == 1


def test_requests_typed_mid_rehearsal():
    assert rehearsal.request_in_reply("practice another scenario", "start_rehearsal", 0.97) == "restart"
    assert rehearsal.request_in_reply("show me an example", "ask_example", 0.95) == "good_answer"
    assert rehearsal.request_in_reply("I can't lend money, let's practice budgeting", "start_rehearsal", 0.5) is None
    assert rehearsal.request_in_reply("Sure, here's forty", "quiz_answer", 0.99) is None


def test_scenarios_yaml_is_plain_data():
    with open(CONTENT_DIR / "scenarios.yml", encoding="utf-8") as f:
        assert yaml.safe_load(f)["scenarios"]
