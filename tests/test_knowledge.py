"""The knowledge base: every answer has a valid source, the NLU covers exactly its topics,
and the reply logic (topic, passage, situation, did-you-mean, not covered, follow-ups) behaves."""
import re

import pytest
import yaml

from bot import PROJECT_ROOT, documents, knowledge, rehearsal, sources
from bot.knowledge import passages, routing, situations

FAQ_NLU = PROJECT_ROOT / "data" / "nlu" / "faq.yml"
REGRESSION = PROJECT_ROOT / "tests" / "nlu" / "regression.yml"
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"


def faq_nlu():
    """The faq/<key> intents and utter_faq/<key> responses of every file under data/nlu/."""
    merged = {"nlu": [], "responses": {}}
    for path in sorted(FAQ_NLU.parent.glob("*.yml")):
        with open(path, encoding="utf-8") as f:
            data = yaml.safe_load(f) or {}
        merged["nlu"] += [i for i in data.get("nlu") or [] if str(i.get("intent", "")).startswith("faq/")]
        merged["responses"].update({k: v for k, v in (data.get("responses") or {}).items()
                                    if k.startswith("utter_faq/")})
    return merged


def examples(block: str) -> list:
    return [line[2:].strip() for line in block.strip().splitlines() if line.startswith("- ")]


def selector(key, confidence=0.9):
    return {"faq": {"response": {"intent_response_key": f"faq/{key}", "confidence": confidence,
                                 "responses": [{"text": "title"}]}, "ranking": []}}


def test_faq_keys_in_nlu_and_responses_equal_knowledge_keys():
    data = faq_nlu()
    intents = {i["intent"].split("/", 1)[1] for i in data["nlu"] if i["intent"].startswith("faq/")}
    responses = {r.split("/", 1)[1] for r in data["responses"] if r.startswith("utter_faq/")}
    assert intents == set(knowledge.keys())
    assert responses == set(knowledge.keys())


@pytest.mark.parametrize("key", knowledge.keys())
def test_every_answer_is_complete_and_has_a_source(key):
    item = knowledge.entry(key)
    assert re.fullmatch(r"[a-z][a-z0-9_]*", key)
    assert item["title"].strip() and item["answer"].strip() and item["more"].strip()
    assert item["sources"], f"{key} has no source"
    for source in item["sources"]:
        assert set(source) == {"doc", "section"} and source["section"].strip()
        assert sources.cite(source)  # KeyError on an unknown document id


def test_answers_are_short():
    for key in knowledge.keys():
        sentences = re.split(r"(?<=[.!?])\s+(?=[A-Z\"'(])", knowledge.entry(key)["answer"].strip())
        assert 1 <= len(sentences) <= 6, key


@pytest.mark.skipif(not SEEDS.exists(), reason="source documents not on this machine")
def test_cited_sections_appear_in_their_documents():
    """A cited heading must be findable in its document (case and spacing aside), so a
    reader can look it up. 'Opening paragraphs' names the untitled start of a document."""
    docs = sources.documents()
    squash = lambda s: re.sub(r"[^a-z0-9]+", "", s.lower())
    texts = {doc: squash((SEEDS / info["file"]).read_text(encoding="utf-8")) for doc, info in docs.items()}
    for key in knowledge.keys():
        for source in knowledge.entry(key)["sources"]:
            section = source["section"]
            if section == "Opening paragraphs":
                continue
            assert squash(section) in texts[source["doc"]], f"{key}: {section!r} not in {source['doc']}"


def test_every_topic_has_enough_training_examples():
    counts = {}
    for item in faq_nlu()["nlu"]:     # a topic's examples may sit in several files
        counts[item["intent"]] = counts.get(item["intent"], 0) + len(examples(item["examples"]))
    assert all(n >= 10 for n in counts.values()), {k: n for k, n in counts.items() if n < 10}


