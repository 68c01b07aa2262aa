"""`spendbot`: the command line. `ingest` builds or refreshes the index; `ask` answers questions.

Exit codes: 0 done; 1 done with problems to look at (files skipped at ingest); 2 nothing
done (bad question, unusable knowledge folder).
"""

from __future__ import annotations

import argparse
import functools
import gc
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from bot.config import Settings, UserError
from bot.evaluate import THRESHOLDS

HELD_OUT = "heldout"  # sets named heldout* are the parts nothing is tuned on


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    _quiet_libraries(args.verbose)
    try:
        settings = Settings.load(args.knowledge, args.store, args.chroma_url)
        if args.command != "config":
            settings.check_knowledge()
        return args.run(args, settings)
    except BrokenPipeError:
        # `spendbot review x | head -1`: the reader has gone, which is not an error to report.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if isinstance(exc, _user_errors()):
            print(f"spendbot {args.command}: {one_line(str(exc))}", file=sys.stderr)
            return 2
        logging.getLogger("spendbot").info("unexpected error", exc_info=True)
        print(f"spendbot {args.command}: something went wrong that is not your fault; run it "
              "again with --verbose to see where.", file=sys.stderr)
        return 1


def _user_errors() -> tuple[type[Exception], ...]:
    """Errors whose message tells the user what to fix (exit 2, no trace). Imported here,
    when something has gone wrong, so start-up does not pay for modules it may not use."""
    from bot.evaluate import QuestionSetError
    from bot.review import ProposalError
    from bot.slack.app import ConfigError
    from ingest.manifest import ManifestError
    from ingest.pipeline import IngestError
    from ingest.store import StoreUnavailable

    return (UserError, ManifestError, IngestError, StoreUnavailable, ProposalError,
            QuestionSetError, ConfigError)


def one_line(message: str) -> str:
    return " ".join(message.split())


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    """--knowledge, --store, --chroma-url and -v, accepted before or after the command.

    On a subcommand they default to SUPPRESS, so a value given before the command is not
    overwritten by the subcommand's default."""
    default = {"default": argparse.SUPPRESS} if suppress else {}
    parser.add_argument("--knowledge", metavar="DIR", **default,
                        help="knowledge folder (default: $SPENDBOT_KNOWLEDGE or the bundled one)")
    parser.add_argument("--store", metavar="DIR", **default,
                        help="index location (default: $SPENDBOT_STORE, or a folder in your "
                             "data folder kept for this knowledge folder)")
    parser.add_argument("--chroma-url", metavar="URL", **default,
                        help="use Chroma's server at URL (default: $SPENDBOT_CHROMA_URL, or the "
                             "embedded store)")
    parser.add_argument("-v", "--verbose", action="store_true", **default,
                        help="log what happens")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spendbot", description="Answers about UK government technology spend control, "
                                     "quoted from the guidance with citations.")
    _global_options(parser, suppress=False)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, suppress=True)
    commands = parser.add_subparsers(required=True, metavar="COMMAND", dest="command",
                                     parser_class=lambda **kw: argparse.ArgumentParser(
                                         parents=[common], **kw))

    ingest = commands.add_parser("ingest", help="load the knowledge folder into the index")
    ingest.add_argument("--no-gate", action="store_true",
                        help="switch to the new index without checking knowledge/eval")
    ingest.add_argument("--include-withdrawn", action="store_true",
                        help="also index documents whose status is withdrawn")
    ingest.set_defaults(run=_ingest)

    rollback = commands.add_parser("rollback", help="switch back to the previous index")
    rollback.set_defaults(run=_rollback)

    add = commands.add_parser("add", help="fetch a GOV.UK page into the knowledge folder")
    add.add_argument("url", help="a https://www.gov.uk/... page")
    add.add_argument("--id", help="document id (default: from the page's address)")
    add.set_defaults(run=_add)

    sync = commands.add_parser("sync", help="update the knowledge folder's GOV.UK pages")
    sync.add_argument("--dry-run", action="store_true", help="report without writing")
    sync.add_argument("--timeout", type=float, default=20.0, metavar="SECONDS",
                      help="give up on a page after this long (default 20)")
    sync.set_defaults(run=_sync)

    report = commands.add_parser("report", help="what users ask: questions, gaps, feedback")
    report.add_argument("--html", metavar="FILE", type=Path,
                        help="also write one self-contained page with charts")
    report.set_defaults(run=_report)

    ask = commands.add_parser("ask", help="answer a question (or '-': one per line on stdin)")
    ask.add_argument("question", nargs="+", help="the question, or - to read stdin")
    ask.add_argument("--format", choices=("text", "json"), default="text")
    ask.add_argument("--full", action="store_true",
                     help="show every passage found, not only the short answer")
    ask.add_argument("--history", action="append", default=[], metavar="TURN",
                     help="an earlier question in the conversation (repeatable, oldest first)")
    ask.set_defaults(run=_ask)

    review = commands.add_parser("review", help="review a proposal against the code of practice")
    review.add_argument("file", help="a .txt, .md, .docx or .pdf file, or - for standard input")
    review.add_argument("--format", choices=("text", "json"), default="text")
    review.set_defaults(run=_review)

    serve = commands.add_parser("serve", help="run the Slack app over HTTP (gunicorn, $PORT)")
    serve.set_defaults(run=lambda args, settings: _slack("serve", settings))
    socket = commands.add_parser("socket", help="run the Slack app in Socket Mode")
    socket.set_defaults(run=lambda args, settings: _slack("socket", settings))

    config = commands.add_parser("config", help="show the settings in effect (secrets masked)")
    config.set_defaults(run=_config)

    evaluate = commands.add_parser("eval", help="score answers against a question set")
    evaluate.add_argument("questions", nargs="*", type=Path,
                          help="YAML or JSON question sets, or folders of them (default: the "
                               "knowledge folder's eval/ sets, each reported on its own)")
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


