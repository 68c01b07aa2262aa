"""`spendbot`: the command line. `ingest` builds or refreshes the index; `ask` answers questions.

Exit codes: 0 done; 1 done with problems to look at (files skipped at ingest); 2 nothing
done (bad question, unusable knowledge folder).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Iterator
from pathlib import Path

from bot.config import BUNDLED_KNOWLEDGE, Settings
from bot.evaluate import THRESHOLDS

GOLDEN = BUNDLED_KNOWLEDGE / "eval" / "golden.yaml"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    _quiet_libraries(args.verbose)
    settings = Settings.load(args.knowledge, args.store, args.chroma_url)
    return args.run(args, settings)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spendbot", description="Answers about UK government technology spend control, "
                                     "quoted from the guidance with citations.")
    parser.add_argument("--knowledge", metavar="DIR",
                        help="knowledge folder (default: $SPENDBOT_KNOWLEDGE or the bundled one)")
    parser.add_argument("--store", metavar="DIR",
                        help="index location (default: $SPENDBOT_STORE or your data folder)")
    parser.add_argument("--chroma-url", metavar="URL",
                        help="use Chroma's server at URL (default: $SPENDBOT_CHROMA_URL, or the "
                             "embedded store)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="load the knowledge folder into the index")
    ingest.set_defaults(run=_ingest)

    ask = commands.add_parser("ask", help="answer a question (or '-': one per line on stdin)")
    ask.add_argument("question", nargs="+", help="the question, or - to read stdin")
    ask.add_argument("--format", choices=("text", "json"), default="text")
    ask.add_argument("--history", action="append", default=[], metavar="TURN",
                     help="an earlier question in the conversation (repeatable, oldest first)")
    ask.set_defaults(run=_ask)

    review = commands.add_parser("review", help="review a proposal against the code of practice")
    review.add_argument("file", help="a .txt, .md, .docx or .pdf file, or - for standard input")
    review.add_argument("--format", choices=("text", "json"), default="text")
    review.set_defaults(run=_review)

    serve = commands.add_parser("serve", help="run the Slack app over HTTP (gunicorn, $PORT)")
    serve.set_defaults(run=lambda args, settings: _slack("serve"))
    socket = commands.add_parser("socket", help="run the Slack app in Socket Mode")
    socket.set_defaults(run=lambda args, settings: _slack("socket"))

    evaluate = commands.add_parser("eval", help="score answers against a question set")
    evaluate.add_argument("questions", nargs="?", type=Path, default=GOLDEN,
                          help=f"YAML or JSON question set (default: {GOLDEN.name})")
    evaluate.add_argument("--format", choices=("table", "json"), default="table")
    evaluate.add_argument("--all", action="store_true", help="list every question, not misses")
    evaluate.add_argument("--retrieval", choices=("hybrid", "dense"), default="hybrid",
                          help="dense: Chroma alone, without the word index (for comparison)")
    evaluate.add_argument("--min-relevance", type=float, default=None,
                          help="refusal threshold to use instead of the built-in one")
    evaluate.add_argument("--answerer", choices=("auto", "extractive", "generative", "both"),
                          default="extractive",
                          help="which answerer to score; both: side by side (needs SPENDBOT_LLM)")
    evaluate.add_argument("--calibrate", action="store_true",
                          help="show how refusal thresholds trade answered against refused")
    for name in THRESHOLDS:
        evaluate.add_argument(f"--min-{name.replace('_', '-')}", type=float, metavar="X",
                              help=f"exit 1 if {name} is under X")
    evaluate.set_defaults(run=_evaluate)
    return parser


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from bot import core
    from ingest.blocks import printable  # file names and reasons may hold control chars
    from ingest.pipeline import IngestError
    from ingest.store import StoreUnavailable

    try:
        report = core.ingest(settings, progress=_progress_bar)
    except (IngestError, StoreUnavailable) as exc:
        print(f"spendbot ingest: {printable(str(exc))}. The previous index, if any, is "
              "unchanged.",
              file=sys.stderr)
        return 2
    for warning in report.warnings:
        print(f"warning: {printable(warning)}", file=sys.stderr)
    for name, reason in report.failed:
        print(f"skipped {printable(name)}: {printable(reason)}", file=sys.stderr)
    print(f"Ingested {report.summary()}.")
    try:
        core.open_state(settings).record_ingest(report)
    except Exception as exc:  # the index is built; a missing record is only a warning
        print(f"warning: could not record this run in the state database: {exc}",
              file=sys.stderr)
    if report.failed:
        print(f"{len(report.failed)} file(s) skipped; any earlier version of them is still "
              "indexed.", file=sys.stderr)
        return 1
    return 0


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot import core
    from bot.answer import Status
    from bot.render import as_json, as_text
    from ingest.store import StoreUnavailable

    try:
        answerer = core.build_answerer(settings, notify=_to_stderr)
        answerer.retriever.collection()  # reach the store now, not mid-answer
    except StoreUnavailable as exc:
        print(f"spendbot ask: {exc}", file=sys.stderr)
        return 2
    render = as_json if args.format == "json" else as_text
    if args.question == ["-"]:
        for n, question in enumerate(_stdin_questions()):
            if n and args.format == "text":
                print("\n" + "─" * 60 + "\n")
            print(render(answerer.ask(question)), flush=True)
        return 0
    answer = answerer.ask(" ".join(args.question), args.history)
    print(render(answer))
    return 2 if answer.status in (Status.EMPTY, Status.TOO_LONG) else 0


def _evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from bot import core, evaluate

    try:
        cases = evaluate.load_cases(args.questions)
    except evaluate.QuestionSetError as exc:
        print(f"spendbot eval: {exc}", file=sys.stderr)
        return 2
    kinds = ["extractive", "generative"] if args.answerer == "both" else [args.answerer]
    failed_any = False
    for kind in kinds:
        try:
            answerer = core.build_answerer(settings, notify=_to_stderr, retrieval=args.retrieval,
                                           min_relevance=args.min_relevance, answerer=kind)
        except ValueError as exc:
            print(f"spendbot eval: {exc}", file=sys.stderr)
            return 2
        if len(kinds) > 1 and args.format == "table":
            print(f"== {kind} answerer")
        failed_any |= _score(args, cases, answerer, kind)
    return 1 if failed_any else 0


def _score(args: argparse.Namespace, cases: list, answerer, kind: str) -> bool:
    """Print one answerer's scores; True when a metric is under its --min-* threshold."""
    import json

    from bot import evaluate

    evaluate.run_cases(answerer, cases[:3])  # warm-up: load the index and word statistics
    results = evaluate.run_cases(answerer, cases)
    scores = evaluate.metrics(results)
    minimums = {name: getattr(args, f"min_{name}") for name in evaluate.THRESHOLDS}
    failed = evaluate.failed_thresholds(scores, minimums)
    sweep = evaluate.calibrate(results) if args.calibrate else []
    if args.format == "json":
        print(json.dumps({
            "answerer": kind, "retrieval": args.retrieval,
            "min_relevance": answerer.min_relevance,
            "metrics": scores, "by_document": evaluate.by_document(results),
            "failed_thresholds": failed,
            **({"calibration": sweep, "suggested_threshold": evaluate.best_threshold(sweep)}
               if sweep else {}),
            "questions": [{"question": r.case.question, "correct": r.correct, "rank": r.rank,
                           "answered": r.answer.answered, "top_relevance": r.top_relevance,
                           "ms": round(r.seconds * 1000, 1), "cited": r.cited_docs}
                          for r in results]}, ensure_ascii=False))
    else:
        print(f"{len(cases)} questions, {args.retrieval} retrieval, refusal threshold "
              f"{answerer.min_relevance}\n")
        print(evaluate.table(results, every_question=args.all))
        if sweep:
            print("\nthreshold  answered  refused  balanced")
            for row in sweep:
                print(f"  {row['threshold']:.2f}     {row['answered']:.2f}     "
                      f"{row['refused']:.2f}     {row['balanced']:.3f}")
            print(f"suggested threshold: {evaluate.best_threshold(sweep)}")
        for line in failed:
            print(f"under threshold: {line}", file=sys.stderr)
    return bool(failed)


