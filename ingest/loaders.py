"""Read each kind of file the guidance comes in and turn it into blocks under headings.

The corpus holds markdown pages with YAML front matter, plain text saved from web pages and
text extracted from a PDF; updated guidance also arrives as .html and .pdf. Each reader keeps
what a citation needs (headings, numbered paragraphs, list items, links) and drops page chrome.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

import yaml

from ingest.blocks import (
    Block,
    LoadedDocument,
    LoadError,
    clean_text,
    normalise_key,
    table_row,
)
from ingest.limits import pdf_pages
from ingest.manifest import DocumentInfo, LinkRule, is_web_url
from ingest.pdftext import parse_pdf_text, remove_page_furniture

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024
# Chrome that web pages saved as text commonly carry; per-document extras go in the manifest.
WEB_CHROME = ("Skip to main content", "Back to top", "Print this page", "Cookies on GOV.UK")
BULLET = re.compile(r"^\s*(?:[•·▪‣◦●]|[*+-](?=\s))\s*(.+)$")
NUMBERED_ITEM = re.compile(r"^\s*(\d{1,2})[.)]\s+(\S.*)$")
MD_HEADING = re.compile(r"^(#{1,6})\s*(.+?)\s*#*\s*$")
MD_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
MD_ABBR = re.compile(r"^\*\[([^\]]+)\]:\s*(.+)$")
HTML_TAG = re.compile(r"<[^>]+>")
HTML_LINK = re.compile(r"<a\s[^>]*href=\"([^\"]+)\"[^>]*>(.*?)</a>", re.S | re.I)


def detect_format(path: Path, info: DocumentInfo, text: str | None = None) -> str:
    if info.format:
        return info.format
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown"):
        return "markdown"
    if suffix in (".html", ".htm"):
        return "html"
    if suffix == ".pdf":
        return "pdf"
    if suffix == ".txt":
        # Text extracted from a PDF reads as wrapped lines with numbered paragraphs.
        numbered = re.findall(r"(?m)^\s*(\d{1,3})\.\s+\S", text or "")
        return "pdf-text" if len(numbered) >= 5 else "web-text"
    raise LoadError(f"unsupported file type {suffix or '(none)'}")


def load_document(path: Path, info: DocumentInfo) -> LoadedDocument:
    """Read one file; raises LoadError with a reason a maintainer can act on."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(f"cannot read: {exc.strerror or exc}") from exc
    if size == 0:
        raise LoadError("the file is empty")
    if size > MAX_FILE_BYTES:
        raise LoadError(f"the file is {size / 1e6:.0f} MB, over the {MAX_FILE_BYTES // 10**6} MB "
                        "limit for one document")
    if path.suffix.lower() == ".pdf":
        doc = _load_pdf(path, info)
    else:
        text, warnings = read_text(path)
        fmt = detect_format(path, info, text)
        loader = {"markdown": _load_markdown, "web-text": _load_web_text,
                  "pdf-text": _load_pdf_text, "html": _load_html}.get(fmt)
        if loader is None:
            raise LoadError(f"format {fmt!r} needs a .pdf file")
        doc = loader(text, info)
        doc.warnings[:0] = warnings
    if not any(block.text for block in doc.blocks):
        raise LoadError("no readable text found")
    keep_web_links(doc)
    return doc


def keep_web_links(doc: LoadedDocument) -> None:
    """Drop links a reader should not follow (javascript:, data:, file:, mailto:, relative
    paths with no base), each with a warning: citations link only to https: and http:."""
    for label, url in list(doc.links.items()):
        if not is_web_url(url):
            del doc.links[label]
            scheme = url.partition(":")[0] + ":" if ":" in url else "a relative address"
            doc.warnings.append(f"link “{clean_text(label)[:60]}” to {clean_text(scheme)[:20]} "
                                "refused: only https: and http: links are kept")


def read_text(path: Path) -> tuple[str, list[str]]:
    """Decode a text file; binary files are refused rather than indexed as noise."""
    data = path.read_bytes()
    if b"\x00" in data[:8192]:
        raise LoadError("looks like a binary file, not text")
    for encoding in ("utf-8-sig",):
        try:
            return data.decode(encoding), []
        except UnicodeDecodeError:
            pass
    text = data.decode("cp1252", errors="replace")
    if text.count("\ufffd") > len(text) // 100:
        raise LoadError("not valid UTF-8, and not readable as Windows-1252 either")
    return text, ["not valid UTF-8; read as Windows-1252"]


TABLE_LINE = re.compile(r"^\s*\|.*\|\s*$")
TABLE_RULE = re.compile(r"^\s*\|[\s:|-]+\|\s*$")

