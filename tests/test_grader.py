"""Role-fit grader (bot.grading), its principles (bot/content/principles.yml) and `python -m bot grade`."""
import json
import subprocess
import sys

import yaml

import numpy as np
import pytest

from bot import PROJECT_ROOT, documents
from bot.grading import grade, summary
from bot.grading import guard as safety_guard
from bot.grading import model as grading_model
from bot.grading import verdict as grading_verdict
from bot.grading.framing import is_qualification, parse_framing, task_lines, without_greeting
from bot.grading.principles import load_principles, principles_by_id
from bot.tasks import VERDICTS, load_tasks

PYTHON = sys.executable
CONTRACT = {"task", "verdict", "confidence", "reasons", "sources", "principle", "quote", "is_task"}


# ------------------------------------------------------------------ principles as content
def test_principles_cover_both_sides_with_quotes_that_are_in_the_documents():
    principles = load_principles()
    sides = {p.side for p in principles}
    assert sides == {"in_role", "out_of_role", "depends"}
    needed = {"diagnose_assess", "clinical_treatment", "medication_management", "monitor_compliance", "drug_testing",
              "coerce_mandate", "decide_for_person", "one_pathway", "money_gifts", "dual_relationship",
              "act_as_professional", "administrative_drift", "share_lived_experience", "accompany_transport",
              "advocacy_with_person", "resource_linkage", "teach_skills", "role_model_hope", "groups_activities",
              "person_led_planning", "recovery_capital"}
    assert needed <= set(principles_by_id())
    for p in principles:
        assert len(p.examples) >= 4, p.id
        assert p.quotes and p.reason, p.id
        if p.side == "out_of_role":
            assert p.instead, p.id
        for q in p.quotes:
            assert documents.check(q) is None, (p.id, documents.check(q))


def test_principle_examples_are_not_copies_of_dev_tasks():
    dev = {t.text.lower().strip(" ?.") for t in load_tasks("dev")}
    for p in load_principles():
        for e in p.examples:
            assert e.lower().strip(" ?.") not in dev, (p.id, e)


# ------------------------------------------------------------------ the issue's examples
@pytest.mark.parametrize("text,expected", [
    ("Encourage clients to adopt the recovery path that worked for you.", "out_of_role"),
    ("Tell a participant he is not ready to go back to school yet.", "out_of_role"),
    ("Keep track of whether participants show up to treatment and tell the counselor when they miss.", "out_of_role"),
    ("Use motivational interviewing and CBT techniques to change clients' thinking patterns.", "out_of_role"),
    ("Meet with a new participant to talk about her strengths and start her recovery plan.", "in_role"),
    ("Teach a participant how to manage her money and pay her bills.", "in_role"),
    ("Complete a recovery capital assessment with a participant.", "in_role"),
    ("Help him think through the consequences of quitting his job.", "in_role"),
])
def test_issue_examples(text, expected):
    v = grade(text)
    assert v.verdict == expected, (v.verdict, v.principle and v.principle.id)
    assert v.principle is not None and v.quote and v.sources


@pytest.mark.parametrize("text,wrong_principle", [   # the old grader's over-broad rules, new wording
    ("Remind her of the date of her appointment", "dual_relationship"),           # "date" is not dating
    ("Drive him to the program his probation requires", "coerce_mandate"),       # not mandating
    ("Talk through the consequences of moving in with her sister", "coerce_mandate"),   # not a threat
    ("Do a recovery capital assessment with a new participant", "diagnose_assess"),    # a peer tool
])
def test_formerly_over_broad_rules_no_longer_fire(text, wrong_principle):
    v = grade(text)
    assert not (v.verdict == "out_of_role" and v.principle.id == wrong_principle), (text, v.verdict)


@pytest.mark.parametrize("text", [
    "Drive him to the program his probation requires",
    "Do a recovery capital assessment with a new participant",
    "Show a participant how to pay her bills on time",    # the model alone said out of role; the guard's peer_work
])
def test_formerly_over_broad_rules_are_not_out_of_role(text):
    assert grade(text).verdict != "out_of_role", text