def test_regression_phrasings_are_not_in_training_data():
    train = set()
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        with open(path, encoding="utf-8") as f:
            for item in (yaml.safe_load(f) or {}).get("nlu", []):
                train.update(e.lower() for e in examples(item.get("examples", "")))
    with open(REGRESSION, encoding="utf-8") as f:
        held = [e.lower() for item in yaml.safe_load(f)["nlu"] for e in examples(item["examples"])]
    with open(PROJECT_ROOT / "tests" / "nlu" / "dev_questions.yml", encoding="utf-8") as f:
        held += [q["question"].lower() for q in yaml.safe_load(f)["questions"]]
    assert held and not (set(held) & train)


def test_regression_covers_every_topic_twice():
    with open(REGRESSION, encoding="utf-8") as f:
        counts = {item["intent"]: len(examples(item["examples"])) for item in yaml.safe_load(f)["nlu"]}
    for key in knowledge.keys():
        assert counts.get(f"faq/{key}", 0) >= 2, key


def test_confident_answer_has_text_source_buttons_and_context():
    reply = knowledge.reply_to_question({"text": "what is co-optation of peer staff?",
                                         "intent": {"name": "faq", "confidence": 0.95},
                                         "response_selector": selector("value_without_cooptation")})
    assert "pressured or directed to step out of their peer role" in reply["text"]
    assert 'Source: NYS OASAS, Peer Integration and the Stages of Change Toolkit (2018), section "Peer Support Values"' in reply["text"]
    assert [b["payload"] for b in reply["buttons"]] == ["tell me more", "give me an example", "where is that from?"]
    ctx = reply["context"]
    assert ctx["title"] == knowledge.entry("value_without_cooptation")["title"]
    assert "urine screenings" in ctx["example"] and ctx["source"].startswith("Source: ")


def test_no_example_button_when_documents_give_no_example():
    reply = knowledge.answer("value_voluntary")
    assert "give me an example" not in [b["payload"] for b in reply["buttons"]]


def test_default_selector_key_is_understood():
    message = {"intent": {"name": "faq", "confidence": 0.9},
               "response_selector": {"default": selector("peer_values")["faq"]}}
    assert knowledge.selected_response(message) == ("peer_values", 0.9)


def evidence(similarities, passage=None, unknown=(), advice=False, scenario=(None, 0.0), selector_conf=None,
             cues=()):
    return {"text": "a question", "chosen": None, "gibberish": False, "advice": advice,
            "scenario": scenario, "similarities": similarities, "selector": selector_conf or {},
            "passage": passage, "unknown": list(unknown), "scope": list(cues)}


def passage(score, agree=True, shared=("screening", "prescriptions")):
    """A passage; by default a clearly relevant one (both rankings agree, two shared words)."""
    return passages.Passage("ct_dmhas_guideline", "Hiring Issues", "Some passage text here.", score,
                            score, agree, tuple(shared))


def test_decide_answers_a_clear_topic():
    assert knowledge.decide(evidence({"value_choice": 0.9, "peer_values": 0.5})) == ("topic", "value_choice")


def test_decide_offers_did_you_mean_for_a_middling_match():
    limits = knowledge.THRESHOLDS
    middling = (limits["answer"] + limits["did_you_mean"]) / 2
    kind, keys = knowledge.decide(evidence({"value_choice": middling, "peer_values": middling - 0.01,
                                            "evidence": 0.1}))
    assert kind == "did_you_mean" and keys == ["value_choice", "peer_values"]


def test_decide_quotes_a_passage_when_no_topic_fits():
    kind, (found, also) = knowledge.decide(evidence({"value_choice": 0.3}, passage(0.95)))
    assert kind == "passage" and found.score == 0.95 and also == []


def test_decide_prefers_a_much_closer_passage_to_a_topic():
    topic_score = knowledge.ANSWER_SCORE + 0.01
    kind, _ = knowledge.decide(evidence({"value_choice": topic_score},
                                        passage(topic_score + knowledge.PASSAGE_LEAD + 0.01)))
    assert kind == "passage"


