"""Trainer commands for the onboarding path: assign-onboarding, onboarding-report, onboarding-delete.

Heavy imports stay inside the handlers so that other `python -m bot` commands start fast.
"""
import sys


def register_cli(sub) -> None:
    p = sub.add_parser("assign-onboarding", help="create an onboarding code for a group; prints the code")
    p.add_argument("--title", required=True)
    p.set_defaults(run=_guard(_assign))

    p = sub.add_parser("onboarding-report", help="per learner: lessons done, check items missed, pre/post gain")
    p.add_argument("code")
    p.set_defaults(run=_guard(_report))

    p = sub.add_parser("onboarding-delete", help="delete a learner's onboarding record (data-deletion request)")
    p.add_argument("name")
    p.add_argument("--code", help="only the record under this onboarding code")
    p.set_defaults(run=_guard(_delete))


def _guard(handler):
    def run(args):
        from bot.store import StoreError

        try:
            return handler(args) or 0
        except StoreError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
    return run


def _assign(args):
    from bot.onboarding import clock
    from bot.onboarding.progress import Progress

    code = Progress().create_assignment(args.title, clock.now())
    print(code)
    print(f"Created onboarding \"{' '.join(args.title.split())}\". Learners type the code {code} in the chat "
          "(or say \"start onboarding\" and give it with their name).", file=sys.stderr)


def _report(args):
    from bot.onboarding import lessons

    print(format_report(onboarding_report(args.code), lessons.load()))


def _delete(args):
    from bot.onboarding.progress import Progress

    deleted = Progress().delete_learner(args.name, code=args.code)
    print(f"Deleted {deleted} onboarding record(s) for \"{' '.join(args.name.split())}\" "
          "(with their answers and review items).")


def onboarding_report(code, progress=None) -> dict:
    """What `onboarding-report` and the trainer app show: bot.onboarding.engine.report for the
    code, plus per learner the titles of the lessons done and to do, and each missed check
    item with its question. Raises UnknownOnboardingCode."""
    from bot.onboarding import engine, lessons
    from bot.onboarding.progress import Progress

    path = lessons.load()
    report = engine.report((progress or Progress()).report_rows(code))
    titles = [lesson.title for lesson in path.lessons]
    for row in report["learners"]:
        row["lessons_done_titles"] = titles[:row["lessons_done"]]
        row["lessons_to_do_titles"] = titles[row["lessons_done"]:]
        row["missed_items"] = [{"id": item_id, "question": _question(path, item_id)} for item_id in row["missed"]]
    return report


def _question(path, item_id) -> str:
    item = path.items.get(item_id)
    return " ".join((item.question if item else "").split())


def format_report(report: dict, path) -> str:
    a = report["assignment"]
    lines = [f"{a['title']} ({a['code']}): onboarding path, {len(path.lessons)} lessons, "
             f"pre/post-check of {len(path.pre_check)} items", ""]
    learners = report["learners"]
    lines.append(f"Learners: {len(learners)}")
    rows = [[r["name"][:30], f"{r['lessons_done']}/{r['lessons_total']}", "finished" if r["finished"] else "in progress",
             _score(r["pre"]), _score(r["post"]), _gain(r["gain"]), len(r["missed"]),
             r["last_seen_at"].strftime("%Y-%m-%d %H:%M")] for r in learners]
    if rows:
        lines += _table(["Learner", "Lessons", "Status", "Pre", "Post", "Gain", "Missed", "Last seen (UTC)"], rows)
    group = report["group"]
    lines.append("")
    if group:
        lines.append(f"Group ({group['learners']} finished): pre {group['pre_mean']:.1f} -> post "
                     f"{group['post_mean']:.1f} of {group['items']}, mean gain {group['gain_mean']:+.1f}")
    else:
        lines.append("Group gain: nobody has finished the path yet.")
    missed = [(r["name"], i) for r in learners for i in r["missed_items"]]
    lines += ["", "Check items missed:"]
    if not missed:
        lines.append("  none yet")
    for name, item in missed:
        lines.append(f"  {name}: {item['id']}: {item['question'][:80]}")
    return "\n".join(lines)


def _score(value):
    return "-" if value is None else str(value)


def _gain(value):
    return "-" if value is None else f"{value:+d}"


def _table(header, rows):
    rows = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    fmt = "  " + "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*header).rstrip(), fmt.format(*("-" * w for w in widths))] + [fmt.format(*r).rstrip() for r in rows]