@pytest.mark.parametrize("text,principle", [
    ("Observe participants' urine drug screens", "drug_testing"),
    ("Hand out medications to clients at the residence", "medication_management"),
    ("Lend a client money for his rent", "money_gifts"),
    ("Diagnose clients' mental health conditions at intake", "diagnose_assess"),
    ("Serve as representative payee for participants' disability checks", "money_gifts"),
    ("Provide overnight milieu supervision in the residence", "monitor_compliance"),
    ("Report a client's progress and any probation violations to the court", "monitor_compliance"),
    ("Supervise residents' morning routines and curfew", "monitor_compliance"),
    ("Take clients' vitals at intake", "diagnose_assess"),
    ("Cover the front desk and do the team's scanning when staff are out", "administrative_drift"),
])
def test_documented_out_of_role_duties_name_their_principle_and_quote(text, principle):
    v = grade(text)
    assert v.verdict == "out_of_role"
    assert v.principle.id == principle
    assert v.instead and any(r.startswith("Instead:") for r in v.reasons)
    assert any(v.quote["quote"] in r for r in v.reasons)


# ------------------------------------------------------------------ the decision rules
def _scores(in_prob, out_principle_prob, principle_side="out_of_role"):
    by_side = {p.side: p for p in load_principles()}
    top = by_side[principle_side]
    rest = [p for p in load_principles() if p is not top]
    ranked = [(out_principle_prob, top)] + [((1 - out_principle_prob) / len(rest), p) for p in rest]
    probs = {"in_role": in_prob, "out_of_role": (1 - in_prob) * 0.9, "depends": (1 - in_prob) * 0.1}
    return grading_model.Scores(probs=probs, principles=ranked, similarity={p.id: 0.5 for p in load_principles()},
                                neighbours=[], top_similarity=0.8)


def test_an_out_of_role_principle_that_fires_is_never_in_role():
    fires = grading_verdict.OUT_OF_ROLE_FIRES
    for in_prob in (0.5, 0.7, 0.79, 0.85, 0.99):
        verdict, principle, other = grading_verdict.decide_label(_scores(in_prob, fires + 0.01))
        assert verdict != "in_role"
        if verdict == "depends":          # conflicting signals: both sides named
            assert principle.side == "in_role" and other.side == "out_of_role"
        else:
            assert verdict == "out_of_role" and principle.side == "out_of_role"
    assert grading_verdict.decide_label(_scores(0.9, fires - 0.2))[0] == "in_role"


def test_conflict_depends_names_both_sides_in_the_reasons():
    framing = parse_framing("Help a participant decide about going back to school")
    scores = _scores(0.95, grading_verdict.OUT_OF_ROLE_FIRES + 0.05)
    v = grading_verdict.decide("Help a participant decide about going back to school", framing, scores)
    assert v.verdict == "depends" and v.other_principle is not None
    assert "in role" in v.reasons[0] and "not in role" in v.reasons[0]


def test_the_guard_holds_on_every_bank_task():
    model = grading_model.load()
    for t in load_tasks():
        scores = model.score(grading_model.embed_task(t.text))
        best_out = max(prob for prob, p in scores.principles if p.side == "out_of_role")
        if best_out >= grading_verdict.OUT_OF_ROLE_FIRES:
            assert grading_verdict.decide_label(scores)[0] != "in_role", t.id


# ------------------------------------------------------------------ framing, negation, not a task
def test_being_told_to_step_out_of_role_is_named_co_optation():
    v = grade("My supervisor wants me to sit in on urine drops")
    assert v.verdict == "out_of_role"
    assert any("co-optation" in r for r in v.reasons)
    assert any("OASAS" in s for s in v.sources)


@pytest.mark.parametrize("text,expected", [
    ("I refuse to observe urine screenings", "in_role"),
    ("Our peer never lends clients money", "in_role"),
    ("I was told not to accompany clients to court", "depends"),
])
def test_negation(text, expected):
    v = grade(text)
    assert v.verdict == expected
    assert v.reasons and v.sources


@pytest.mark.parametrize("task,framed", [
    ("observe urine screenings", "My supervisor told me to observe urine screenings"),
    ("give a client money", "Is it ok for our peer to give a client money?"),
    ("help someone sign up for Medicaid", "Can our recovery coach help someone sign up for Medicaid?"),
])
def test_framing_does_not_change_the_verdict(task, framed):
    assert grade(task).verdict == grade(framed).verdict


@pytest.mark.parametrize("text", ["What is co-optation?", "hello", "thanks!", "???", "", "   "])
def test_not_a_task(text):
    v = grade(text)
    assert v.verdict == "not_a_task" and not v.is_task
    out = v.to_json()
    assert out["verdict"] == "depends" and out["is_task"] is False
    assert "doesn't look like a task" in out["reasons"][0] or not text.strip() or text == "???"