def test_decide_says_not_covered_when_nothing_is_close():
    assert knowledge.decide(evidence({"value_choice": 0.2}, passage(0.3))) == ("not_covered", None)


def test_decide_rare_unknown_term_blocks_passage_and_middling_topic():
    kind, _ = knowledge.decide(evidence({"peer_pay": knowledge.ANSWER_SCORE + 0.05}, passage(0.99), unknown=["pto"]))
    assert kind == "not_covered"


def test_decide_selector_confidence_lifts_a_topic():
    found = evidence({"value_choice": 0.6, "peer_values": 0.55}, selector_conf={"value_choice": 1.0})
    assert knowledge.decide(found, {"answer": 0.7}, selector_weight=0.2) == ("topic", "value_choice")
    assert knowledge.decide(found, {"answer": 0.7}, selector_weight=0.0)[0] != "topic"


def test_decide_situation_needs_a_close_scenario():
    sc = rehearsal.scenarios()[0]
    assert knowledge.decide(evidence({"value_choice": 0.6}, advice=True, scenario=(sc, 0.9))) == ("situation", sc)
    assert knowledge.decide(evidence({"value_choice": 0.9}, advice=True, scenario=(sc, 0.1)))[0] == "topic"


def test_decide_agency_question_a_topic_fits_well_gets_the_topic_not_advice():
    # "if one of our peer workers starts using again, what do we do?" asks about agency policy.
    sc = rehearsal.scenarios()[0]
    strong = knowledge.TOPIC_OVER_SITUATION + 0.01
    assert knowledge.decide(evidence({"relapse_policy": strong}, advice=True, scenario=(sc, 0.5))) == \
        ("topic", "relapse_policy")


def test_real_question_gets_its_topic():
    reply = knowledge.reply_to_question({"text": "what is a peer bridger"})
    assert reply["context"]["title"] == knowledge.entry("job_peer_bridger")["title"]


@pytest.mark.parametrize("text", ["What's the HCPCS code for peer support?", "who won the super bowl"])
def test_out_of_document_question_is_not_answered(text):
    reply = knowledge.reply_to_question({"text": text})
    assert reply["context"] is None
    assert "don't cover that" in reply["text"] and "Source:" not in reply["text"]


def test_not_covered_says_who_can_answer():
    assert "certification board" in knowledge.not_covered("how do I renew my certification?")["text"]
    assert "HR office" in knowledge.not_covered("how much vacation do peers get?")["text"]
    assert "compliance office" in knowledge.not_covered("is that a HIPAA violation?")["text"]
    assert "Your supervisor" in knowledge.not_covered("can peers drive the agency van?")["text"]


def test_gibberish_gets_not_sure():
    reply = knowledge.reply_to_question({"text": "hmm"})
    assert reply["context"] is None and reply["text"].startswith("I'm not sure")
    assert len(reply["buttons"]) >= 4


def test_did_you_mean_button_answers_that_topic():
    reply = knowledge.did_you_mean(["value_choice", "peer_values"])
    assert [b["title"] for b in reply["buttons"]] == [knowledge.entry("value_choice")["title"],
                                                       knowledge.entry("peer_values")["title"]]
    chosen = {"text": reply["buttons"][0]["payload"], "intent": {"name": "faq"},
              "entities": [{"entity": "topic", "value": "value_choice"}]}
    assert knowledge.reply_to_question(chosen)["context"]["title"] == knowledge.entry("value_choice")["title"]


def test_passage_answer_quotes_and_cites_and_says_it_is_the_closest():
    found = passages.search("peer specialists who have also experienced combat and veterans", 1)[0]
    reply = knowledge.passage_answer(found, "q")
    assert "closest passage" in reply["text"] and f'"{found.quote}"' in reply["text"]
    assert f'section "{found.section}"' in reply["text"]
    source = knowledge.follow_up("ask_source", reply["context"])["text"]
    assert found.quote in source


