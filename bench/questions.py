"""Real questions through the real chat path: how many are answered right, with a citation.

    .venv/bin/python bench/questions.py [--set tests/eval/questions.yml] [--serve TREE]
                                        [--url http://127.0.0.1:5505] [--show-misses N]

Each question is sent as the first message of a fresh conversation to the REST channel
(`POST /webhooks/rest/webhook`), so NLU, rules, actions and the grader all run exactly as in a
chat. With --serve TREE (default: this checkout) the bench starts that tree's action server
and Rasa (newest model in TREE/models) on ports 5555/5505 and stops them afterwards; with
--url it uses a server that is already running.

How a reply is scored (the documents are read with bot/documents.py):
  - cited: every `Title, section "X"` in the reply is a citation (doc, section).
  - verdict: the reply opens like a grader verdict ("In role:", "Out of role:", "It depends.",
    "I'm not sure about ...").
  - honest: the reply says the documents don't cover it or that the assistant isn't sure,
    and carries no citation and no verdict.
  - a question with `quotes` is answered correctly when one of its cited sections contains
    one of the quotes (case, spacing and quote marks normalised), or when the prepared topic
    (or, for a situation, the practice scenario) it was answered with is one of the question's
    `topics` (`scenarios`): the prepared answers a second labeller judged to answer it, by
    reading them against the question and the documents, without seeing any reply. It is a
    wrong topic when it is answered with citations and is not correct.
  - `expect: not_in_documents` is correct when the reply is honest; any cited answer or
    verdict to it is a wrong topic.
Printed: % answered correctly with a citation (over questions with quotes), honest
don't-know rate on out-of-document questions, wrong-topic rate (over all questions), and how
many were answered with a task verdict. --show-misses N prints the N worst misses.

tests/eval/ is a fresh set: report its numbers, never tune against it.
"""
import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot import documents, knowledge, rehearsal, sources  # noqa: E402

DEFAULT_SET = ROOT / "tests" / "eval" / "questions.yml"
RASA_PORT, ACTION_PORT = 5505, 5555
VERDICT_OPENINGS = ("In role:", "Out of role:", "It depends.", "I'm not sure about \"")
HONEST_MARKERS = ("don't cover", "do not cover", "doesn't cover", "not sure i understood",
                  "outside what i can help with")


def load_questions(path: Path) -> list:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    items = data.get("questions", data) if isinstance(data, dict) else data
    rows = []
    for item in items:
        text = item.get("question") or item.get("text")
        quotes = item.get("quotes") or []
        quotes = [q["quote"] if isinstance(q, dict) else q for q in quotes]
        rows.append({"id": item.get("id") or text[:40], "text": text, "quotes": quotes,
                     "expect": item.get("expect") or ("answer" if quotes else "not_in_documents"),
                     "topics": item.get("topics") or [], "scenarios": item.get("scenarios") or []})
    return rows


def citations(text: str) -> list:
    """(doc, section) for every `Title, section "X"` in a reply."""
    found = []
    for doc, info in sources.documents().items():
        pattern = re.escape(info["title"]) + r', section "([^"]+)"'
        found += [(doc, m.group(1)) for m in re.finditer(pattern, text)]
    return found


def cited_sections_hold_a_quote(cited: list, quotes: list) -> bool:
    for doc, section in cited:
        try:
            body = documents.normalise(documents.section_text(doc, section))
        except KeyError:   # a cited heading the section index does not know
            continue
        if any(documents.occurs_in(q, body) for q in quotes if q and q.strip()):
            return True
    return False


def answered_with(text: str) -> tuple:
    """(topic key or None, scenario id or None) a reply was made from: a prepared answer's
    text, or a practice scenario's advice ("This is close to the situation "<title>" ...")."""
    plain = documents.normalise(text)
    topic = next((key for key in knowledge.keys()
                  if documents.normalise(knowledge.entry(key)["answer"])[:120] in plain), None)
    scenario = next((sc["id"] for sc in rehearsal.scenarios()
                     if f'close to the situation "{sc["title"].strip(chr(34))}"' in text), None)
    return topic, scenario


def score(question: dict, messages: list) -> dict:
    text = "\n\n".join(m.get("text") or "" for m in messages)
    cited = citations(text)
    verdict = any((m.get("text") or "").lstrip().startswith(VERDICT_OPENINGS) for m in messages)
    honest = not cited and not verdict and any(mark in text.lower() for mark in HONEST_MARKERS)
    if question["expect"] == "not_in_documents":
        correct = honest
        wrong_topic = bool(cited) or verdict
    else:
        topic, scenario = answered_with(text)
        labelled = (topic is not None and topic in question["topics"]) or \
            (scenario is not None and scenario in question["scenarios"])
        correct = bool(cited) and not verdict and (labelled or cited_sections_hold_a_quote(cited, question["quotes"]))
        wrong_topic = bool(cited) and not correct
    offered = [key for m in messages for b in m.get("buttons") or []
               for key in re.findall(r'"topic": "([^"]+)"', b.get("payload") or "")]
    did_you_mean = not cited and not verdict and "did you mean" in text.lower()
    return {"correct": correct, "wrong_topic": wrong_topic, "verdict": verdict, "honest": honest,
            "did_you_mean": did_you_mean, "offered_right": did_you_mean and bool(set(offered) & set(question["topics"])),
            "cited": cited, "reply": text}


