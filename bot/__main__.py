"""`python -m bot ...`: the command line. Each subcommand lives beside the code it runs."""
import argparse
import importlib
import sys

# Modules that add subcommands through register_cli(subparsers); they import heavy
# libraries only inside their handlers so that `python -m bot` starts fast.
CLI_MODULES = ("bot.store_cli", "bot.grade_cli")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Peer-role training assistant tools")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build-pipeline", help="build the spaCy pipeline to var/spacy_en (set-up does this)")
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(run=_build_pipeline)

    for module in CLI_MODULES:
        importlib.import_module(module).register_cli(sub)
    args = parser.parse_args(argv)
    return args.run(args) or 0


def _build_pipeline(args) -> int:
    from bot import nlp

    if nlp.is_built():
        return 0
    path = nlp.build()
    if not args.quiet:
        print(f"built spaCy pipeline at {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