def test_every_passage_is_in_its_cited_section():
    for found in passages.index()[0]:
        body = documents.normalise(documents.section_text(found.doc, found.section))
        assert documents.occurs_in(found.quote, body), (found.doc, found.section, found.text[:60])


def test_situation_gets_advice_and_a_rehearsal_button():
    reply = knowledge.reply_to_question(
        {"text": "A participant wants to borrow forty dollars for her phone bill. What do I say?"})
    text = reply["text"]
    assert "The principle:" in text and "What a peer might say:" in text and "What to avoid (" in text
    assert 'section "What a Peer Supporter Is/Does - Is Not/Does Not"' in text
    payload = reply["buttons"][0]["payload"]
    assert payload.startswith("/start_rehearsal")
    assert rehearsal.start(payload).state["scenario"] == "money_phone_bill"


@pytest.mark.parametrize("text, kind", [
    ("i keep hearing 'recovery capital' in meetings, what is it?", "question"),
    ("our peer keeps talking about 'mutuality' - what's that about?", "question"),
    ("Is peer support the same thing as counseling?", "question"),
    ("Who are peer specialists and what do they do?", "question"),
    ("my supervisor wants me to sit in on urine drops", "task"),
    ("can our peer drive Ms. R to her court date?", "task"),
    ("Someone I support keeps calling me late at night. What should I do?", "situation"),
])
def test_routing_respects_what_was_asked(text, kind):
    assert routing.kind(text) == kind


def test_follow_up_with_a_new_subject_is_a_new_question():
    ctx = knowledge.context_for("drift_to_the_mean")
    reply = knowledge.reply_to_follow_up("ask_more", {"text": "tell me more about mutuality"}, ctx)
    assert reply["context"]["title"] == knowledge.entry("value_mutuality")["title"]
    plain = knowledge.reply_to_follow_up("ask_more", {"text": "tell me more"}, ctx)
    assert plain["text"].startswith(ctx["more"].strip()[:40]) and plain["context"] is None


def test_support_text_reads_the_topic_schema_answer_quotes_first():
    q = lambda text: {"doc": "oasas_toolkit", "section": "Peer Support Values", "quote": text}
    text = knowledge.support_text({"more": [q("second")], "answer": [q("first"), q("first")]})
    assert text.index('"first"') < text.index('"second"') and text.count('"first"') == 1
    assert knowledge.support_text({}) is None and knowledge.support_text(None) is None


def test_source_follow_up_shows_verbatim_support_quotes():
    ctx = {**knowledge.context_for("value_voluntary"),
           "support": knowledge.support_text([{"doc": "oasas_toolkit", "section": "Peer Support Values",
                                                "quote": "a quoted line"}])}
    text = knowledge.follow_up("ask_source", ctx)["text"]
    assert '"a quoted line" (NYS OASAS' in text and ctx["source"] in text


def test_not_sure_buttons_are_real_topics():
    for key, _ in knowledge.MAIN_TOPICS:
        assert knowledge.entry(key) is not None


def test_quiz_reminder_only_when_quiz_active():
    assert knowledge.QUIZ_REMINDER in knowledge.answer("peer_values", {"status": "active"})["text"]
    assert knowledge.QUIZ_REMINDER not in knowledge.answer("peer_values", {"status": "done"})["text"]
    assert knowledge.QUIZ_REMINDER not in knowledge.answer("peer_values", "garbage")["text"]


def test_follow_ups_from_context():
    ctx = knowledge.context_for("self_disclosure_fill_in_blanks")
    assert knowledge.follow_up("ask_more", ctx)["text"].startswith(ctx["more"].strip()[:40])
    assert "same diagnosis as you" in knowledge.follow_up("ask_example", ctx)["text"]
    source = knowledge.follow_up("ask_source", ctx)
    assert source["text"].endswith(ctx["source"]) and "Hiring Issues" in source["text"]
    if knowledge.entry("self_disclosure_fill_in_blanks").get("support"):
        assert source["text"].startswith("The documents say:")
    assert ctx["more"][:40] in knowledge.follow_up("explain_why", ctx)["text"]


