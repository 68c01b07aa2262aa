"""Benchmark: gunicorn with the answerer loaded per worker, or once before the fork (--preload).

Starts the real gunicorn (`sys.executable -m gunicorn`, 2 workers, 8 threads, as the
Procfile) three ways over the same index:

  per-worker   'bot.slack.web:create_web_app()'            each worker loads in a thread
  preload      'bot.slack.web:create_web_app(load="now")'  with --preload: the master loads
  model-first  'bot.slack.web:create_web_app()'            as per-worker, after a config hook
               in the master has loaded the code and the query encoder (MODEL_FIRST below)

with dummy Slack credentials and SLACK_API_URL at a fake Slack Web API on loopback (it
records the replies, so the check below can see an answer; nothing reaches Slack). For each:
seconds until /healthz first answers 200, and until the workers' memory settles; then RSS,
PSS and USS (private pages) of the master and each worker from /proc/PID/smaps_rollup; then
signed app_mention events, each of which must come back as an answer in chat.update (so a
preloaded worker is shown to work across the fork, Chroma's client included), and the memory
again after answering. Prints a table and stops gunicorn.

    python bench/preload.py                # builds an index in a temporary store first
    python bench/preload.py --store DIR    # an index already built (`spendbot ingest --store`)

Figures (2 cores, shared; CPU embedder; bundled knowledge: 6 documents, 120 chunks;
SQLite state), MB:

                            idle, both loaded         after 6 answers
              process       RSS     PSS     USS       RSS     PSS     USS
per-worker    master         26      15      13        26      15      13
per-worker    worker 1      286     240     228       320     274     261
per-worker    worker 2      287     241     228       304     258     246
per-worker    total         600     497     469       650     547     519
preload       master        289     100      13       289     108      19
preload       worker 1      237      84       9       244      90      16
preload       worker 2      237      84       9       244      90      16
preload       total         762     268      31       777     288      50
model-first   master        246     100      33       246     101      35
model-first   worker 1      267     125      60       314     172     108
model-first   worker 2      265     123      59       275     133      69
model-first   total         779     349     153       835     406     211

First /healthz 200: per-worker 9.5 s, preload 4.3 s, model-first 6.8 s (another run: 10.9,
4.9, 6.0; the CPU is shared, so read these loosely). "Both loaded" adds ~10 s of this
script's own settling for every mode. PSS is the figure to compare (RSS counts shared pages
once per process); a second run agreed within 10-35 MB of total PSS.

  per-worker   answered 6/6.
  preload      answered 0/6: the first event is acked (200), then the worker never replies
               and the next request times out. Stacks of the hung worker (faulthandler):
               the answering thread is stuck inside Chroma's Rust client
               (chromadb/api/rust.py create_collection, from get_or_create_collection in
               ingest/store.py) opened in the master before the fork; in one run a second
               thread waited in the state database's commit as well. The state database
               alone survives a fork (bot/state.py drops inherited pooled connections in
               the child); the embedded Chroma client does not.
  model-first  answered 6/6.

Decision: keep loading per worker (the Procfile as it is). --preload would cut
memory most (total PSS 497 -> 268 MB idle) but a preloaded worker cannot answer: embedded
Chroma's client does not survive the fork. It could only work with Chroma opened after the
fork (a post_fork hook or a lazily opened store) or with a Chroma server (SPENDBOT_CHROMA_URL),
which this script did not measure. "model-first" (a gunicorn on_starting hook that imports
the code and loads the NumPy query encoder in the master, leaving Chroma to each worker)
works and cuts total PSS by ~30% (497 -> 349 MB idle, 547 -> 406 MB after answering), and
first readiness by ~3 s; adopting it needs a gunicorn config file in the package and
`-c` in the Procfile: a follow-up, not made here.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests")]

from fakeslack import SECRET, FakeSlack, event, mention, post  # noqa: E402

# A gunicorn config whose hook runs in the master before it forks: the code and the
# query encoder's weights (the NumPy copy of the model) are loaded there and shared, while
# each worker still opens Chroma itself, after the fork.
MODEL_FIRST = """
def on_starting(server):
    import chromadb  # noqa: F401
    import bot.slack.web  # noqa: F401
    from ingest.embedding import _light_encoder, model_path
    _light_encoder(model_path())
