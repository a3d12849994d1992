"""`python -m bot grade [--json] [TEXT]`: grade described tasks (one per line of stdin without TEXT).

A pasted job description gets a verdict per duty (headings and blank lines skipped) and,
in the text output, a summary line ("14 duties: 11 in role, 2 out of role (clinical), 1 depends").
With --json every duty is one JSON object per line and nothing else is printed.
"""
import json
import sys


def register_cli(subparsers):
    p = subparsers.add_parser("grade", help="is a described task in a peer's role? (one per line of stdin without TEXT)")
    p.add_argument("--json", action="store_true", help="one JSON object per task")
    p.add_argument("text", nargs="*", help="the task or situation; omit to read one task per line from stdin")
    p.set_defaults(run=run)


def run(args) -> int:
    from bot.grading import grade, human, summary
    from bot.grading.framing import task_lines

    tasks = [" ".join(args.text)] if args.text else task_lines(sys.stdin)
    verdicts = []
    for i, text in enumerate(tasks):
        verdict = grade(text)
        verdicts.append(verdict)
        if args.json:
            print(json.dumps(verdict.to_json(), ensure_ascii=False))
        else:
            print(("\n" if i else "") + human(verdict))
        sys.stdout.flush()
    if not args.json and len(verdicts) > 1:
        print("\n" + summary(verdicts))
    if not tasks and not args.json:
        print("No task to grade: give one as an argument, or paste duties one per line on standard input.")
    return 0