def _review(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from bot import core
    from bot.render import review_as_text
    from bot.review import ProposalError, read_proposal

    try:
        text = read_proposal(args.file)
        answerer = core.build_answerer(settings, notify=_to_stderr)
        review = core.build_reviewer(settings, answerer).review(text)
    except ProposalError as exc:
        print(f"spendbot review: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(review.to_dict(), ensure_ascii=False) if args.format == "json"
          else review_as_text(review))
    return 0


def _slack(mode: str) -> int:
    from bot.slack import web

    return web.serve() if mode == "serve" else web.socket()


def _stdin_questions() -> Iterator[str]:
    for line in sys.stdin:
        if line.strip():
            yield line.rstrip("\n")


class _Bar:
    def __init__(self, total: int) -> None:
        from tqdm import tqdm

        self._bar = tqdm(total=total, unit="chunk", desc="Embedding", file=sys.stderr,
                         disable=not sys.stderr.isatty() or total == 0)

    def update(self, n: int) -> None:
        self._bar.update(n)

    def close(self) -> None:
        self._bar.close()


def _progress_bar(total: int) -> _Bar:
    return _Bar(total)


def _quiet_libraries(verbose: bool) -> None:
    """Library chatter (weight-loading bars, telemetry notices) is not for our users."""
    import os

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "info" if verbose else "error")
    os.environ.setdefault("TRANSFORMERS_NO_ADVISORY_WARNINGS", "1")
    for name in ("chromadb", "httpx", "sentence_transformers", "transformers"):
        logging.getLogger(name).setLevel(logging.INFO if verbose else logging.ERROR)


if __name__ == "__main__":
    sys.exit(main())
