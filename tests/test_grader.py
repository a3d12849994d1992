"""Role-fit grader and task bank (bot.grader, bot.tasks, `python -m bot grade`)."""
import json
import subprocess
import sys
from collections import Counter

import pytest

from bot import PROJECT_ROOT, grader
from bot.tasks import TOPICS, VERDICTS, load_tasks, tasks_by_id

PYTHON = sys.executable


# ------------------------------------------------------------------ task bank
def test_bank_is_large_valid_and_split_stratified():
    tasks = load_tasks()
    assert len(tasks) >= 200
    assert len(tasks_by_id()) == len(tasks)
    dev_share = len(load_tasks("dev")) / len(tasks)
    assert 0.20 <= dev_share <= 0.26
    for verdict in ("in_role", "out_of_role"):
        of_verdict = [t for t in tasks if t.verdict == verdict]
        assert 0.15 <= sum(t.split == "dev" for t in of_verdict) / len(of_verdict) <= 0.30
    for topic in TOPICS:
        assert any(t.topic == topic and t.split == "dev" for t in tasks), topic
    for t in tasks:
        assert t.citations() and all('section "' in c for c in t.citations())
        if t.verdict == "out_of_role":
            assert t.instead
        if t.verdict == "depends":   # says on what it depends
            assert "depend" in t.rationale.lower()


def test_bank_covers_the_documents_named_duties():
    ids = set(tasks_by_id())
    table = Counter(tasks_by_id()[i].verdict for i in ids if i.startswith("table_"))
    assert table["in_role"] >= 17 and table["out_of_role"] >= 17   # 17 rows, both ways
    assert sum(i.startswith("bill_") for i in ids) >= 10          # the ten billable services
    for needed in ("coopt_observe_urine", "coopt_comply_treatment", "jd_encounter_notes",
                   "drift_file_everyones_paperwork", "bound_serve_existing_friend", "bound_new_relationship",
                   "bound_blend_work_services", "bound_record_locked", "disc_staff_fill_blanks",
                   "role_resource_coordinator", "role_support_group_facilitator", "role_workshop_expungement",
                   "role_substance_free_activities", "role_recovery_center"):
        assert needed in ids


# ------------------------------------------------------------------ the Is / Is-not table, new wording
TABLE_ROWS = [  # (row, in-role phrasing, out-of-role phrasing) - none of these texts is in the bank
    ("person in recovery / professional", "Drawing on my own recovery when I support people",
     "Acting like a licensed professional with the people I support"),
    ("shares lived experience / professional advice",
     "Telling a participant about my own struggles with drinking and how I got through them",
     "Giving a participant expert advice on his legal situation"),
    ("role model / authority", "Being an example of recovery for the people in my group",
     "Being the authority who knows best for participants"),
    ("whole person / case", "Seeing a client as a whole person, not just a problem",
     "Thinking of the participant mainly as his diagnosis"),
    ("hope / fear", "Inspiring a participant with hope that recovery is possible",
     "Scaring a client with what will happen if he relapses"),
    ("many pathways / one pathway", "Supporting a participant who chose harm reduction as her pathway",
     "Insisting that a client follow the twelve steps because it's the only way"),
    ("advocate / program perspective", "Advocating for a client with his landlord",
     "Explaining and defending the agency's position to a client who disagrees with it"),
    ("teaches daily tasks / does tasks", "Teaching a client how to do his laundry and cook simple meals",
     "Doing a participant's laundry and shopping for her"),
    ("teaches to acquire money / gives money", "Showing a participant how to get the financial assistance he needs",
     "Giving a client money for rent"),
    ("finds necessities / provides housing", "Helping a participant find food and clothing",
     "Letting a client sleep on my couch"),
    ("common language / clinical language", "Using plain everyday words with participants",
     "Talking to participants in psychiatric jargon"),
    ("finds professionals / provides professional services", "Helping a participant find a doctor",
     "Providing psychotherapy to participants"),
    ("local resources / case management", "Telling participants about local resources I know",
     "Doing case management for the clients"),
    ("encourages / diagnoses", "Praising a participant for reaching a goal", "Assessing and diagnosing participants"),
    ("sets goals / mandates", "Helping a participant figure out his own goals",
     "Mandating that participants do chores and attend every group"),
    ("models recovery / tells how to live", "Modeling healthy recovery habits",
     "Telling a participant how to run his life in recovery"),
    ("peer support / whatever the program insists", "Providing peer support",
     "Doing whatever the program insists I do"),
]


