"""`spendbot report`: the question log (Slack's and the command line's) and feedback, as text
and as one offline HTML page checked in a real headless Chromium."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from test_cli import spendbot

from bot.state import State

QUESTIONS = "\n".join([
    "What are the red lines?",
    "What is the capital of France?",
    "what is the capital of france",
    "Which football club does the CTO support?",
    "I'm jane.doe@example.com: how long can a new hosting contract last?",
])


def chromium() -> str:
    """The browser the HTML check needs; CI installs Debian's (see .ci/run)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if found := shutil.which(name):
            return found
    pytest.fail("Chromium is needed to check the HTML report: apt-get install chromium "
                "(.ci/run installs it)")


def headless(page: Path, *args: str) -> subprocess.CompletedProcess:
    profile = tempfile.mkdtemp(prefix="chromium-")
    try:
        return subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={profile}", "--virtual-time-budget=5000",
             *args, page.as_uri()], capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture
def logged(corpus_settings, answerer, tmp_path: Path) -> dict:
    """A state database holding command-line questions, a Slack answer and its feedback."""
    env = {"SPENDBOT_STATE": str(tmp_path / "state.sqlite3")}
    asked = spendbot("--store", str(corpus_settings.store_dir), "ask", "-", stdin=QUESTIONS,
                     env=env)
    assert asked.returncode == 0, asked.stderr
    state = State(tmp_path / "state.sqlite3")
    slack_answer = answerer.ask("Who should manage the retirement of legacy systems?")
    answer_id = state.save_answer(slack_answer, "C0SECRETCHAN", "U0SECRETUSER", 2500.0)
    state.save_feedback(answer_id, False, "C0SECRETCHAN", "U0SECRETUSER",
                        "It quoted a retired draft page")
    state.save_feedback(answer_id, True, "C0SECRETCHAN", "U0SECRETUSER")
    return env


def test_report_summarises_questions_gaps_feedback_and_speed(corpus_settings, logged) -> None:
    result = spendbot("--store", str(corpus_settings.store_dir), "report", env=logged)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "6 questions" in out and "5 from the command line" in out and "1 from Slack" in out
    declined = out.split("Most frequent declined questions")[1].split("Feedback")[0]
    assert declined.splitlines()[1].strip() == "2 × What is the capital of France?"
    assert "Feedback: 1 helpful, 1 not helpful." in out
    assert "reason: It quoted a retired draft page" in out
    slowest = out.split("Slowest answers:")[1].splitlines()[1]
    assert "2500 ms" in slowest and "Slack" in slowest
    assert "jane.doe" not in out and "[email address removed]" in out
    assert "U0SECRETUSER" not in out and "C0SECRETCHAN" not in out


def test_html_report_renders_offline_in_a_headless_browser(corpus_settings, logged,
                                                           tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = spendbot("--store", str(corpus_settings.store_dir), "report", "--html", str(page),
                      env=logged)
    assert result.returncode == 0, result.stderr
    source = page.read_text(encoding="utf-8")
    scripts = BeautifulSoup(source, "html.parser").find_all("script")
    assert scripts and not [s["src"] for s in scripts if s.get("src")]  # all inlined
    assert len(source) > 1_000_000  # Plotly's JavaScript itself is in the page
    assert "jane.doe" not in source and "U0SECRETUSER" not in source

    dom = headless(page, "--dump-dom")
    assert dom.returncode == 0, dom.stderr
    for chart in ("chart-per-day", "chart-outcomes", "chart-latency"):
        chart_html = dom.stdout.split(f'id="{chart}"')[1][:20000]
        assert 'class="main-svg"' in chart_html, f"{chart} was not drawn"
    assert "Questions per day" in dom.stdout and "Time to answer (ms)" in dom.stdout
    assert "What is the capital of France?" in dom.stdout
    assert "It quoted a retired draft page" in dom.stdout

    shot = tmp_path / "report.png"
    taken = headless(page, f"--screenshot={shot}", "--window-size=1200,1600")
    assert taken.returncode == 0 and shot.exists(), taken.stderr
    from PIL import Image

    image = Image.open(shot).convert("RGB")
    assert image.size == (1200, 1600)
    colours = image.getcolors(maxcolors=1_000_000)
    coloured = sum(n for n, (r, g, b) in colours if max(r, g, b) - min(r, g, b) > 60)
    assert coloured > 5000, "no chart colour in the screenshot"  # bars and the pie, not blank