@pytest.mark.parametrize("text", ["Bachelor's degree preferred", "Must possess a valid driver's license",
                                  "Minimum of two years of experience in behavioral health", "Reports to the Program Manager"])
def test_qualification_lines_of_a_posting_are_not_duties(text):
    v = grade(text)
    assert v.verdict == "not_a_task" and "qualification" in v.reasons[0]


@pytest.mark.parametrize("text", ["x" * 5000, "\uf0b7", "asdf qwer zxcv", "1234", "Other duties as assigned"])
def test_odd_input_never_raises_and_keeps_the_contract(text):
    out = grade(text).to_json()
    assert set(out) == CONTRACT and out["verdict"] in VERDICTS


@pytest.mark.parametrize("text,kept", [("Hi, can our peer drive Ms. R?", "can our peer drive Ms. R?"),
                                      ("Hello! Quick question: what is mutuality?", "what is mutuality?"),
                                      ("hey team - is it ok to lend money?", "is it ok to lend money?"),
                                      ("Hi there!", "Hi there!"), ("Highlight strengths", "Highlight strengths")])
def test_a_leading_greeting_is_not_part_of_the_task(text, kept):
    assert without_greeting(text) == kept


def test_task_lines_skip_headings_bullets_and_blank_lines():
    pasted = ["ESSENTIAL JOB DUTIES", "", "\uf0b7 Escorts participants when necessary", "Administrative:",
              "\u2022 Observes urine screenings", "  ", "3. Leads support groups"]
    assert task_lines(pasted) == ["Escorts participants when necessary", "Observes urine screenings",
                                  "Leads support groups"]


def test_task_lines_of_a_whole_posting_keep_only_its_duties():
    pasted = ["Peer Recovery Specialist - Full Time",
              "About the role: Join our outpatient team supporting adults in recovery.",
              "Responsibilities:",
              "\u2022 Facilitate weekly peer-led recovery support groups",
              "\u2022 Teach participants how to budget and",
              "  pay their own bills",
              "QUALIFICATIONS",
              "- High school diploma or GED",
              "- Two years in recovery",
              "Duties: Accompany participants to court dates",
              "Qualifications: state peer certification within 6 months; 2 years in recovery."]
    assert task_lines(pasted) == ["Facilitate weekly peer-led recovery support groups",
                                  "Teach participants how to budget and pay their own bills",
                                  "Accompany participants to court dates"]


def test_task_lines_keep_unbulleted_duties_of_a_plain_list():
    pasted = ["Provide peer support to adults in recovery.", "Facilitate weekly support groups",
              "Coordinate Care With The Case Manager"]
    assert task_lines(pasted) == pasted


def test_summary_counts_duties_and_names_out_of_role_groups():
    verdicts = [grade(t) for t in ("Accompany participants to medical appointments",
                                   "Facilitate a weekly peer support group",
                                   "Provide individual psychotherapy to clients",
                                   "What is co-optation?")]
    line = summary(verdicts)
    assert line.startswith("3 duties: 2 in role, 1 out of role (clinical)"), line
    assert "1 line not a duty" in line


# ------------------------------------------------------------------ the model
def test_cached_classifiers_reproduce_scikit_learn():
    from sklearn.neighbors import NearestNeighbors

    model = grading_model.load()
    queries = np.stack([grading_model.embed_task(t.text) for t in load_tasks("dev")[:10]])
    labels = np.array([VERDICTS.index(i.verdict) for i in model.items])
    clf, coef, intercept = grading_model.logistic_regression(model.vectors, labels, 3, grading_model.VERDICT_C)
    assert np.allclose(clf.predict_proba(queries), model.predict(queries), atol=1e-6)
    nn = NearestNeighbors(n_neighbors=5, metric="cosine", algorithm="brute").fit(model.vectors)
    _, expected = nn.kneighbors(queries)
    for q, row in zip(queries, expected):
        got = [model.items.index(item) for _, item in model.neighbours(q, k=5)]
        assert got == list(row)


def test_dev_split_accuracy_floor():
    """Dev (58 tasks, never trained on) measured 0.93 with the guard (bench/grader.py); the floor
    sits a few items below so a real regression fails but one or two items of noise do not."""
    dev = load_tasks("dev")
    graded = [(t.verdict, grade(t.text).to_json()["verdict"]) for t in dev]
    assert sum(g == p for g, p in graded) / len(dev) >= 0.88
    assert sum(g == "out_of_role" and p == "in_role" for g, p in graded) == 0


