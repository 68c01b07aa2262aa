"""GOV.UK pages in the knowledge folder: `spendbot add URL` and `spendbot sync`.

The guidance lives on GOV.UK, which publishes every page as JSON through its Content API
(`<api>/<path>`: title, description, document_type, public_updated_at, details.body as
HTML; 410 Gone once a page is withdrawn). Maintainers used to copy pages by hand; here a
page is fetched, its body kept as markdown headings, paragraphs and list items (what the
markdown loader reads and citations name), and its manifest entry written for them.

Being a good client of a public service: requests are conditional (the ETag and
Last-Modified of the last fetch are kept in `.govuk.json`, a hidden file ingest ignores),
spaced out (`REQUEST_GAP`), and time out. Nothing is written until a page has been read in
full, and every write goes to a temporary file first and is moved into place with
`os.replace`, so an interrupted run never leaves a half-written page or manifest.
`SPENDBOT_GOVUK_API` points the commands at another base (a mirror, or the tests' stand-in).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlparse

import tomlkit
import yaml

from ingest.changes import DocumentChange, compare_document, sections_of
from ingest.loaders import load_document
from ingest.manifest import MANIFEST_NAME, load_manifest, slug

DEFAULT_API = "https://www.gov.uk/api/content"
SITE = "https://www.gov.uk"
HOSTS = ("www.gov.uk", "gov.uk")
CACHE_NAME = ".govuk.json"
TIMEOUT_SECONDS = 20.0
REQUEST_GAP = 0.5  # seconds between requests: two a second at most
MAX_BYTES = 5 * 1024 * 1024
USER_AGENT = "spendbot (keeps a copy of spend control guidance current)"


class NotGovukPage(ValueError):
    """The URL is not a page on www.gov.uk."""


class Unreachable(RuntimeError):
    """The Content API did not give an answer we can use (timed out, closed, 5xx, not JSON)."""


class Withdrawn(RuntimeError):
    """The Content API says the page is gone (410)."""


@dataclass
class Page:
    base_path: str
    title: str
    description: str
    document_type: str
    public_updated_at: str
    body: str  # HTML
    etag: str = ""
    last_modified: str = ""

    @property
    def url(self) -> str:
        return SITE + self.base_path

    @property
    def date(self) -> str:
        return self.public_updated_at[:10]

    @property
    def date_label(self) -> str:
        try:
            day = dt.date.fromisoformat(self.date)
        except ValueError:
            return ""
        return f"last updated on GOV.UK {day.day} {day:%B %Y}"


@dataclass
class Fetched:
    page: Page | None  # None: not modified since the ETag / date we sent


def api_base() -> str:
    return (os.environ.get("SPENDBOT_GOVUK_API") or DEFAULT_API).rstrip("/")


def govuk_path(url: str) -> str:
    """"/guidance/x" for https://www.gov.uk/guidance/x; anything else is refused."""
    parts = urlparse(url.strip())
    if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() not in HOSTS:
        raise NotGovukPage(f"{url} is not a GOV.UK page: spendbot add takes "
                           "https://www.gov.uk/... addresses; add other documents by hand "
                           "(drop the file in the knowledge folder and describe it in "
                           f"{MANIFEST_NAME})")
    path = parts.path.rstrip("/")
    if path.startswith("/api/content/"):
        path = path[len("/api/content"):]
    if not path:
        raise NotGovukPage(f"{url} is GOV.UK's home page, not a guidance page")
    return path


def fetch(path: str, etag: str = "", last_modified: str = "",
          timeout: float = TIMEOUT_SECONDS) -> Fetched:
    """One page from the Content API, conditionally when we hold its ETag or date."""
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    request = urllib.request.Request(api_base() + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            raw = response.read(MAX_BYTES + 1)
            reply_headers = response.headers
    except urllib.error.HTTPError as exc:
        if exc.code == 304:
            return Fetched(None)
        if exc.code == 410:
            raise Withdrawn("GOV.UK says the page is gone (410)") from None
        raise Unreachable(f"HTTP {exc.code} {exc.reason}") from None
    except TimeoutError:
        raise Unreachable(f"no answer within {timeout:g} s") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:  # refused, closed, reset
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, TimeoutError):
            raise Unreachable(f"no answer within {timeout:g} s") from None
        raise Unreachable(f"{reason.__class__.__name__}: {reason}") from None
    if len(raw) > MAX_BYTES:
        raise Unreachable(f"the answer is over {MAX_BYTES // 1024 // 1024} MB")
    try:
        data = json.loads(raw)
        details = data.get("details") or {}
        if data.get("withdrawn_notice") or details.get("withdrawn_notice"):
            raise Withdrawn("GOV.UK marks the page as withdrawn")
        return Fetched(Page(
            base_path=data.get("base_path") or path, title=str(data["title"]),
            description=str(data.get("description") or ""),
            document_type=str(data.get("document_type") or ""),
            public_updated_at=str(data.get("public_updated_at") or ""),
            body=str(details.get("body") or ""), etag=reply_headers.get("ETag", ""),
            last_modified=reply_headers.get("Last-Modified", "")))
    except (ValueError, KeyError, AttributeError, TypeError) as exc:
        raise Unreachable(f"the answer is not a Content API page ({exc.__class__.__name__})") \
            from None


