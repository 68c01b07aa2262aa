"""`spendbot add` and `spendbot sync` against a Content API stand-in on loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from contentapi import ContentAPI, page
from test_cli import spendbot

from ingest.manifest import load_manifest

HOSTING = page(
    "/guidance/cloud-hosting-for-government", "Cloud hosting for government",
    "<h2 id='hosting'>Hosting contracts</h2><p>Public sector hosting contracts should be "
    "reviewed by the <a href='/government/organisations/cddo'>service owner</a> every "
    "year.</p><h2 id='exit'>Exit plans</h2><p>Every hosting contract needs a tested exit "
    "plan before it is signed.</p><ul><li>name the data to move</li><li>set a date</li></ul>",
    description="How departments buy and run cloud hosting.")
OPEN_DATA = page(
    "/guidance/open-data-publishing", "Open data publishing",
    "<h2>Publishing</h2><p>Departments publish open data under the Open Government "
    "Licence.</p>")
FAX = page(
    "/guidance/fax-machine-procurement", "Fax machine procurement",
    "<h2>Buying fax machines</h2><p>Fax machines are bought through the telecoms "
    "framework by the departmental fax officer.</p>")
SLOW = page("/guidance/slow-page", "Slow page", "<h2>Slow</h2><p>Original slow text.</p>")
PAGES = [HOSTING, OPEN_DATA, FAX, SLOW]


@pytest.fixture
def api():
    server = ContentAPI()
    yield server
    server.close()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A small knowledge folder of our own: only GOV.UK pages the stand-in knows."""
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "manifest.toml").write_text(
        "# Our test guidance.\n\n[glossary]\nCDDO = \"central digital and data office\"\n",
        encoding="utf-8")
    return knowledge


def cli(knowledge: Path, api: ContentAPI, *args: str):
    return spendbot("--knowledge", str(knowledge), "--store", str(knowledge.parent / "store"),
                    *args, env={"SPENDBOT_GOVUK_API": api.base})


def add_all(folder: Path, api: ContentAPI) -> None:
    for data in PAGES:
        api.pages[data["base_path"]] = data
        result = cli(folder, api, "add", "https://www.gov.uk" + data["base_path"])
        assert result.returncode == 0, result.stderr


def test_add_writes_the_page_and_its_manifest_entry_and_ingest_answers_from_it(
        folder: Path, api: ContentAPI) -> None:
    api.pages[HOSTING["base_path"]] = HOSTING
    result = cli(folder, api, "add", "https://www.gov.uk/guidance/cloud-hosting-for-government")
    assert result.returncode == 0, result.stderr
    assert "Added 'Cloud hosting for government'" in result.stdout
    text = (folder / "cloud-hosting-for-government.md").read_text(encoding="utf-8")
    assert "## Hosting contracts\n\nPublic sector hosting contracts should be reviewed" in text
    assert "[service owner](https://www.gov.uk/government/organisations/cddo)" in text
    assert "* name the data to move" in text and "<p>" not in text
    info = load_manifest(folder).documents["cloud-hosting-for-government.md"]
    assert (info.id, info.title, info.status, info.date) == (
        "cloud-hosting-for-government", "Cloud hosting for government", "current", "2026-03-05")
    assert info.url == "https://www.gov.uk/guidance/cloud-hosting-for-government"
    assert "# Our test guidance." in (folder / "manifest.toml").read_text()  # comments kept

    again = cli(folder, api, "add", "https://www.gov.uk/guidance/cloud-hosting-for-government")
    assert again.returncode == 2 and "already in manifest.toml" in again.stderr

    assert cli(folder, api, "ingest").returncode == 0
    asked = cli(folder, api, "ask", "--format", "json", "What does a hosting contract need "
                                                        "before it is signed?")
    answer = json.loads(asked.stdout)
    assert answer["answered"], asked.stdout
    assert answer["citations"][0]["section"] == "Exit plans"
    assert answer["citations"][0]["url"] == "https://www.gov.uk" + HOSTING["base_path"]


def test_add_refuses_an_address_that_is_not_govuk(folder: Path, api: ContentAPI) -> None:
    before = (folder / "manifest.toml").read_text()
    result = cli(folder, api, "add", "https://example.com/guidance/cloud")
    assert result.returncode == 2
    assert "https://example.com/guidance/cloud is not a GOV.UK page" in result.stderr
    assert "Traceback" not in result.stderr
    assert (folder / "manifest.toml").read_text() == before and api.requests == []