def test_follow_up_without_example_is_honest():
    reply = knowledge.follow_up("ask_example", knowledge.context_for("value_voluntary"))
    assert "don't give a concrete example" in reply["text"]


def test_follow_up_uses_why_from_other_features():
    ctx = {"title": "Observing urine screens", "source": "Source: X", "more": None, "example": None,
           "why": "It is co-optation."}
    assert knowledge.follow_up("explain_why", ctx)["text"].startswith("It is co-optation.")
    assert "That's all" in knowledge.follow_up("ask_more", ctx)["text"]


@pytest.mark.parametrize("context", [None, {}, "text", {"title": ""}])
def test_follow_up_with_nothing_to_follow(context):
    for intent in ("ask_more", "ask_example", "ask_source", "explain_why"):
        assert "nothing to follow up" in knowledge.follow_up(intent, context)["text"] \
            or "don't have anything to follow up" in knowledge.follow_up(intent, context)["text"]


def test_follow_up_during_quiz_points_back_to_the_question():
    ctx = knowledge.context_for("value_mutuality")
    assert knowledge.QUIZ_REMINDER in knowledge.follow_up("ask_source", ctx, {"status": "active"})["text"]
    assert knowledge.QUIZ_REMINDER not in knowledge.follow_up("ask_source", ctx, None)["text"]


# ---- precision: margins, agreeing signals, relevant passages, out-of-document subjects

def test_decide_asks_when_a_topic_citing_other_sections_is_close():
    # peer_values and supervisor_roles cite different sections: a near tie is a real doubt.
    score = knowledge.ANSWER_SCORE + 0.1
    kind, keys = knowledge.decide(evidence({"peer_values": score,
                                            "supervisor_roles": score - knowledge.ANSWER_MARGIN / 2}))
    assert kind == "did_you_mean" and keys[:2] == ["peer_values", "supervisor_roles"]
    clear = knowledge.decide(evidence({"peer_values": score,
                                       "supervisor_roles": score - knowledge.ANSWER_MARGIN - 0.01}))
    assert clear == ("topic", "peer_values")


def test_decide_neighbour_citing_the_same_section_is_no_rival():
    # Two values cite the same section (Peer Support Values): either answer cites what was asked.
    shared = {(s["doc"], s["section"]) for s in knowledge.entry("value_choice")["sources"]} & \
        {(s["doc"], s["section"]) for s in knowledge.entry("value_self_determination")["sources"]}
    assert shared
    score = knowledge.ANSWER_SCORE + 0.1
    found = evidence({"value_choice": score, "value_self_determination": score - 0.005})
    assert knowledge.decide(found) == ("topic", "value_choice")


def test_decide_asks_when_the_selector_picked_another_topic():
    found = evidence({"value_choice": 0.95, "peer_values": 0.5}, selector_conf={"peer_values": 0.9})
    kind, keys = knowledge.decide(found, selector_weight=0.0)
    assert kind == "did_you_mean" and set(keys) == {"value_choice"}
    agreeing = evidence({"value_choice": 0.95, "peer_values": 0.5}, selector_conf={"value_choice": 0.9})
    assert knowledge.decide(agreeing, selector_weight=0.0) == ("topic", "value_choice")
    # The selector's confident choice may win the combined score over the nearest text.
    lifted = evidence({"value_choice": 0.86, "value_mutuality": 0.88}, selector_conf={"value_choice": 0.9})
    assert knowledge.decide(lifted) == ("topic", "value_choice")