def ask(url: str, text: str) -> list:
    body = json.dumps({"sender": f"bench-{uuid.uuid4().hex[:12]}", "message": text}).encode()
    request = urllib.request.Request(f"{url}/webhooks/rest/webhook", data=body,
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read().decode("utf-8"))


def wait_ready(url: str, seconds: int) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            urllib.request.urlopen(url + "/", timeout=2)
            return
        except OSError:
            time.sleep(2)
    raise SystemExit(f"no server at {url} after {seconds} s")


def serve(tree: Path):
    env = dict(os.environ, ACTION_PORT=str(ACTION_PORT), RASA_PORT=str(RASA_PORT), TRAINER_PORT="off",
               RASA_LOG="var/bench-questions-rasa.log", ACTION_LOG="var/bench-questions-actions.log")
    return subprocess.Popen(["bash", "scripts/serve.sh"], cwd=tree, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", default=str(DEFAULT_SET), help="questions YAML")
    parser.add_argument("--url", help="a running server (otherwise one is started)")
    parser.add_argument("--serve", default=str(ROOT), help="tree whose servers to start")
    parser.add_argument("--show-misses", type=int, default=0)
    parser.add_argument("--json", help="write per-question results here")
    args = parser.parse_args(argv)

    questions = load_questions(Path(args.set))
    server = None
    url = args.url
    if not url:
        url = f"http://127.0.0.1:{RASA_PORT}"
        server = serve(Path(args.serve))
    try:
        wait_ready(url, 300)
        results = []
        for q in questions:
            try:
                messages = ask(url, q["text"])
            except OSError as exc:
                messages = [{"text": f"(request failed: {exc})"}]
            results.append({**q, **score(q, messages)})
    finally:
        if server:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)

    report(results, args.set)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    if args.show_misses:
        show_misses(results, args.show_misses)
    return 0


def pct(part, whole) -> str:
    return f"{100 * part / whole:.1f}% ({part}/{whole})" if whole else "n/a (0)"


def report(results: list, name: str) -> None:
    in_docs = [r for r in results if r["expect"] != "not_in_documents"]
    situations = [r for r in results if r["expect"] == "situation"]
    out_docs = [r for r in results if r["expect"] == "not_in_documents"]
    print(f"set: {name}: {len(results)} questions ({len(in_docs)} answerable, of which "
          f"{len(situations)} situations; {len(out_docs)} not in the documents)")
    print(f"answered correctly with a citation:   {pct(sum(r['correct'] for r in in_docs), len(in_docs))}")
    if situations:
        print(f"  situations given cited advice:      {pct(sum(r['correct'] for r in situations), len(situations))}")
    print(f"honest don't-know, out-of-document:   {pct(sum(r['correct'] for r in out_docs), len(out_docs))}")
    print(f"wrong topic (all questions):          {pct(sum(r['wrong_topic'] for r in results), len(results))}")
    print(f"answered with a task verdict:         {sum(r['verdict'] for r in results)}")
    unanswered = [r for r in in_docs if not r["cited"] and not r["verdict"]]
    print(f"answerable but not answered (not sure / did you mean): {len(unanswered)}")
    print(f"  of which a 'did you mean' offering a right topic:  {sum(r['offered_right'] for r in in_docs)}")
    print(f"out-of-document with no answer claimed (honest, or 'did you mean' saying it has no clear answer): "
          f"{pct(sum(r['honest'] or r['did_you_mean'] for r in out_docs), len(out_docs))}")


def show_misses(results: list, n: int) -> None:
    # Worst first: a verdict or a wrong topic misleads; an honest miss only fails to help.
    def badness(r):
        return (2 * r["verdict"] + 2 * r["wrong_topic"] + (not r["correct"]), len(r["text"]))
    misses = sorted((r for r in results if not r["correct"]), key=badness, reverse=True)[:n]
    print(f"\n{len(misses)} worst misses:")
    for r in misses:
        kind = "VERDICT" if r["verdict"] else "WRONG TOPIC" if r["wrong_topic"] else "no answer"
        first = r["reply"].strip().split("\n")[0][:160]
        print(f"- [{kind}] ({r['expect']}) {r['text']}\n    -> {first}\n    cited: {r['cited']}")


if __name__ == "__main__":
    sys.exit(main())
