"""`python -m bot ...`: the command line. Each subcommand lives beside the code it runs."""
import argparse
import importlib
import sys

# Modules that add subcommands through register_cli(subparsers); they import heavy
# libraries only inside their handlers so that `python -m bot` starts fast.
CLI_MODULES = ("bot.store_cli", "bot.grade_cli", "bot.onboarding.cli")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Peer-role training assistant tools")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("build-pipeline", help="build the spaCy pipeline to var/spacy_en (set-up does this)")
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--check", action="store_true", help="exit 1 unless the pipeline is built")
    p.set_defaults(run=_build_pipeline)

    p = sub.add_parser("model-info", help="the meaning model's provenance, and a test embedding")
    p.set_defaults(run=_model_info)

    p = sub.add_parser("warm-caches", help="build the grader, rehearsal and answer caches under var/ (set-up does this)")
    p.set_defaults(run=_warm_caches)

    for module in CLI_MODULES:
        importlib.import_module(module).register_cli(sub)
    args = parser.parse_args(argv)
    return args.run(args) or 0


def _build_pipeline(args) -> int:
    from bot import nlp

    if args.check:
        return 0 if nlp.is_built() else 1
    if not nlp.is_built():
        path = nlp.build()
        if not args.quiet:
            print(f"built spaCy pipeline at {path}")
    _model_info(args)
    return 0


def _warm_caches(args) -> int:
    """One process trains or loads every content-derived cache, so the first chat message of
    each kind does not wait for it. Quick when the caches already match the content."""
    from bot import knowledge, reply_evaluator
    from bot.grading import model

    model.load()
    reply_evaluator.classifiers()
    knowledge.warm_up()
    return 0


def _model_info(args) -> int:
    """Loads the meaning model once (checking its hash) so a broken install fails at set-up."""
    import time

    from bot import embedding

    start = time.perf_counter()
    vector = embedding.embed_one("A peer supporter shares lived experience.")
    if not getattr(args, "quiet", False):
        for key, value in embedding.info().items():
            print(f"{key}: {value}")
        print(f"loaded and embedded one sentence in {time.perf_counter() - start:.2f}s "
              f"(norm {float((vector ** 2).sum()) ** 0.5:.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