# ------------------------------------------------------------------ CLI contract
def _cli(*args, stdin=None):
    return subprocess.run([PYTHON, "-m", "bot", "grade", *args], input=stdin, capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=180, check=True).stdout


def test_cli_json_shape():
    out = _cli("--json", "Can our peer drive Ms. R to her court date?").strip().splitlines()
    assert len(out) == 1
    obj = json.loads(out[0])
    assert set(obj) == CONTRACT
    assert obj["verdict"] == "in_role" and obj["is_task"] is True
    assert 0 <= obj["confidence"] <= 1 and obj["reasons"] and obj["sources"]
    assert obj["principle"] and set(obj["quote"]) == {"doc", "section", "quote"}


def test_cli_pasted_job_description_one_line_per_duty_and_a_summary():
    pasted = ("ESSENTIAL JOB DUTIES\n"
              "\uf0b7 Escorts participants when necessary and ensures participants safety\n\n"
              "\u2022 Observes urine screenings\n"
              "  \n"
              "\uf0b7 Files paperwork for the whole clinic\n")
    lines = [json.loads(line) for line in _cli("--json", stdin=pasted).strip().splitlines()]
    assert [o["verdict"] for o in lines] == ["in_role", "out_of_role", "out_of_role"]
    assert lines[0]["task"].startswith("Escorts")   # bullet gone, heading skipped
    text = _cli(stdin=pasted)
    assert text.strip().splitlines()[-1].startswith("3 duties: 1 in role, 2 out of role (")


def test_cli_human_output_has_verdict_principle_reasons_and_source():
    out = _cli("observing urine screenings")
    assert "Out of role" in out and "Principle:" in out and "Instead:" in out and "Source:" in out


def test_grade_does_not_import_tensorflow_rasa_or_spacy():
    code = ("import sys; from bot.__main__ import main; main(['grade', '--json', 'give money']); "
            "print([m for m in ('tensorflow', 'rasa', 'rasa_sdk', 'spacy') if m in sys.modules])")
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT,
                         timeout=180, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"


# ------------------------------------------------------------------ the grader's own dev set and the safety guard
GRADER_DEV = yaml.safe_load((PROJECT_ROOT / "tests" / "grader_dev.yml").read_text(encoding="utf-8"))["duties"]
GUARDED = {pid for pid, _, _ in safety_guard.rules()[0]}
GUARD_GROUPS = {"clinical", "medication", "monitoring", "drug testing", "coercion", "deciding for the person",
                "one pathway", "money", "dual relationship", "doing for the person", "administrative drift",
                "professional role", "diversity"}


def test_grader_dev_items_are_labelled_with_a_principle_and_a_quote_from_the_documents():
    by_id = principles_by_id()
    assert len(GRADER_DEV) >= 80
    for item in GRADER_DEV:
        assert item["verdict"] in VERDICTS, item["text"]
        p = by_id[item["principle"]]
        assert p.side == item["verdict"], item["text"]
        assert documents.check(item["quote"]) is None, (item["text"], documents.check(item["quote"]))


def test_guard_rules_name_principles_of_the_right_side():
    triggers, peer_work, depends = safety_guard.rules()
    by_id = principles_by_id()
    assert {by_id[pid].group for pid, _, _ in triggers} <= GUARD_GROUPS
    assert {"clinical", "medication", "monitoring", "coercion", "money", "dual relationship"} <= {
        by_id[pid].group for pid, _, _ in triggers}
    assert all(by_id[pid].side == "in_role" for pid, _ in peer_work)
    assert all(by_id[pid].side == "depends" for pid, _ in depends)


CORE_GROUPS = {"clinical", "medication", "monitoring", "drug testing", "coercion", "deciding for the person",
               "one pathway", "money", "dual relationship"}     # clinical, coercive, monitoring, money, dual
GUARD_EXAMPLES = [item for item in GRADER_DEV if item["verdict"] == "out_of_role"
                  and principles_by_id()[item["principle"]].group in CORE_GROUPS]