def test_decide_topic_must_not_trail_a_passage_from_another_section():
    score = knowledge.ANSWER_SCORE + 0.05
    found = evidence({"value_choice": score}, passage(score - knowledge.TOPIC_OVER_PASSAGE + 0.01))
    assert knowledge.decide(found)[0] == "passage"


def test_decide_passage_needs_agreeing_rankings_and_shared_words():
    assert knowledge.decide(evidence({"value_choice": 0.3}, passage(0.95, agree=False)))[0] == "not_covered"
    assert knowledge.decide(evidence({"value_choice": 0.3}, passage(0.95, shared=("screening",))))[0] == "not_covered"
    assert knowledge.decide(evidence({"value_choice": 0.3}, passage(0.95)))[0] == "passage"


@pytest.mark.parametrize("cue", ["code", "money", "state", "law", "pay", "hr", "licence"])
def test_decide_out_of_document_subject_needs_a_strong_topic_and_never_gets_a_passage(cue):
    middling = knowledge.ANSWER_SCORE + 0.02
    kind, _ = knowledge.decide(evidence({"peer_pay": middling}, passage(0.99), cues=[cue]))
    assert kind == "not_covered"
    strong = knowledge.ANSWER_SCORE + knowledge.OUT_OF_SCOPE_PENALTY + 0.05
    assert knowledge.decide(evidence({"peer_pay": strong}, cues=[cue])) == ("topic", "peer_pay")


def test_decide_legal_duty_situation_needs_a_very_close_scenario():
    sc = rehearsal.scenarios()[0]
    near = knowledge.SCENARIO_SIMILARITY + knowledge.OUT_OF_SCOPE_PENALTY / 2
    found = evidence({"value_choice": 0.3}, advice=True, scenario=(sc, near), cues=["law"])
    assert knowledge.decide(found)[0] == "not_covered"
    assert knowledge.decide({**found, "scope": []}) == ("situation", sc)


@pytest.mark.parametrize("text, cues", [
    ("What is CPT code H0038?", ["code"]),
    ("what's the hourly Medicaid rate in Ohio?", ["money", "state"]),
    ("are peers mandated reporters?", ["law"]),
    ("Is it required that peer specialists report suicidal thoughts a client mentions?", ["law"]),
    ("how much PTO do peer staff get?", ["pay"]),
    ("how do I file a grievance?", ["hr"]),
    ("how do I renew my certification?", ["licence"]),
    ("what is dignity of risk?", []),
    ("how is a peer different from a case manager?", []),
])
def test_scope_cues(text, cues):
    from bot.knowledge import scope
    assert scope.cues(text) == cues


@pytest.mark.parametrize("text, advice", [
    ("What should I do?", True),
    ("a client asked our peer whether she ever relapsed. what should she say?", True),
    ("a participant wants our recovery coach to be his sponsor. What should he do?", True),
    ("a participant keeps texting our peer at night. how do we handle this?", True),
    ("a nurse told a patient about our peer's diagnosis. how should staff respond?", True),
    ("What should the peer do?", True),
    ("what should they say to him?", True),
    ("what does a peer bridger do?", False),
    ("what do peers do all day?", False),
    ("how does peer support help?", False),
])
def test_situation_cue_in_any_voice(text, advice):
    assert situations.asks_for_advice(text) is advice


def test_third_person_situation_gets_advice_not_a_verdict():
    reply = knowledge.reply_to_question(
        {"text": "a resident asked if she could crash at our peer's apartment for a few days. "
                 "What should the peer say?"})
    assert "What a peer might say" in reply["text"]
    assert reply["buttons"][0]["payload"].startswith("/start_rehearsal")