@pytest.mark.parametrize("row,in_role,out_of_role", TABLE_ROWS, ids=[r[0] for r in TABLE_ROWS])
def test_every_table_row_both_ways(row, in_role, out_of_role):
    assert grader.grade(in_role).verdict == "in_role", in_role
    out = grader.grade(out_of_role)
    assert out.verdict == "out_of_role", out_of_role
    assert out.instead and any(r.startswith("Instead:") for r in out.reasons)


def test_bank_table_rows_are_graded_as_labelled():
    for t in load_tasks():
        if t.id.startswith("table_") and t.split == "train":
            assert grader.grade(t.text).verdict == t.verdict, t.id


NEAR_MISSES = [  # pairs that share words but not the verdict
    ("Teaching a participant how to apply for food stamps", "Handing a participant cash for food"),
    ("Helping a client fill out his own benefits application", "Filling out a client's benefits forms for him"),
    ("Telling a participant what my own experience with antidepressants was like",
     "Telling a participant which antidepressant to ask for"),
    ("Writing up notes on my own peer sessions", "Filing paperwork for the whole team"),
    ("Going with a client to her court hearing", "Observing a client's urine drop"),
    ("Keeping my friendship with a client I knew before I started working here",
     "Seeing my friend who is a client for individual peer sessions"),
    ("Linking a participant to a mutual aid group where she can find a sponsor", "Being a client's sponsor"),
    ("Helping someone find a recovery residence", "Letting a participant move in with me"),
]


@pytest.mark.parametrize("in_role,out_of_role", NEAR_MISSES)
def test_near_misses(in_role, out_of_role):
    assert grader.grade(in_role).verdict == "in_role"
    assert grader.grade(out_of_role).verdict == "out_of_role"


@pytest.mark.parametrize("text,expected", [
    ("I refuse to observe urine screenings", "in_role"),
    ("Our peer never lends clients money", "in_role"),
    ("I won't do case management for my supervisor", "in_role"),
    ("The peer declined to do the intake assessment", "in_role"),
    ("I was told not to accompany clients to court", "depends"),
    ("Our recovery coach doesn't help people apply for benefits", "depends"),
])
def test_negation(text, expected):
    v = grader.grade(text)
    assert v.verdict == expected
    assert v.reasons and v.sources


@pytest.mark.parametrize("task,framed", [
    ("observe urine screenings", "My supervisor told me to observe urine screenings"),
    ("do the intake assessment", "I was told to do the intake assessment because we're short-staffed"),
    ("give a client money", "Is it ok for our peer to give a client money?"),
    ("go with a client to the doctor", "Is it OK for a peer to go with a client to the doctor?"),
    ("help someone sign up for Medicaid", "Can our recovery coach help someone sign up for Medicaid?"),
    ("do pill counts", "The clinic director asked our peer specialist to do pill counts"),
    ("drive Ms. R to her court date", "Can our peer drive Ms. R to her court date?"),
])
def test_framing_does_not_change_the_verdict(task, framed):
    plain, asked = grader.grade(task), grader.grade(framed)
    assert plain.verdict == asked.verdict != "unsure"


def test_being_told_to_step_out_of_role_is_named_co_optation():
    v = grader.grade("My supervisor wants me to sit in on urine drops")
    assert v.verdict == "out_of_role" and v.confidence >= grader.CONFIDENCE_FLOOR
    assert v.matched_task_id == "coopt_urine_drops" or v.matched_task_id == "coopt_observe_urine"
    assert any("co-optation" in r for r in v.reasons)
    assert any("Peer values at stake" in r and "without co-optation" in r for r in v.reasons)
    assert any("OASAS" in s for s in v.sources)