# --- markdown with YAML front matter -------------------------------------------------------

def split_front_matter(text: str) -> tuple[dict, str]:
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n", text, re.S)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise LoadError(f"front matter is not valid YAML: {exc}") from exc
    return (meta if isinstance(meta, dict) else {}), text[match.end():]


def _load_markdown(text: str, info: DocumentInfo) -> LoadedDocument:
    meta, body = split_front_matter(text)
    if not info.in_manifest:
        info = info.with_title(str(meta.get("title") or _first_md_heading(body) or info.title))
    doc = LoadedDocument(info=info, blocks=[])
    rule = info.links
    body = HTML_LINK.sub(lambda m: f"[{HTML_TAG.sub('', m.group(2))}]({m.group(1)})", body)
    body = HTML_TAG.sub("", body)

    path: list[tuple[int, str]] = []
    paragraph: list[str] = []

    def section() -> tuple[str, ...]:
        return tuple(title for _, title in path)

    def flush() -> None:
        if paragraph:
            doc.blocks.append(Block(_inline(" ".join(paragraph), rule, doc), section()))
            paragraph.clear()

    header: list[str] | None = None
    for raw in body.splitlines():
        line = raw.rstrip()
        if TABLE_LINE.match(line):  # | a | b |: a row, read with its column headers
            flush()
            cells = [_inline(c, rule, doc) for c in line.strip().strip("|").split("|")]
            if TABLE_RULE.match(line):
                continue
            if header is None:
                header = cells
            else:
                doc.blocks.append(Block(table_row(header, cells), section()))
            continue
        header = None
        if abbr := MD_ABBR.match(line.strip()):
            doc.abbreviations[abbr.group(1)] = abbr.group(2).strip()
            continue
        if heading := MD_HEADING.match(line):
            flush()
            level = len(heading.group(1))
            while path and path[-1][0] >= level:
                path.pop()
            title = _inline(heading.group(2), rule, doc)
            if normalise_key(title) != normalise_key(info.title) or path:
                path.append((level, title))
            continue
        if bullet := BULLET.match(line):
            flush()
            doc.blocks.append(Block(_inline(bullet.group(1), rule, doc), section(), is_item=True))
            continue
        if not line.strip():
            flush()
            continue
        paragraph.append(line.strip())
    flush()
    # What the page says of itself ("This page is a summary written by the spendbot
    # maintainers, not guidance text… Checked on 22 November 2026") answers "is the red
    # lines page official?" and "when was it last checked?" (chat-12, chat-13): it is kept
    # as the page's last section, in its own words.
    note = meta.get("note")
    if isinstance(note, str) and note.strip():
        doc.blocks.append(Block(clean_text(" ".join(note.split())), (ABOUT_SECTION,)))
    doc.blocks = [b for b in doc.blocks if b.text]
    return doc


ABOUT_SECTION = "About this page"


def _first_md_heading(body: str) -> str | None:
    for line in body.splitlines():
        if heading := MD_HEADING.match(line):
            return heading.group(2).strip()
    return None


def _inline(text: str, rule: LinkRule | None, doc: LoadedDocument) -> str:
    """Markdown inline text to plain text, remembering where each link pointed."""
    def link(match: re.Match) -> str:
        label, href = clean_text(match.group(1)), match.group(2)
        doc.links.setdefault(label, rule.resolve(href) if rule else href)
        return label

    text = MD_LINK.sub(link, text)
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    return clean_text(text)


# --- plain text saved from a web page ------------------------------------------------------

def _is_heading_candidate(line: str) -> bool:
    words = line.split()
    return (0 < len(words) <= 12 and len(line) <= 90 and line[0].isupper()
            and not re.search(r"[.:;,!?]$", line) and not BULLET.match(line)
            and not NUMBERED_ITEM.match(line))