# --- the page as markdown ------------------------------------------------------------------

def to_markdown(page: Page) -> str:
    """The page as the knowledge folder keeps it: front matter, title, summary, body."""
    front = yaml.safe_dump({"title": page.title, "source": page.url,
                            "document_type": page.document_type,
                            "public_updated_at": page.public_updated_at},
                           allow_unicode=True, sort_keys=False, width=1000)
    parts = [f"---\n{front}---", f"# {page.title}"]
    if page.description:
        parts.append(page.description)
    parts += body_to_markdown(page.body)
    return "\n\n".join(parts) + "\n"


def body_to_markdown(html: str) -> list[str]:
    """Headings, paragraphs, list items and table rows of a GOV.UK body, one entry each."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style", "nav", "form", "svg"]):
        tag.decompose()
    out = []
    for element in soup.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "tr"]):
        if element.name == "p" and element.find_parent(["li", "td", "th"]) is not None:
            continue  # read with its list item or table cell
        if element.name == "li":
            for nested in element.find_all(["ul", "ol"]):
                nested.extract()  # nested items come as their own entries
        if element.name == "tr":
            text = "| " + " | ".join(_inline(cell) for cell in element.find_all(["td", "th"])) \
                + " |"  # a markdown table row; the loader reads it with the header row
        else:
            text = _inline(element)
        if not text.strip(" |"):
            continue
        if element.name[0] == "h":
            out.append("#" * max(2, int(element.name[1])) + " " + text)
        elif element.name == "li":
            out.append("* " + text)
        else:
            out.append(text)
    return out


def _inline(element) -> str:
    """Text with links kept as markdown links to absolute GOV.UK addresses."""
    for anchor in element.find_all("a", href=True):
        label = " ".join(anchor.get_text(" ").split())
        anchor.replace_with(f"[{label}]({urljoin(SITE, anchor['href'])})" if label else "")
    return " ".join(element.get_text(" ").split())


# --- writing, atomically -------------------------------------------------------------------

def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old file or the new one, never a part."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _load_cache(knowledge_dir: Path) -> dict[str, dict]:
    try:
        return json.loads((knowledge_dir / CACHE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _remember(cache: dict[str, dict], doc_id: str, page: Page) -> None:
    cache[doc_id] = {"etag": page.etag, "last_modified": page.last_modified,
                     "public_updated_at": page.public_updated_at}


def _edit_manifest(knowledge_dir: Path, doc_id: str, **values: str) -> None:
    """Change fields of one manifest entry in place, keeping every comment and the layout."""
    path = knowledge_dir / MANIFEST_NAME
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    for entry in document.get("documents", []):
        if entry.get("id") == doc_id:
            for key, value in values.items():
                entry[key] = value
    write_atomic(path, tomlkit.dumps(document))


def _append_manifest_entry(knowledge_dir: Path, entry: dict[str, str]) -> None:
    """Add a [[documents]] entry after the last one (before the tables that follow it)."""
    path = knowledge_dir / MANIFEST_NAME
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    block = tomlkit.dumps({"documents": [entry]}).strip() + "\n"
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.strip() == "[[documents]]"]
    at = len(lines)
    if starts:
        following = [i for i in range(starts[-1] + 1, len(lines))
                     if lines[i].lstrip().startswith("[") and lines[i].strip() != "[[documents]]"]
        if following:
            at = following[0]
            while at > 0 and (not lines[at - 1].strip() or lines[at - 1].lstrip()
                              .startswith("#")):
                at -= 1  # keep the next table's own comment with it
    before = "".join(lines[:at]).rstrip("\n")
    after = "".join(lines[at:]).lstrip("\n")
    new = (before + "\n\n" if before else "") + block + ("\n" + after if after else "")
    tomlkit.parse(new)  # refuse to write a manifest that would not read back
    write_atomic(path, new)


# --- spendbot add --------------------------------------------------------------------------

@dataclass
class Added:
    doc_id: str
    file: str
    title: str
    url: str
    date: str


def add_page(knowledge_dir: Path, url: str, doc_id: str | None = None,
             timeout: float = TIMEOUT_SECONDS) -> Added:
    """Fetch one GOV.UK page into the folder and describe it in the manifest."""
    path = govuk_path(url)
    manifest = load_manifest(knowledge_dir)
    page = fetch(path, timeout=timeout).page
    assert page is not None  # nothing conditional was asked
    doc_id = doc_id or slug(page.base_path.rsplit("/", 1)[-1])
    for info in manifest.documents.values():
        if info.id == doc_id or info.url.rstrip("/") == page.url:
            raise FileExistsError(f"{page.url} is already in {MANIFEST_NAME} as {info.id!r}; "
                                  "`spendbot sync` keeps it current")
    target = knowledge_dir / f"{doc_id}.md"
    if target.exists():
        raise FileExistsError(f"{target.name} already exists in {knowledge_dir}")
    write_atomic(target, to_markdown(page))
    _append_manifest_entry(knowledge_dir, {
        "id": doc_id, "file": target.name, "format": "markdown", "title": page.title,
        "publisher": "GOV.UK", "url": page.url, "date": page.date,
        "date_label": page.date_label, "status": "current"})
    cache = _load_cache(knowledge_dir)
    _remember(cache, doc_id, page)
    write_atomic(knowledge_dir / CACHE_NAME, json.dumps(cache, indent=2, sort_keys=True))
    return Added(doc_id, target.name, page.title, page.url, page.date)


# --- spendbot sync -------------------------------------------------------------------------

@dataclass
class Synced:
    doc_id: str
    outcome: str  # unchanged | changed | withdrawn | unreachable | skipped
    detail: str = ""
    change: DocumentChange | None = None

    def line(self) -> str:
        text = f"{self.doc_id}: {self.outcome}"
        if self.change is not None:
            text += f" ({self.change.describe()})"
        return text + (f" — {self.detail}" if self.detail else "")


@dataclass
class SyncReport:
    results: list[Synced] = field(default_factory=list)
    dry_run: bool = False

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.results if r.outcome == outcome)

    @property
    def written(self) -> bool:
        return not self.dry_run and any(r.outcome in ("changed", "withdrawn")
                                        for r in self.results)


def sync(knowledge_dir: Path, dry_run: bool = False, timeout: float = TIMEOUT_SECONDS,
         gap: float = REQUEST_GAP) -> SyncReport:
    """Check every GOV.UK page in the manifest against the Content API, one at a time."""
    manifest = load_manifest(knowledge_dir)
    cache = _load_cache(knowledge_dir)
    report = SyncReport(dry_run=dry_run)
    asked = 0
    for info in manifest.documents.values():
        try:
            path = govuk_path(info.url)
        except NotGovukPage:
            continue
        if info.kind == "summary":
            report.results.append(Synced(info.id, "skipped", "the maintainers' own summary, "
                                                             "not a copy of the page"))
            continue
        if info.status == "withdrawn":
            report.results.append(Synced(info.id, "skipped", "already withdrawn"))
            continue
        if not info.file.endswith(".md"):
            report.results.append(Synced(info.id, "skipped", "not a markdown copy; remove it "
                                                             "and `spendbot add` the page"))
            continue
        if asked:
            time.sleep(gap)
        asked += 1
        report.results.append(_sync_one(knowledge_dir, info, cache, dry_run, path, timeout))
    if not dry_run:
        write_atomic(knowledge_dir / CACHE_NAME, json.dumps(cache, indent=2, sort_keys=True))
    return report


def _sync_one(knowledge_dir: Path, info, cache: dict[str, dict], dry_run: bool, path: str,
              timeout: float) -> Synced:
    known = cache.get(info.id, {})
    file = knowledge_dir / info.file
    if not file.exists():
        known = {}  # the copy is gone: ask for the page whatever we fetched before
    try:
        page = fetch(path, known.get("etag", ""), known.get("last_modified", ""),
                     timeout).page
    except Unreachable as exc:
        return Synced(info.id, "unreachable", f"{exc}; left as it is")
    except Withdrawn as exc:
        if not dry_run:
            _edit_manifest(knowledge_dir, info.id, status="withdrawn", status_note=(
                f"withdrawn from GOV.UK (found on {dt.date.today():%-d %B %Y})"))
            cache.pop(info.id, None)
        return Synced(info.id, "withdrawn", f"{exc}; status set to withdrawn, left out of "
                                            "answers from the next ingest")
    if page is None:
        return Synced(info.id, "unchanged", "not modified since the last check")
    new_text = to_markdown(page)
    old_text = file.read_text(encoding="utf-8") if file.exists() else ""
    if new_text == old_text:
        if not dry_run:
            _remember(cache, info.id, page)
        return Synced(info.id, "unchanged")
    change = compare_document(info.id, _sections(file, info, old_text),
                              _sections(file, info, new_text))
    if not dry_run:
        write_atomic(file, new_text)
        _edit_manifest(knowledge_dir, info.id, date=page.date, date_label=page.date_label)
        _remember(cache, info.id, page)
    return Synced(info.id, "changed", "" if change else "only the page details changed",
                  change)


def _sections(file: Path, info, text: str) -> dict[str, list[str]]:
    """The sections of a page's text as ingest would read them (same loader, same names)."""
    if not text:
        return {}
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / file.name
        copy.write_text(text, encoding="utf-8")
        try:
            return sections_of(load_document(copy, info))
        except Exception:  # an unreadable old copy: every section counts as new
            return {}