def test_add_of_a_page_gov_uk_does_not_have(folder: Path, api: ContentAPI) -> None:
    result = cli(folder, api, "add", "https://www.gov.uk/guidance/no-such-page")
    assert result.returncode == 2 and "nothing added: HTTP 404" in result.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.toml"]


def test_sync_reports_changed_unchanged_withdrawn_and_unreachable(folder: Path,
                                                                  api: ContentAPI) -> None:
    add_all(folder, api)
    slow_before = (folder / "slow-page.md").read_bytes()
    manifest_before = (folder / "manifest.toml").read_bytes()
    api.pages[HOSTING["base_path"]] = page(
        HOSTING["base_path"], HOSTING["title"],
        "<h2>Hosting contracts</h2><p>Public sector hosting contracts should be reviewed by "
        "the service owner every six months.</p><h2>Exit plans</h2><p>Every hosting contract "
        "needs a tested exit plan before it is signed.</p><ul><li>name the data to move</li>"
        "<li>set a date</li></ul><h2>Costs</h2><p>Publish hosting costs every quarter.</p>",
        updated="2026-11-01T09:00:00.000+00:00", description=HOSTING["description"])
    api.withdrawn.add(FAX["base_path"])
    api.hanging.add(SLOW["base_path"])
    api.pages[SLOW["base_path"]] = page(SLOW["base_path"], "Slow page", "<p>New slow text</p>")

    dry = cli(folder, api, "sync", "--dry-run", "--timeout", "1")
    assert "Dry run: nothing was written." in dry.stdout
    assert "cloud-hosting-for-government: changed" in dry.stdout
    assert (folder / "manifest.toml").read_bytes() == manifest_before
    assert "every year" in (folder / "cloud-hosting-for-government.md").read_text()

    api.requests.clear()
    result = cli(folder, api, "sync", "--timeout", "1")
    out = result.stdout
    assert result.returncode == 1, out + result.stderr  # one page could not be reached
    assert ("cloud-hosting-for-government: changed (added 'Costs'; changed "
            "'Hosting contracts')") in out
    assert "open-data-publishing: unchanged — not modified since the last check" in out
    assert "fax-machine-procurement: withdrawn" in out
    assert "slow-page: unreachable — no answer within 1 s; left as it is" in out
    assert "1 changed, 1 unchanged, 1 withdrawn, 1 unreachable" in out

    hosting = (folder / "cloud-hosting-for-government.md").read_text()
    assert "every six months" in hosting and "## Costs" in hosting
    manifest = {info.id: info for info in load_manifest(folder).documents.values()}
    assert manifest["cloud-hosting-for-government"].date == "2026-11-01"
    assert manifest["fax-machine-procurement"].status == "withdrawn"
    assert manifest["open-data-publishing"].status == "current"
    assert (folder / "slow-page.md").read_bytes() == slow_before  # untouched, not half-written
    assert (folder / "fax-machine-procurement.md").exists()
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]

    conditional = {path: headers for _, path, headers in api.requests}
    assert conditional["/api/content" + OPEN_DATA["base_path"]].get("If-None-Match")
    assert conditional["/api/content" + OPEN_DATA["base_path"]].get("If-Modified-Since")
    times = sorted(t for t, _, _ in api.requests)
    assert all(b - a >= 0.45 for a, b in zip(times, times[1:], strict=False))  # polite

    # The withdrawn page stays in the folder but out of the index, so out of answers.
    ingested = cli(folder, api, "ingest")
    assert ingested.returncode == 0, ingested.stderr
    assert "withdrawn, left out of answers: fax-machine-procurement.md" in ingested.stdout
    asked = cli(folder, api, "ask", "--format", "json", "Who buys fax machines?")
    assert "fax-machine-procurement" not in [c["doc_id"] for c in
                                             json.loads(asked.stdout)["citations"]]


def test_a_closed_connection_is_unreachable_and_leaves_the_page(folder: Path,
                                                                api: ContentAPI) -> None:
    api.pages[OPEN_DATA["base_path"]] = OPEN_DATA
    assert cli(folder, api, "add", "https://www.gov.uk" + OPEN_DATA["base_path"]).returncode == 0
    before = (folder / "open-data-publishing.md").read_bytes()
    api.closing.add(OPEN_DATA["base_path"])
    result = cli(folder, api, "sync", "--timeout", "2")
    assert result.returncode == 1
    assert "open-data-publishing: unreachable" in result.stdout
    assert (folder / "open-data-publishing.md").read_bytes() == before