def _config(args: argparse.Namespace, settings: Settings) -> int:
    rows = settings.described()
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name.ljust(width)}  {value}")
    return 0


def _ingest(args: argparse.Namespace, settings: Settings) -> int:
    from bot import core
    from bot.evaluate import QuestionSetError
    from ingest.blocks import printable  # file names and reasons may hold control chars
    from ingest.pipeline import IngestError
    from ingest.store import StoreUnavailable

    try:
        report = core.ingest(settings, progress=_progress_bar, gate=not args.no_gate,
                             include_withdrawn=args.include_withdrawn)
    except (IngestError, StoreUnavailable, QuestionSetError) as exc:
        raise UserError(f"{printable(str(exc))}. The previous index, if any, is "
                        "unchanged.") from exc
    for warning in report.warnings:
        print(f"warning: {printable(warning)}", file=sys.stderr)
    for name, reason in report.failed:
        print(f"skipped {printable(name)}: {printable(reason)}", file=sys.stderr)
    for line in _change_lines(report, args):
        print(line)
    if report.refused:
        print("Not switched: the new index fails the gate; the previous index, if any, keeps "
              "answering. Fix the guidance or the questions, or use --no-gate.",
              file=sys.stderr)
        return 1
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


def _change_lines(report, args: argparse.Namespace) -> list[str]:
    """The change report and the gate's verdict, as `spendbot ingest` prints them."""
    lines = ["Changes:", *report.changes.lines()] if not report.changes.empty else [
        "No documents or sections changed."]
    lines += [f"withdrawn, left out of answers: {name}" for name in report.withdrawn]
    if args.no_gate and report.switched:
        lines.append("gate: skipped (--no-gate): the new index was switched in unchecked")
    elif report.gate is not None:
        lines += report.gate.lines()
    elif not report.switched:
        lines.append("gate: not run (the index answering now is unchanged)")
    return lines


