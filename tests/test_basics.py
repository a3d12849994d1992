from actions.basics import ActionCapabilities
from bot import menu, nlp, sources
from tests.conftest import make_tracker, run_action


def test_capabilities_lists_the_four_offers_with_buttons():
    events, messages = run_action(ActionCapabilities(), make_tracker("what can you do?", "bot_capabilities"))
    assert events == []
    text = messages[0]["text"]
    for offer in ("peer roles and values", "Check a task", "quiz", "boundary scenario"):
        assert offer.lower() in text.lower()
    assert [b["payload"] for b in messages[0]["buttons"]] == [o["payload"] for o in menu.load()["offers"]]


def test_pipeline_lemmatizes_with_lookup_table():
    assert nlp.lemmas("peers were observing screenings") == ["peer", "be", "observe", "screening"]


def test_cite_names_document_title_and_section():
    line = sources.cite({"doc": "ct_dmhas_guideline", "section": "Hiring Issues"})
    assert line.startswith("CT DMHAS, A Brief Guideline") and 'section "Hiring Issues"' in line
