"""Every claim in the content rests on a verbatim passage of the cited section (issue 13).

- Every quote item {doc, section, quote} anywhere in bot/content/*.yml occurs in the cited
  section of the document text (bot/content/documents/), after normalising case,
  whitespace, quote marks and dashes.
- Every cited {doc, section} exists in the section index, and the index is what
  scripts/find_sections.py produces from the texts (found once by the script, not by hand).
- The fields that must be supported carry at least one quote, and the quotes' sections are
  among the item's `sources` (so "Where is that from?" names every place it draws on).
"""
import copy
import glob
import importlib.util

import pytest
import yaml

from bot import CONTENT_DIR, PROJECT_ROOT, documents, tasks

CONTENT_FILES = sorted(glob.glob(str(CONTENT_DIR / "*.yml")))


def _load(name):
    with open(CONTENT_DIR / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def _walk(node, path=""):
    """(path, dict) for every dict in a YAML tree."""
    if isinstance(node, dict):
        yield path, node
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}" if path else str(k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]")


def _quote_items():
    for file in CONTENT_FILES:
        with open(file, encoding="utf-8") as f:
            tree = yaml.safe_load(f)
        for path, node in _walk(tree):
            if {"doc", "section", "quote"} <= set(node):
                yield f"{file.rsplit('/', 1)[-1]}:{path}", node


def _citations():
    for file in CONTENT_FILES:
        with open(file, encoding="utf-8") as f:
            tree = yaml.safe_load(f)
        for path, node in _walk(tree):
            if "doc" in node and "section" in node:
                yield f"{file.rsplit('/', 1)[-1]}:{path}", node


QUOTES = list(_quote_items())


def test_there_are_quotes_to_check():
    assert len(QUOTES) > 500


@pytest.mark.parametrize("where,item", QUOTES, ids=[w for w, _ in QUOTES])
def test_quote_occurs_in_cited_section(where, item):
    assert documents.check(item) is None, f"{where}: {documents.check(item)}"


def test_every_cited_section_exists():
    missing = [f"{where}: {c['doc']} / {c['section']!r}" for where, c in _citations()
               if c["doc"] not in documents.doc_ids() or not documents.has_section(c["doc"], c["section"])]
    assert not missing, "\n".join(missing)


def test_section_index_is_what_the_script_finds():
    spec = importlib.util.spec_from_file_location("find_sections", PROJECT_ROOT / "scripts" / "find_sections.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for doc in documents.doc_ids():
        found = script.sections_of(list(documents.lines(doc)), doc in script.SLIDES)
        assert found == documents.sections()[doc], f"{doc}: run scripts/find_sections.py"


# ------------------------------------------------------------------ required support
def _keys(sources):
    return {(s["doc"], documents.heading_key(s["section"])) for s in sources or ()}


def _support_problems(where, support, required_fields, sources):
    problems = []
    for field in required_fields:
        quotes = (support or {}).get(field) or []
        if not quotes:
            problems.append(f"{where}: `{field}` has no supporting quote")
        for q in quotes:
            if (q.get("doc"), documents.heading_key(q.get("section", ""))) not in _keys(sources):
                problems.append(f"{where}: quote for `{field}` cites {q.get('doc')} / {q.get('section')!r}, "
                                f"which is not in the item's sources")
    return problems


def test_every_topic_field_is_supported():
    problems = []
    for file in sorted(glob.glob(str(CONTENT_DIR / "knowledge*.yml"))):
        with open(file, encoding="utf-8") as f:
            topics = yaml.safe_load(f)
        for key, topic in topics.items():
            fields = [f for f in ("answer", "more", "example") if topic.get(f)]
            problems += _support_problems(f"topic {key}", topic.get("support"), fields, topic["sources"])
    assert not problems, "\n".join(problems)


def test_every_task_field_is_supported():
    problems = []
    for task in _load("tasks.yml")["tasks"]:
        fields = ["rationale"] + (["instead"] if task.get("instead") else [])
        problems += _support_problems(f"task {task['id']}", task.get("support"), fields, task["sources"])
    assert not problems, "\n".join(problems)


def test_every_scenario_coaching_point_is_supported():
    content = _load("scenarios.yml")
    problems = []
    for point, rubric in content["defaults"].items():
        if rubric.get("coach"):
            problems += _support_problems(f"defaults.{point}", {"coach": rubric.get("support")}, ["coach"],
                                          rubric.get("sources"))
    for sc in content["scenarios"]:
        problems += _support_problems(f"scenario {sc['id']}", sc.get("support"), ["values", "good_reply"],
                                      sc["sources"])
        for point, rubric in (sc.get("rubric") or {}).items():
            if rubric.get("coach"):
                problems += _support_problems(f"scenario {sc['id']}.{point}", {"coach": rubric.get("support")},
                                              ["coach"], rubric.get("sources") or sc["sources"])
    assert not problems, "\n".join(problems)


def test_task_loader_keeps_support():
    task = tasks.tasks_by_id()["table_person_in_recovery"]
    assert task.support["rationale"] and documents.check(task.support["rationale"][0]) is None


# ------------------------------------------------------------------ the checker itself
GOOD = {"doc": "ct_dmhas_guideline", "section": "Hiring Issues",
        "quote": "A person’s individual recovery story is theirs alone to share"}


def test_check_accepts_a_real_quote_despite_case_marks_and_spacing():
    assert documents.check(GOOD) is None
    loose = dict(GOOD, quote="a person's   INDIVIDUAL recovery\nstory is theirs alone to share")
    assert documents.check(loose) is None


@pytest.mark.parametrize("change", [
    lambda q: q.replace("theirs alone", "theirs only"),       # a word changed
    lambda q: q.replace("individual ", ""),                    # a word dropped
    lambda q: q + " with anyone they like",                    # words added
])
def test_check_fails_when_a_quote_is_altered(change):
    assert documents.check(dict(GOOD, quote=change(GOOD["quote"]))) is not None


def test_check_fails_on_the_wrong_section_and_says_where_the_quote_is():
    error = documents.check(dict(GOOD, section="Selection processes"))
    assert error and "Hiring Issues" in error


def test_check_fails_on_unknown_section_or_document_and_bad_length():
    assert documents.check(dict(GOOD, section="No Such Heading"))
    assert documents.check(dict(GOOD, doc="nope"))
    assert documents.check(dict(GOOD, quote="theirs alone to share"))  # under 6 words


def test_ellipsis_joins_fragments_of_a_split_table_row_only_in_order():
    row = {"doc": "acmha_toolkit", "section": "What a Peer Supporter Is/Does - Is Not/Does Not",
           "quote": "Teaches how to acquire needed resources, ... including money"}
    assert documents.check(row) is None
    assert documents.check(dict(row, quote="including money ... Teaches how to acquire needed resources"))


def test_altering_a_content_quote_makes_the_content_check_fail():
    where, item = next((w, i) for w, i in QUOTES if w.startswith("tasks.yml"))
    altered = copy.deepcopy(item)
    words = altered["quote"].split()
    words[len(words) // 2] = "zzzz"
    altered["quote"] = " ".join(words)
    assert documents.check(item) is None and documents.check(altered) is not None, where


def test_find_names_the_innermost_section():
    assert documents.find("theirs alone to share in the context of the service relationship") == [
        ("ct_dmhas_guideline", "Hiring Issues")]
    assert documents.find("no such sentence anywhere in the documents") == []


def test_section_text_matches_cited_heading_spelling():
    text = documents.section_text("acmha_toolkit", "What a Peer Supporter Is/Does - Is Not/Does Not")
    assert "Shares lived experience" in text and "Core Values" not in text