@pytest.mark.parametrize("text, kind", [
    ("a client asked our peer whether she ever relapsed. how should she answer?", "situation"),
    ("Is it required that peer specialists report suicidal thoughts a client mentions?", "question"),
    ("What is CPT code H0038?", "question"),
    ("should peers be the ones who tell residents they broke curfew?", "question"),
    ("escorts participants when necessary and ensures their safety", "task"),
    ("is it ok for our peer to give a client bus money?", "task"),
    ("continue", "question"),   # a word typed where the chat expected another (found in a real chat)
    ("ok", "question"),
    ("drive clients", "task"),
])
def test_only_a_described_duty_is_a_task(text, kind):
    assert routing.kind(text) == kind


def test_passage_answer_says_it_is_not_a_full_answer():
    found = passages.best("what is a role delineation study for a credential?")
    reply = knowledge.passage_answer(found, "what is a role delineation study?")
    assert "closest passage" in reply["text"] and "not a full answer" in reply["text"]


@pytest.mark.parametrize("text, key, expected", [
    ("what is a recovery coach?", "job_recovery_coach", False),
    ("when should our clinic bring in a recovery coach?", "job_recovery_coach", True),
    ("must coaches answer calls at night?", "job_recovery_coach", True),
    ("can a peer be hired while still using?", "peer_qualifications", False),   # not a definition topic
])
def test_a_definition_topic_does_not_answer_when_must_can_questions_easily(text, key, expected):
    assert knowledge.asks_beyond_definition(text, key) is expected


def test_a_duty_typed_as_a_statement_is_graded_whatever_the_intent():
    reply = knowledge.reply_to_question({"text": "Serve as representative payee for participants' disability checks",
                                         "intent": {"name": "faq"}})
    assert reply["text"].startswith("Out of role")


def test_a_question_is_never_graded_on_the_question_path():
    reply = knowledge.reply_to_question({"text": "Is it okay for a peer to be the voice that reports back to the team?",
                                         "intent": {"name": "faq"}})
    assert not reply["text"].startswith(("In role", "Out of role", "It depends"))


# Found in real chats: the documents' money rule with an amount in it, a greeting or "thanks! and" before the
# question, "they" for the peer, "is that ok?" about what a peer did, "cant"/"thats" typed without the
# apostrophe (read as words the documents never use), and a bare "lol ok".
@pytest.mark.parametrize("text, opening", [
    ("my peer lent a client $40, is that ok?", "Out of role"),
    ("Can a peer lend a client $20 for the bus?", "Out of role"),
    ("ok to lend a client money?", "Out of role"),
    ("are peers allowed to lend clients money?", "Out of role"),
    ("thanks! and can they give a client a ride to the pharmacy", "In role"),
    ("Hi, can our peer drive Ms. R to her court date?", "In role"),
    ("lol ok", "Okay. Anything else?"),
    ("got it, thanks!", "Okay. Anything else?"),
    ("our peer keeps telling everyone to go to AA, thats fine right?", "Out of role"),
    ("can peers tell us if a client relapsed", "It depends"),
    ("is a peer supposed to go to the client's court hearing with them", "In role"),
    ("can our peer specialist bring a client to an NA meeting", "In role"),
    ("can our peer specialist drive Ms. R to court?", "In role"),
    ("Report any relapse to the participant's probation officer", "Out of role"),
    ("why cant peers just do what case managers do", "The documents treat these as different roles"),
    ("How much does a peer specialist make in Ohio?", "The five documents I work from don't cover that"),
    ("Can a peer give a client a ride in their personal car?", "The five documents I work from don't cover that"),
])
def test_everyday_wording_gets_the_documents_answer(text, opening):
    reply = knowledge.reply_to_task_or_question({"text": text})
    assert reply["text"].startswith(opening), reply["text"]


def test_the_question_after_a_preamble_is_ranked_on_its_own_too():
    assert knowledge.last_question("I'm a nurse and new here. What is a peer specialist exactly?") == \
        "What is a peer specialist exactly?"
    assert knowledge.last_question("What is a peer specialist?") is None
    assert knowledge.last_question("We hired a peer. She starts Monday.") is None
    assert knowledge.last_question("The client relapsed and our peer feels she failed. What do I tell her?") is None