def test_unsure_below_the_floor_suggests_a_supervisor_and_is_depends_in_json():
    v = grader.grade("Repainting the lobby with a volunteer crew on Saturday")
    if v.verdict != "unsure":   # the model may answer; then the unsure path is forced below
        v = grader._apply_framing("x", grader.Framing(core="x"),
                                  {"verdict": "unsure", "confidence": 0.3, "task_id": "jd_other_duties"})
    assert v.verdict == "unsure" and "supervisor" in v.reasons[0]
    assert v.to_json()["verdict"] == "depends"


@pytest.mark.parametrize("text", ["", "   ", "???", "x" * 5000, "\uf0b7", "asdf qwer zxcv"])
def test_odd_input_never_raises(text):
    v = grader.grade(text)
    assert v.verdict in VERDICTS + ("unsure",)
    assert set(v.to_json()) == {"task", "verdict", "confidence", "reasons", "sources"}


def test_clean_removes_bullets_and_numbering():
    assert grader.clean("\uf0b7 Escorts participants when necessary") == "Escorts participants when necessary"
    assert grader.clean("  • Enters data") == "Enters data"
    assert grader.clean("3. Leads meetings") == "Leads meetings"
    assert grader.clean("observe screens") == "observe screens"   # a leading "o" is not a bullet


# ------------------------------------------------------------------ dev accuracy floor
def test_dev_split_accuracy_floor():
    """Dev (58 tasks, never trained on) measured 0.79 strict / 0.90 when answered with
    ~88% answered (bench/grader.py); 5-fold CV on train gave 0.74 / 0.86. The floors sit
    one CV spread below, so a real regression fails but one or two items of noise do not."""
    dev = load_tasks("dev")
    graded = [(t.verdict, grader.grade(t.text).verdict) for t in dev]
    strict = sum(g == p for g, p in graded) / len(dev)
    answered = [(g, p) for g, p in graded if p != "unsure"]
    assert strict >= 0.70
    assert len(answered) / len(dev) >= 0.75
    assert sum(g == p for g, p in answered) / len(answered) >= 0.82


def test_training_is_deterministic(tmp_path):
    grader.train(target=tmp_path)
    cached = grader.load_model()
    fresh = grader.Model(directory=tmp_path, index=cached.index, idf=cached.idf, vectors=cached.vectors)
    for t in load_tasks("dev"):
        feats = grader.features(t.text)
        a, b = cached.textcat_probs(feats), fresh.textcat_probs(feats)
        assert all(abs(a[v] - b[v]) < 1e-6 for v in VERDICTS), t.id


# ------------------------------------------------------------------ CLI contract
def _cli(*args, stdin=None):
    return subprocess.run([PYTHON, "-m", "bot", "grade", *args], input=stdin, capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=120, check=True).stdout


def test_cli_json_shape():
    out = _cli("--json", "Can our peer drive Ms. R to her court date?").strip().splitlines()
    assert len(out) == 1
    obj = json.loads(out[0])
    assert set(obj) == {"task", "verdict", "confidence", "reasons", "sources"}
    assert obj["verdict"] == "in_role" and obj["verdict"] in VERDICTS
    assert 0 <= obj["confidence"] <= 1 and obj["reasons"] and obj["sources"]


def test_cli_stdin_one_verdict_per_task_line():
    pasted = ("ESSENTIAL JOB DUTIES\n"
              "\uf0b7 Escorts participants when necessary and ensures participants safety\n\n"
              "\u2022 Observes urine screenings\n"
              "  \n"
              "\uf0b7 Files paperwork for the whole clinic\n")
    lines = [json.loads(line) for line in _cli("--json", stdin=pasted).strip().splitlines()]
    assert [o["verdict"] for o in lines] == ["in_role", "out_of_role", "out_of_role"]
    assert lines[0]["task"].startswith("Escorts")   # bullet gone, heading skipped


def test_cli_human_output_has_verdict_reasons_and_source():
    out = _cli("observing urine screenings")
    assert "Out of role" in out and "Instead:" in out and "Source:" in out


def test_grade_does_not_import_tensorflow_or_rasa():
    code = ("import sys; from bot.__main__ import main; main(['grade', '--json', 'give money']); "
            "print([m for m in ('tensorflow', 'rasa', 'rasa_sdk') if m in sys.modules])")
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, cwd=PROJECT_ROOT,
                         timeout=120, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]"
