"""`python -m bot grade [--json] [TEXT]`: grade described tasks (one per line of stdin without TEXT)."""
import json
import sys


def register_cli(subparsers):
    p = subparsers.add_parser("grade", help="is a described task in a peer's role? (one per line of stdin without TEXT)")
    p.add_argument("--json", action="store_true", help="one JSON object per task")
    p.add_argument("text", nargs="*", help="the task or situation; omit to read one task per line from stdin")
    p.set_defaults(run=run)


def task_lines(stream) -> list:
    """The tasks in pasted text, one per non-blank line, bullets cleaned. When the paste is a
    bulleted list (a job description), its un-bulleted short or all-caps lines are section
    headings ("ESSENTIAL JOB DUTIES", "Administrative"), not tasks, and are skipped."""
    from bot.grader import clean, is_bulleted

    raw = [line.strip() for line in stream if line.strip()]
    bulleted = [is_bulleted(line) for line in raw]
    tasks = []
    for line, has_bullet in zip(raw, bulleted):
        text = clean(line)
        if not text or not any(c.isalpha() for c in text):
            continue
        if any(bulleted) and not has_bullet and (text.isupper() or len(text.split()) <= 3):
            continue
        tasks.append(text)
    return tasks


def human(verdict) -> str:
    from bot.grader import describe

    lines = [f"{verdict.task}", f"  {describe(verdict)} (confidence {verdict.confidence:.2f})"]
    lines += [f"  - {reason}" for reason in verdict.reasons]
    if verdict.sources:
        lines.append("  Source: " + "; ".join(verdict.sources))
    return "\n".join(lines)


def run(args) -> int:
    from bot.grader import grade

    tasks = [" ".join(args.text)] if args.text else task_lines(sys.stdin)
    for i, text in enumerate(tasks):
        verdict = grade(text)
        if args.json:
            print(json.dumps(verdict.to_json(), ensure_ascii=False))
        else:
            print(("\n" if i else "") + human(verdict))
        sys.stdout.flush()
    return 0