def _rollback(args: argparse.Namespace, settings: Settings) -> int:
    from bot import core
    from ingest.store import IngestLocked, NothingToRollBack, StoreUnavailable

    try:
        target = core.open_store(settings)
        with target.ingest_lock():
            left, now = target.rollback()
    except (NothingToRollBack, IngestLocked, StoreUnavailable) as exc:
        raise UserError(str(exc)) from exc
    print(f"Rolled back: {now} answers now (was {left}); "
          f"{len(target.previous_names())} earlier index(es) still kept.")
    return 0


def _add(args: argparse.Namespace, settings: Settings) -> int:
    from bot import govuk

    try:
        added = govuk.add_page(settings.knowledge_dir, args.url, args.id)
    except govuk.NotGovukPage as exc:
        raise UserError(str(exc)) from exc
    except (govuk.Unreachable, govuk.Withdrawn, FileExistsError, ValueError) as exc:
        raise UserError(f"nothing added: {exc}") from exc
    print(f"Added {added.title!r} ({added.url}, updated {added.date}) as {added.file}, "
          f"id {added.doc_id}. Run `spendbot ingest` to answer from it.")
    return 0


def _sync(args: argparse.Namespace, settings: Settings) -> int:
    from bot import govuk

    report = govuk.sync(settings.knowledge_dir, dry_run=args.dry_run, timeout=args.timeout)
    for result in report.results:
        print(result.line())
    counts = ", ".join(f"{report.count(o)} {o}" for o in
                       ("changed", "unchanged", "withdrawn", "unreachable", "skipped"))
    print(f"{len(report.results)} GOV.UK document(s): {counts}.")
    if args.dry_run:
        print("Dry run: nothing was written.")
    elif report.written:
        print("Run `spendbot ingest` to answer from the changes.")
    return 1 if report.count("unreachable") else 0


def _to_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _collector_paused(command: Callable[[argparse.Namespace, Settings], int]
                      ) -> Callable[[argparse.Namespace, Settings], int]:
    """Run an answering command with the cyclic garbage collector paused until it has
    answered (or `_settle_heap` is called sooner), then freeze what it loaded.

    Loading an answerer (imports, the index, the query encoder, the state database) makes
    ~150,000 objects that live until exit and almost no garbage. Re-scanning them, in
    collections while loading and in each collection at interpreter exit, was ~0.7 s of a
    cold `spendbot ask` (gc.callbacks and perf). Frozen, they are never scanned again; what
    later answers allocate is collected as usual. A first ask that has to ingest runs paused
    too: peak RSS 777 MB against 767 MB."""
    @functools.wraps(command)
    def run(args: argparse.Namespace, settings: Settings) -> int:
        gc.disable()
        try:
            return command(args, settings)
        finally:
            _settle_heap()

    return run


def _settle_heap() -> None:
    """Freeze every object allocated so far, then (re)start the cyclic garbage collector."""
    gc.freeze()
    gc.enable()


@_collector_paused
def _ask(args: argparse.Namespace, settings: Settings) -> int:
    from bot import core
    from bot.answer import Status
    from bot.render import as_json, as_text

    answerer = core.build_answerer(settings, notify=_to_stderr)
    answerer.retriever.snapshot()  # reach the store now, not mid-answer

    def render(answer) -> str:
        return as_json(answer) if args.format == "json" else as_text(answer, full=args.full)

    timed = []
    if args.question == ["-"]:
        for n, question in enumerate(_stdin_questions()):
            if n and args.format == "text":
                print("\n" + "─" * 60 + "\n")
            started = time.perf_counter()
            answer = answerer.ask(question)
            timed.append((answer, (time.perf_counter() - started) * 1000))
            print(render(answer), flush=True)
            if not n:
                _settle_heap()  # loaded: later questions' garbage is collected
        _log_questions(settings, timed)
        return 0
    started = time.perf_counter()
    answer = answerer.ask(" ".join(args.question), args.history)
    timed.append((answer, (time.perf_counter() - started) * 1000))
    print(render(answer))
    _log_questions(settings, timed)
    return 2 if answer.status in (Status.EMPTY, Status.TOO_LONG) else 0