def _load_web_text(text: str, info: DocumentInfo) -> LoadedDocument:
    """Web-page text has no markup: headings are short unpunctuated lines standing alone."""
    strip = {clean_text(s) for s in (*WEB_CHROME, *info.strip_lines)}
    # Tabs separate the cells of a table copied from the page: kept, each cell cleaned.
    lines = ["\t".join(filter(None, (clean_text(cell) for cell in raw.split("\t"))))
             for raw in text.splitlines()]
    lines = [line for line in lines if line not in strip]
    groups = _groups(lines)
    title_key = normalise_key(re.sub(r"\s*\(.*?\)", "", info.title))

    blocks: list[Block] = []
    section: tuple[str, ...] = ()
    found_title: str | None = None
    for index, group in enumerate(groups):
        if all("\t" in line for line in group) and len(group) > 1:
            # Cells copied from a web page's table arrive tab-separated; the first row heads it.
            header = group[0].split("\t")
            blocks += [Block(table_row(header, row.split("\t")), section) for row in group[1:]]
            continue
        single = len(group) == 1 and _is_heading_candidate(group[0])
        if single:
            following = groups[index + 1] if index + 1 < len(groups) else None
            if following and len(following) == 1 and _is_heading_candidate(following[0]):
                # A run of short lines (a table, a date line): text of the section it sits in.
                blocks.append(Block(group[0], section))
                continue
            heading = group[0]
            found_title = found_title or heading
            section = () if normalise_key(heading) == title_key else (heading,)
            continue
        for line in group:
            if bullet := BULLET.match(line):
                blocks.append(Block(bullet.group(1), section, is_item=True))
            elif NUMBERED_ITEM.match(line):
                blocks.append(Block(line, section, is_item=True))
            elif blocks and not blocks[-1].is_item and blocks[-1].section == section \
                    and not re.search(r"[.:!?]$", blocks[-1].text) and group.index(line) > 0:
                blocks[-1] = Block(f"{blocks[-1].text} {line}", section)  # a wrapped line
            else:
                blocks.append(Block(line, section))
    if not info.in_manifest and found_title:
        info = info.with_title(found_title)
    return LoadedDocument(info=info, blocks=blocks)


def _groups(lines: Iterable[str]) -> list[list[str]]:
    groups: list[list[str]] = [[]]
    for line in lines:
        if line:
            groups[-1].append(line)
        elif groups[-1]:
            groups.append([])
    return [g for g in groups if g]


# --- text extracted from a PDF, and PDFs themselves -----------------------------------------

def _load_pdf_text(text: str, info: DocumentInfo) -> LoadedDocument:
    if "\f" not in text:
        # Some extractions mark each new page only by a leading space on its first line.
        text = re.sub(r"\n (?=\S)", "\n\f", text)
    pages = text.split("\f")
    cleaned = remove_page_furniture(pages, info.title)
    blocks, first_heading = parse_pdf_text(cleaned)
    if not info.in_manifest and first_heading:
        info = info.with_title(first_heading)
    return LoadedDocument(info=info, blocks=blocks)


def _load_pdf(path: Path, info: DocumentInfo) -> LoadedDocument:
    pages, pdf_title = pdf_pages(path)  # within page, size and time budgets
    if not any(page.strip() for page in pages):
        raise LoadError("the PDF has no extractable text (a scanned image?)")
    if not info.in_manifest and clean_text(pdf_title):
        info = info.with_title(clean_text(pdf_title))
    cleaned = remove_page_furniture(pages, info.title)
    blocks, first_heading = parse_pdf_text(cleaned)
    if not info.in_manifest and not clean_text(pdf_title) and first_heading:
        info = info.with_title(first_heading)
    return LoadedDocument(info=info, blocks=blocks)


# --- HTML ------------------------------------------------------------------------------------

def _load_html(text: str, info: DocumentInfo) -> LoadedDocument:
    from urllib.parse import urljoin

    from bs4 import BeautifulSoup

    soup = BeautifulSoup(text, "html.parser")
    for tag in soup(["script", "style", "nav", "header", "footer", "aside", "form", "noscript",
                     "template", "svg"]):
        tag.decompose()
    root = soup.find("main") or soup.find("article") or soup.body or soup
    if not info.in_manifest:
        h1 = root.find("h1")
        page_title = soup.title.get_text() if soup.title else ""
        info = info.with_title(clean_text(h1.get_text(" ") if h1 else page_title) or info.title)
    doc = LoadedDocument(info=info, blocks=[])
    path: list[tuple[int, str]] = []
    for element in root.find_all(["h1", "h2", "h3", "h4", "h5", "h6", "p", "li"]):
        if element.name in ("p", "li") and element.find_parent("li") is not None \
                and element.name == "p":
            continue  # paragraphs inside list items are read with the item
        for anchor in element.find_all("a", href=True):
            label = clean_text(anchor.get_text())
            if label:
                base = info.links.base if info.links else info.url
                doc.links.setdefault(label, urljoin(base, anchor["href"]) if base
                                     else anchor["href"])
        content = clean_text(element.get_text(" "))
        if not content:
            continue
        if element.name.startswith("h"):
            level = int(element.name[1])
            while path and path[-1][0] >= level:
                path.pop()
            if normalise_key(content) != normalise_key(info.title) or path:
                path.append((level, content))
            continue
        section = tuple(t for _, t in path)
        doc.blocks.append(Block(content, section, is_item=element.name == "li"))
    return doc