@pytest.mark.parametrize("item", GUARD_EXAMPLES, ids=[i["text"][:40] for i in GUARD_EXAMPLES])
def test_guard_holds_on_clinical_coercive_monitoring_money_and_dual_duties(item):
    text = item["text"]
    fired = safety_guard.check(grading_model.core_text(text))
    assert fired.trigger is not None, text
    # by construction: even a meaning model certain of "in role" cannot make it "in role"
    scores = _scores(0.99, 0.01, principle_side="in_role")
    verdict, principle, other = grading_verdict.decide_label(scores, fired)
    assert verdict != "in_role"
    assert (other or principle).id == fired.trigger
    assert grade(text).verdict == "out_of_role", text


@pytest.mark.parametrize("text", [
    "Complete a recovery capital assessment with a participant",
    "Teach participants how to create a budget and stick to it",
    "Teach a participant how to manage her money and pay her bills",
    "Discuss concerns about medication with the nurse at the participant's request",
    "Accompany participants to court hearings and probation appointments",
    "Help participants fill out housing applications",
    "Help a participant think through the consequences of moving out of her sister's apartment",
    "Remind her of the date of her appointment",
    "Drive him to the program his probation requires",
    "Suggest a participant bring her worries about her medication to her prescriber",
    "Help a participant look up whether her insurance covers her prescription",
    "Work alongside participants as equals, sharing rather than leading",
    "Meeting a participant where he is, at the shelter, instead of requiring him to come to the office",
    "Working with participants of every faith, ethnicity, sexual orientation, gender and political view",
    "Help a participant get home before his curfew",
    "Help a participant with filing for unemployment",
])
def test_peer_work_that_sounds_clinical_or_coercive_is_not_guarded(text):
    assert safety_guard.check(grading_model.core_text(text)).trigger is None, text


@pytest.mark.parametrize("text", [
    "Complete a recovery capital assessment with a participant",
    "Teach participants how to create a budget and stick to it",
    "Discuss concerns about medication with the nurse at the participant's request",
    "Accompany participants to court hearings and probation appointments",
    "Help participants fill out housing applications",
    "Suggest a participant bring her worries about her medication to her prescriber",
])
def test_the_documents_peer_work_stays_in_role(text):
    v = grade(text)
    assert v.verdict == "in_role", (text, v.principle and v.principle.id)
    assert v.principle.side == "in_role" and v.quote


@pytest.mark.parametrize("text,principle", [
    ("Report on participants' progress to the treatment team", "progress_reporting"),
    ("Give participants advice about their recovery", "guidance_or_advice"),
])
def test_reporting_progress_and_giving_advice_depend_on_how(text, principle):
    v = grade(text)
    assert v.verdict == "depends" and v.principle.id == principle
    assert "in role" in v.reasons[0] and "not in role" in v.reasons[0]


def test_helping_the_person_track_their_own_progress_is_not_reporting_on_them():
    fired = safety_guard.check("assist participants in setting goals, helping them monitor their progress")
    assert fired.depends is None and fired.trigger is None


def test_guard_depends_names_what_it_depends_on():
    v = grade("Make calls to agencies on a participant's behalf")
    assert v.verdict == "depends" and v.principle.id == "acting_on_behalf"
    assert "in role" in v.reasons[0] and "not in role" in v.reasons[0]


def test_grader_dev_set_floor():
    """tests/grader_dev.yml is a dev set (the guard was written against it): 1.00 when measured."""
    graded = [(item["verdict"], grade(item["text"]).to_json()["verdict"]) for item in GRADER_DEV]
    assert sum(g == p for g, p in graded) / len(graded) >= 0.93
    assert sum(g == "out_of_role" and p == "in_role" for g, p in graded) == 0


@pytest.mark.parametrize("text,qualification", [
    ("CPRS certification required", True),
    ("Bilingual in Spanish preferred", True),
    ("Completes documentation as required", False),
    ("Attends trainings and supervision meetings and completes the continuing education hours that the "
     "state certification board has required", False),
])
def test_a_line_ending_in_required_is_a_qualification_only_when_short(text, qualification):
    assert is_qualification(text) is qualification


def test_co_optation_line_names_only_what_the_documents_say():
    v = grade("We're short-staffed so my supervisor asked me to hand out meds at the residence")
    assert v.verdict == "out_of_role"
    line = next(r for r in v.reasons if "co-optation" in r)
    assert "short" not in line.lower()
    assert documents.check({"doc": "oasas_toolkit", "section": "Peer Support Values",
                            "quote": line.split('"')[1]}) is None
