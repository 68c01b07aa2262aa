"""Hostile files, unsafe links and control characters, as issue 13's attacker made them.

Each hostile file is small on disk and huge when inflated. It is read in a child process
(so its time and peak memory are its own), by `spendbot review`'s reader and by ingest's,
and must be refused within 10 s and 500 MB with one line that names the limit.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import hostile
import pytest
from conftest import KNOWLEDGE

from ingest.blocks import LoadError
from ingest.loaders import load_document
from ingest.manifest import ManifestError, load_manifest
from ingest.pipeline import IngestReport, load_chunks

HOSTILE = {
    "spaces.docx": (hostile.docx_of_spaces, "unpacks to 2,048 MB; the limit is 32 MB"),
    "paragraphs.docx": (hostile.docx_of_paragraphs, "unpacks to 400 MB; the limit is 32 MB"),
    "understated.docx": (hostile.docx_that_understates, "not a readable .docx file"),
    "laughs.docx": (hostile.docx_billion_laughs, "not a readable .docx file"),
    "shared-stream.pdf": (hostile.pdf_sharing_one_stream,
                          "page 1 of the PDF unpacks to over 1 MB, the limit for one page"),
    # Review stops reading once the text is too long to review; ingest reads on, for 5 s.
    "slow.pdf": (lambda path: hostile.pdf_sharing_one_stream(path, pages=60, megabytes=0.9),
                 "reading the PDF took over 5 seconds"),
    "comments.pdf": (lambda path: hostile.pdf_sharing_one_stream(
        path, pages=40, megabytes=0.99, line=hostile.COMMENT_LINE),
        "the PDF's pages unpack to over 16 MB by page 17, the limit for a whole PDF"),
}


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_file_is_refused_by_review_quickly_and_small(tmp_path: Path, name: str) -> None:
    make, limit = HOSTILE[name]
    path = make(tmp_path / name)
    assert path.stat().st_size < 3 * 1024 * 1024  # small on disk
    figures = hostile.measure("review", path)
    if name == "slow.pdf":
        limit = "characters; I can review up to 40,000"
    else:
        assert figures["outcome"].startswith(f"Cannot read {name}: ")
    assert limit in figures["outcome"] and "\n" not in figures["outcome"]
    assert figures["seconds"] < 10 and figures["peak_mb"] < 500, figures


@pytest.mark.parametrize("name", ["shared-stream.pdf", "slow.pdf", "comments.pdf"])
def test_hostile_pdf_is_refused_by_ingest_quickly_and_small(tmp_path: Path, name: str) -> None:
    make, limit = HOSTILE[name]
    figures = hostile.measure("ingest", make(tmp_path / name))
    assert limit in figures["outcome"], figures
    assert figures["seconds"] < 10 and figures["peak_mb"] < 500, figures


def test_a_pdf_of_many_pages_is_refused_by_its_page_count(tmp_path: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(501):
        writer.add_blank_page(612, 792)
    path = tmp_path / "long.pdf"
    writer.write(str(path))
    with pytest.raises(LoadError, match="the PDF has 501 pages; the limit is 500"):
        load_document(path, load_manifest(tmp_path).info_for(path))


def test_ingest_names_the_refused_file_and_keeps_the_rest(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    shutil.copytree(KNOWLEDGE, knowledge)
    hostile.pdf_sharing_one_stream(knowledge / "bomb.pdf")
    report = IngestReport()
    chunks, _ = load_chunks(knowledge, report)
    assert report.failed == [("bomb.pdf", "page 1 of the PDF unpacks to over 1 MB, the limit "
                                          "for one page")]
    assert {c.metadata["file"] for c in chunks} >= {"spend-control-red-lines-summary.md"}


def test_a_real_docx_keeps_line_breaks_tabs_and_tables(tmp_path: Path) -> None:
    import docx

    from bot.review import read_proposal  # still importable from its old home

    document = docx.Document()
    run = document.add_paragraph().add_run("We propose a £240m contract.")
    run.add_break()
    run.add_text("Cost:")
    run.add_tab()
    run.add_text("£240m")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Hosting", "seven years"
    document.save(str(tmp_path / "p.docx"))
    assert read_proposal(str(tmp_path / "p.docx")) == (
        "We propose a £240m contract.\nCost:\t£240m\nHosting\tseven years")


def test_control_characters_are_removed_from_proposals(tmp_path: Path) -> None:
    from bot.files import read_proposal

    path = tmp_path / "p.txt"
    path.write_text("We propose\x1b[2J a \u202econtract\r\nfor two years.\x07\n")
    assert read_proposal(str(path)) == "We propose[2J a contract\nfor two years.\n"


def test_an_oversized_text_proposal_is_refused_unread(tmp_path: Path) -> None:
    from bot.files import read_proposal
    from bot.review import ProposalError

    path = tmp_path / "big.txt"
    path.write_bytes(b"a" * (2 * 1024 * 1024))
    with pytest.raises(ProposalError, match="the limit is 1,048,576"):
        read_proposal(str(path))


# --- links and titles ------------------------------------------------------------------------

def manifest_with(tmp_path: Path, **entry: str) -> Path:
    fields = {"id": "evil", "file": "evil.md", "title": "Evil", **entry}
    body = "\n".join(f"{key} = {json.dumps(value)}" for key, value in fields.items())
    (tmp_path / "manifest.toml").write_text(f"[[documents]]\n{body}\n")
    return tmp_path


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>",
                                 "file:///etc/passwd", "//evil.example/x", "https://"])
def test_a_manifest_url_that_is_not_web_is_refused_naming_the_document(tmp_path: Path,
                                                                     url: str) -> None:
    with pytest.raises(ManifestError, match=r"evil: url .* is not an https: or http: URL"):
        load_manifest(manifest_with(tmp_path, url=url))


def test_document_links_other_than_web_are_dropped_with_the_document_named(
        tmp_path: Path) -> None:
    manifest_with(tmp_path, url="https://www.gov.uk/evil")
    (tmp_path / "evil.md").write_text(
        "# Evil\n\nSee [the form](javascript:alert(1)), [the guide](https://www.gov.uk/g) "
        "and [a file](file:///etc/passwd).\n")
    report = IngestReport()
    chunks, _ = load_chunks(tmp_path, report)
    links = json.loads(chunks[0].metadata["links"])
    assert links == {"the guide": "https://www.gov.uk/g"}
    assert "evil.md: link “the form” to javascript: refused: only https: and http: links are " \
           "kept" in report.warnings
    assert any(w.startswith("evil.md: link “a file” to file:") for w in report.warnings)


def test_control_characters_never_reach_titles(tmp_path: Path) -> None:
    manifest = load_manifest(manifest_with(tmp_path, title="Spend\ncontrol \u202eevil\x1b[31m"))
    assert manifest.documents["evil.md"].title == "Spend control evil[31m"
    odd = tmp_path / "guidance\x1b[2J\u202e.md"
    assert load_manifest(tmp_path).info_for(odd).title == "guidance[2J"


def test_slack_shows_no_unsafe_link_and_no_control_characters() -> None:
    from bot.slack.render import home_view

    view = json.dumps(home_view([{"title": "Evil\u202e\x1b[2J", "url": "javascript:alert(1)",
                                  "date_label": "now", "status": "current"}], "today"))
    assert "javascript:" not in view and "\\u202e" not in view and "\\u001b" not in view
    assert "Evil[2J" in view


def test_the_terminal_never_sees_control_characters_from_file_names(tmp_path: Path) -> None:
    from test_cli import spendbot

    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "guide\x1b]0;pwned\x07\u202e.md").write_text(
        "# Guide\n\nSpend over £1,000,000 needs approval. See [the form](javascript:alert(1)).\n")
    hostile.pdf_sharing_one_stream(knowledge / "bomb\x1b[2J.pdf")
    result = spendbot("--knowledge", str(knowledge), "--store", str(tmp_path / "store"),
                      "ingest")
    shown = result.stdout + result.stderr
    assert result.returncode == 1 and "Traceback" not in shown
    assert "skipped bomb[2J.pdf: page 1 of the PDF unpacks to over 1 MB" in result.stderr
    assert "link “the form” to javascript: refused" in result.stderr
    assert not any(ch in shown for ch in "\x1b\x07\u202e")
