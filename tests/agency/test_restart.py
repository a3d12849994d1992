"""A trainee is mid-quiz (assigned code) when the Rasa and action servers are SIGKILLed.
After a restart on the PostgreSQL profile the trainee resumes at the same item with the same
score, and the results store holds every answer exactly once."""
import json
import re
import time

from sqlalchemy import create_engine, text

ANSWERS = ["in role", "out of role", "it depends", "in role", "out of role", "it depends"]
VERDICT = {"in role": "in_role", "out of role": "out_of_role", "it depends": "depends"}
SCENARIO_LINE = re.compile(r"^Scenario (\d+) of (\d+): .*$", re.M)


def letters(number, width=5):
    out = ""
    for _ in range(width):
        number, digit = divmod(number, 26)
        out += "abcdefghijklmnopqrstuvwxyz"[digit]
    return out.capitalize()


def prompt_in(reply):
    """(number, the whole "Scenario n of N: ..." line) of the item the reply asks about."""
    match = SCENARIO_LINE.search(reply)
    assert match, f"no scenario in the reply: {reply[:300]}"
    return int(match.group(1)), match.group(0)


def stored_answers(store, code, name):
    report = store.report(code)
    attempts = [a for a in report["attempts"] if a["trainee"] == name]
    rows = [r for r in report["answers"] if r["trainee"] == name]
    return attempts, sorted(rows, key=lambda r: r["answered_at"])


def quiz_slot_in_tracker_store(env, sender):
    """The last `quiz` slot value Rasa's SQL tracker store holds for this conversation."""
    engine = create_engine(env["TRACKER_STORE_URL"])
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'slot' ORDER BY id"),
                            {"s": sender}).scalars().all()
    engine.dispose()
    values = [json.loads(d)["value"] for d in rows if json.loads(d).get("name") == "quiz"]
    return values[-1] if values else None


def test_trainee_resumes_after_sigkill(servers, store, env):
    tag = int(time.time() * 1000) % 10**9
    sender, name = f"restart-{tag}", f"Casey {letters(tag)}"
    code = store.create_assignment(f"Restart test {tag}", length=len(ANSWERS), attempts_allowed=1)

    assert "what name" in servers.say(sender, f"my quiz code is {code}").lower()
    number, _ = prompt_in(servers.say(sender, name))
    assert number == 1
    for k in range(3):
        number, prompt = prompt_in(servers.say(sender, ANSWERS[k]))
        assert number == k + 2
    # Now at scenario 4 of 6, with 3 answers given.
    attempts, before = stored_answers(store, code, name)
    assert len(attempts) == 1 and [r["answer"] for r in before] == [VERDICT[a] for a in ANSWERS[:3]]
    score_before = sum(r["correct"] for r in before)
    slot_before = quiz_slot_in_tracker_store(env, sender)
    assert slot_before and len(slot_before["results"]) == 3

    servers.kill()
    servers.start()

    # Same conversation state, read back by a fresh process from PostgreSQL.
    assert quiz_slot_in_tracker_store(env, sender) == slot_before
    result = servers.say(sender, "show my result")
    assert re.search(rf"{score_before} of {len(ANSWERS)} right \(3 answered\)", result), result
    number, again = prompt_in(servers.say(sender, "repeat"))
    assert (number, again) == (4, prompt), "the quiz did not resume at the same item"

    for k in range(3, len(ANSWERS)):
        reply = servers.say(sender, ANSWERS[k])
        if k + 1 < len(ANSWERS):
            assert prompt_in(reply)[0] == k + 2
    attempts, after = stored_answers(store, code, name)
    assert len(attempts) == 1 and attempts[0]["finished"]
    assert [r["answer"] for r in after] == [VERDICT[a] for a in ANSWERS], "an answer was lost or changed"
    assert len({r["item_id"] for r in after}) == len(ANSWERS), "an item was answered twice"
    assert after[:3] == before, "answers given before the crash changed"
    assert f"Quiz finished: {sum(r['correct'] for r in after)} of {len(ANSWERS)} right" in reply