"""
MODES = {
    "per-worker": ([], "bot.slack.web:create_web_app()"),
    "preload": (["--preload"], 'bot.slack.web:create_web_app(load="now")'),
    "model-first": (["-c", "{tmp}/model_first.py"], "bot.slack.web:create_web_app()"),
}
QUESTIONS = ["What are the red lines?", "Who does the service manager report to?",
             "When do I need spend control approval?", "What is the Technology Code of Practice?",
             "Do I need approval to renew a contract?", "What are the spend thresholds?"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory(pid: int) -> dict[str, float]:
    """RSS, PSS and USS in MB from smaps_rollup."""
    fields = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, value, *_ = line.split()
        fields[name.rstrip(":")] = int(value) / 1024
    return {"rss": fields["Rss"], "pss": fields["Pss"],
            "uss": fields["Private_Clean"] + fields["Private_Dirty"]}


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parts = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(parts[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


def health(port: int) -> int:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as reply:
            return reply.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def blocks_text(blocks: list[dict]) -> str:
    out = []
    for block in blocks:
        if block.get("text"):
            out.append(block["text"]["text"])
        out += [e.get("text", "") for e in block.get("elements", []) if isinstance(e, dict)
                and isinstance(e.get("text"), str)]
    return "\n".join(out)


def run(mode: str, store: Path, tmp: Path, fake: FakeSlack) -> dict:
    flags, app = MODES[mode]
    flags = [flag.format(tmp=tmp) for flag in flags]
    (tmp / "model_first.py").write_text(MODEL_FIRST)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPENDBOT_", "SLACK_"))}
    env.update(SPENDBOT_STORE=str(store), SPENDBOT_STATE=str(tmp / f"{mode}.sqlite3"),
               SLACK_BOT_TOKEN="xoxb-bench", SLACK_SIGNING_SECRET=SECRET,
               SLACK_API_URL=fake.url, PYTHONPATH=str(REPO),
               PYTHONFAULTHANDLER="1")  # a hung worker sent SIGSEGV prints every stack
    log = open(tmp / f"{mode}.log", "w+")
    started = time.monotonic()
    master = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "8",
         "--timeout", "60", "--bind", f"127.0.0.1:{port}", *flags, app],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    result: dict = {"mode": mode}
    try:
        while health(port) != 200:
            if master.poll() is not None or time.monotonic() - started > 600:
                raise RuntimeError(f"{mode}: gunicorn never became healthy; see {log.name}")
            time.sleep(0.1)
        result["first_ready"] = time.monotonic() - started
        # /healthz reaches whichever worker accepts: wait until both have loaded, which is
        # when 40 health checks in a row pass and the workers' memory stops growing.
        streak, last = 0, None
        while True:
            streak = streak + 1 if health(port) == 200 else 0
            now = sum(memory(pid)["rss"] for pid in children(master.pid))
            if streak >= 40 and last is not None and abs(now - last) < 2:
                break
            last = now
            time.sleep(0.25)
        result["all_ready"] = time.monotonic() - started
        workers = children(master.pid)
        result["idle"] = {"master": memory(master.pid),
                          **{f"worker {n}": memory(pid) for n, pid in enumerate(workers, 1)}}

        url = f"http://127.0.0.1:{port}/slack/events"
        channels = []
        try:
            for n, question in enumerate(QUESTIONS):
                channel = f"C{mode[:3].upper()}{n:05d}"
                channels.append(channel)
                status, _, _ = post(url, event(mention(question, channel=channel)),
                                    "application/json")
                if status != 200:
                    raise RuntimeError(f"event refused with {status}")
            deadline = time.monotonic() + 120
            while len(replies(fake, channels)) < len(QUESTIONS) and time.monotonic() < deadline:
                time.sleep(0.1)
        except (OSError, RuntimeError) as exc:
            result["failure"] = f"{exc.__class__.__name__}: {exc}"
        answered = sum("went wrong" not in text and len(text) > 80
                       for text in replies(fake, channels).values())
        result["answered"] = f"{answered}/{len(QUESTIONS)}"
        result["same_workers"] = children(master.pid) == workers
        result["after"] = {"master": memory(master.pid),
                           **{f"worker {n}": memory(pid) for n, pid in enumerate(workers, 1)}}
        if answered < len(QUESTIONS):  # a hung worker: its threads' stacks, into the log
            for pid in workers:
                os.kill(pid, signal.SIGSEGV)
            time.sleep(2)
    finally:
        os.killpg(master.pid, signal.SIGTERM)
        try:
            master.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(master.pid, signal.SIGKILL)
            master.wait()
        log.seek(0)
        text = log.read()
        errors = [line for line in text.splitlines()
                  if "Traceback" in line or "ERROR" in line or "CRITICAL" in line]
        result["log_errors"] = errors[:5]
        if "Fatal Python error" in text:
            result["stacks"] = text[text.index("Fatal Python error"):][:6000]
        log.close()
    return result


def replies(fake: FakeSlack, channels: list[str]) -> dict[str, str]:
    """The text of the last chat.update in each of these channels."""
    out = {}
    for update in fake.called("chat.update"):
        if update.get("channel") in channels:
            out[update["channel"]] = (blocks_text(update.get("blocks", []))
                                      or update.get("text", ""))
    return out


def table(results: list[dict]) -> str:
    lines = [f"{'':13} {'process':9} {'RSS':>7} {'PSS':>7} {'USS':>7}   "
             f"{'RSS':>7} {'PSS':>7} {'USS':>7}",
             f"{'':13} {'':9} {'idle, both loaded':>23}   {'after 6 answers':>23}"]
    for r in results:
        total_idle = {k: 0.0 for k in ("rss", "pss", "uss")}
        total_after = dict(total_idle)
        for process, idle in r["idle"].items():
            after = r["after"][process]
            for k in total_idle:
                total_idle[k] += idle[k]
                total_after[k] += after[k]
            lines.append(f"{r['mode']:13} {process:9} {idle['rss']:7.0f} {idle['pss']:7.0f} "
                         f"{idle['uss']:7.0f}   {after['rss']:7.0f} {after['pss']:7.0f} "
                         f"{after['uss']:7.0f}")
        lines.append(f"{r['mode']:13} {'total':9} {total_idle['rss']:7.0f} "
                     f"{total_idle['pss']:7.0f} {total_idle['uss']:7.0f}   "
                     f"{total_after['rss']:7.0f} {total_after['pss']:7.0f} "
                     f"{total_after['uss']:7.0f}")
    lines.append("")
    for r in results:
        lines.append(f"{r['mode']:13} first /healthz 200 after {r['first_ready']:.1f} s, both "
                     f"workers loaded after {r['all_ready']:.1f} s; answered {r['answered']} "
                     f"signed mentions; workers unchanged: {r['same_workers']}; "
                     f"log errors: {len(r['log_errors'])}"
                     + (f"; FAILED: {r['failure']}" if r.get("failure") else ""))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", type=Path, help="a store with an index already built")
    parser.add_argument("--json", action="store_true", help="also print the raw figures")
    args = parser.parse_args()
    fake = FakeSlack()
    with tempfile.TemporaryDirectory() as scratch:
        tmp = Path(scratch)
        store = args.store
        if store is None:
            store = tmp / "store"
            print(f"building an index in {store} ...", flush=True)
            subprocess.run([sys.executable, "-m", "bot.cli", "ingest", "--store", str(store),
                            "--no-gate"], cwd=REPO, check=True, stdout=subprocess.DEVNULL,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
        results = []
        for mode in MODES:
            print(f"{mode} ...", flush=True)
            results.append(run(mode, store, tmp, fake))
    fake.close()
    print(table(results))
    for r in results:
        for line in r["log_errors"]:
            print(f"{r['mode']}: {line}")
        if r.get("stacks"):
            print(f"{r['mode']}: stacks of the hung workers:\n{r['stacks']}")
    if args.json:
        print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