def _log_questions(settings: Settings, timed: list) -> None:
    """Log the command line's questions where Slack's go, for `spendbot report`."""
    from bot import core, report, spool

    try:
        if settings.database_url:
            report.log_answers(core.open_state(settings), timed)
        else:  # saved by the next command to open the database: see bot/spool.py
            spool.append(spool.spool_path(settings.state_file),
                         [spool.answer_row(answer, report.CLI_CHANNEL, None, round(ms, 1))
                          for answer, ms in timed])
    except Exception as exc:  # the answer is given; a missing log entry is only a warning
        print(f"warning: could not log the question in the state database: {exc}",
              file=sys.stderr)


def _report(args: argparse.Namespace, settings: Settings) -> int:
    from bot import core, report

    state = core.open_state(settings)
    usage = report.summarise(state.questions(), state.feedback())
    print(report.as_text(usage))
    if args.html:
        args.html.write_text(report.as_html(usage), encoding="utf-8")
        print(f"\nWrote {args.html}.")
    return 0


def _evaluate(args: argparse.Namespace, settings: Settings) -> int:
    from bot import core, evaluate

    cases = evaluate.load_sets(args.questions or [settings.knowledge_dir / "eval"])
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
    by_part = evaluate.parts(results)
    minimums = {name: getattr(args, f"min_{name}") for name in evaluate.THRESHOLDS}
    failed = [f"{part}: {line}" for part, group in by_part.items()
              for line in evaluate.failed_thresholds(evaluate.metrics(group), minimums)]
    # Calibration looks only at the parts that may be tuned on, never the held-out one.
    sweep = evaluate.calibrate([r for r in results if not r.case.part.startswith(HELD_OUT)]) \
        if args.calibrate else []
    if args.format == "json":
        print(json.dumps({
            "answerer": kind, "retrieval": args.retrieval,
            "min_relevance": answerer.min_relevance,
            "metrics": scores,
            "by_part": {part: evaluate.metrics(group) for part, group in by_part.items()},
            "by_document": evaluate.by_document(results),
            "failed_thresholds": failed,
            **({"calibration": sweep, "suggested_threshold": evaluate.best_threshold(sweep)}
               if sweep else {}),
            "questions": [{"question": r.case.question, "correct": r.correct, "rank": r.rank,
                           "answered": r.answer.answered, "top_relevance": r.top_relevance,
                           "ms": round(r.seconds * 1000, 1), "cited": r.cited_docs,
                           "part": r.case.part, "kind": r.case.kind,
                           "reason": str(r.answer.reason), "words": r.words}
                          for r in results]}, ensure_ascii=False))
    else:
        print(f"{len(cases)} questions, {args.retrieval} retrieval, refusal threshold "
              f"{answerer.min_relevance}")
        for part, group in by_part.items():
            label = " (held out: never tuned on)" if part.startswith(HELD_OUT) else ""
            print(f"\n== {part}{label}: {len(group)} questions\n")
            print(evaluate.table(group, every_question=args.all))
        if sweep:
            print("\nthreshold  answered  refused  balanced")
            for row in sweep:
                print(f"  {row['threshold']:.2f}     {row['answered']:.2f}     "
                      f"{row['refused']:.2f}     {row['balanced']:.3f}")
            print(f"suggested threshold: {evaluate.best_threshold(sweep)}")
        for line in failed:
            print(f"under threshold: {line}", file=sys.stderr)
    return bool(failed)


@_collector_paused
def _review(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from bot import core
    from bot.render import review_as_text
    from bot.review import read_proposal

    text = read_proposal(args.file)
    answerer = core.build_answerer(settings, notify=_to_stderr)
    review = core.build_reviewer(settings, answerer).review(text)
    print(json.dumps(review.to_dict(), ensure_ascii=False) if args.format == "json"
          else review_as_text(review))
    return 0


def _slack(mode: str, settings: Settings) -> int:
    from bot.slack import web

    return web.serve(settings) if mode == "serve" else web.socket(settings)


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
