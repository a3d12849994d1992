"""The knowledge base: every answer has a valid source, the NLU covers exactly its topics,
and the reply logic (thresholds, follow-ups, fallback) behaves."""
import re

import pytest
import yaml

from bot import PROJECT_ROOT, knowledge, sources

FAQ_NLU = PROJECT_ROOT / "data" / "nlu" / "faq.yml"
HELDOUT = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"


def faq_nlu():
    with open(FAQ_NLU, encoding="utf-8") as f:
        return yaml.safe_load(f)


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
    for item in faq_nlu()["nlu"]:
        assert len(examples(item["examples"])) >= 10, item["intent"]


@pytest.mark.skipif(not HELDOUT.exists(), reason="no held-out file yet")
def test_heldout_phrasings_are_not_in_training_data():
    train = set()
    for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml"):
        with open(path, encoding="utf-8") as f:
            for item in (yaml.safe_load(f) or {}).get("nlu", []):
                train.update(e.lower() for e in examples(item.get("examples", "")))
    with open(HELDOUT, encoding="utf-8") as f:
        held = [e.lower() for item in yaml.safe_load(f)["nlu"] for e in examples(item["examples"])]
    assert held and not (set(held) & train)


def test_heldout_covers_every_topic_twice():
    with open(HELDOUT, encoding="utf-8") as f:
        counts = {item["intent"]: len(examples(item["examples"])) for item in yaml.safe_load(f)["nlu"]}
    for key in knowledge.keys():
        assert counts.get(f"faq/{key}", 0) >= 2, key


def test_confident_answer_has_text_source_buttons_and_context():
    reply = knowledge.reply_to_question({"intent": {"name": "faq", "confidence": 0.95},
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


@pytest.mark.parametrize("intent_conf, selector_conf", [(0.9, 0.1), (0.2, 0.99), (0.3, 0.3)])
def test_low_confidence_gives_honest_not_sure(intent_conf, selector_conf):
    reply = knowledge.reply_to_question({"intent": {"name": "faq", "confidence": intent_conf},
                                         "response_selector": selector("peer_values", selector_conf)})
    assert reply["context"] is None
    assert reply["text"].startswith("I'm not sure")
    assert len(reply["buttons"]) >= 4


def test_missing_or_unknown_selection_gives_not_sure():
    assert knowledge.reply_to_question({})["context"] is None
    unknown = {"intent": {"confidence": 0.99}, "response_selector": selector("no_such_topic", 0.99)}
    assert knowledge.reply_to_question(unknown)["context"] is None


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
    assert source["text"] == ctx["source"] and "Hiring Issues" in source["text"]
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
