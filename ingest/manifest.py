"""The knowledge manifest: what each file in `knowledge/` is, where it came from, how current it is.

Citations are only as good as this metadata, so it lives as data beside the documents
(`knowledge/manifest.toml`) and maintainers change it without touching code.
"""

from __future__ import annotations

import logging
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from ingest.blocks import clean_text

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.toml"
STATUSES = ("draft", "current", "historical", "superseded", "withdrawn")
KINDS = ("guidance", "summary")
FORMATS = ("markdown", "web-text", "pdf-text", "html", "pdf")
SUFFIXES = {".md": "markdown", ".markdown": "markdown", ".txt": None, ".html": "html",
            ".htm": "html", ".pdf": "pdf"}


class ManifestError(ValueError):
    """The manifest itself is unusable; ingest stops rather than guess at citations."""


@dataclass(frozen=True)
class LinkRule:
    """How a document's relative links become absolute URLs a reader can follow."""

    base: str
    drop_suffix: str = ""
    index_is_folder: bool = False

    def resolve(self, href: str) -> str:
        if re.match(r"^[a-z][a-z0-9+.-]*:", href, re.I):  # already absolute (http:, mailto:)
            return href
        url = urljoin(self.base.rstrip("/") + "/", href)
        path, hash_, anchor = url.partition("#")
        if self.drop_suffix and path.endswith(self.drop_suffix):
            path = path[: -len(self.drop_suffix)]
        if self.index_is_folder and path.endswith("/index"):
            path = path[: -len("/index")]
        return path + hash_ + anchor


@dataclass(frozen=True)
class DocumentInfo:
    """Everything a citation needs to say about a document, besides the passage itself."""

    id: str
    file: str
    title: str
    url: str = ""
    publisher: str = ""
    date: str = ""
    date_label: str = ""
    status: str = "current"
    status_note: str = ""
    superseded_by: str = ""
    kind: str = "guidance"
    format: str | None = None
    links: LinkRule | None = None
    strip_lines: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    in_manifest: bool = True
    known_as: str = ""  # the short name people use for it: "CTO role profile"

    def with_title(self, title: str) -> DocumentInfo:
        return replace(self, title=title)

    @property
    def embedded_title(self) -> str:
        """The title its passages are embedded under, with the short name people use:
        "Chief technology officer (CTO role profile)". Questions say "the CTO"; without it
        the role profile's skills sat at cosine 0.33 to 0.40 from questions about them,
        under another page whose title says "CTOs" (0.50 to 0.53 with it, chat-20).

        Measured on the tuning sets (1,085 answerable and refusal questions, session 14):
        "CTO role profile" +13/-4 right answers; "CTO" alone +11/-7; "the 2005 strategy"
        for Transformational Government +4/-2. Tried and dropped: "TCoP" for the code of
        practice (+1/-8: "how much design up front?" fell under the bar) and "CDO and CTO
        roles" for Technology leadership (+4/-13)."""
        return f"{self.title} ({self.known_as})" if self.known_as else self.title


@dataclass
class Manifest:
    documents: dict[str, DocumentInfo] = field(default_factory=dict)  # keyed by file name
    glossary: dict[str, str] = field(default_factory=dict)  # acronym -> spelled out

    def info_for(self, path: Path) -> DocumentInfo:
        """The manifest entry for a file, or a provisional one for a file nobody described."""
        info = self.documents.get(path.name)
        if info is not None:
            return info
        return DocumentInfo(id=slug(path.stem), file=path.name,
                            title=one_line(path.stem) or "untitled", in_manifest=False)


def is_web_url(url: str) -> bool:
    """True for an absolute https: or http: URL with a host: the only links shown to people."""
    parts = urlsplit(url.strip())
    return parts.scheme.lower() in ("https", "http") and bool(parts.netloc) \
        and not re.search(r"[\x00-\x20\x7f]", url.strip())


def one_line(text: object) -> str:
    """Text shown to people as one line: control characters gone, any line break a space."""
    return clean_text(" ".join(str(text).split()))


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "document"


def load_manifest(knowledge_dir: Path) -> Manifest:
    path = knowledge_dir / MANIFEST_NAME
    if not path.exists():
        log.warning("no %s in %s: every file will be ingested without source details",
                    MANIFEST_NAME, knowledge_dir)
        return Manifest()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{path}: {exc}") from exc

    rules = {name: LinkRule(**rule) for name, rule in data.get("link_rules", {}).items()}
    for name, rule in rules.items():
        if not is_web_url(rule.base):
            raise ManifestError(f"{path}: [link_rules.{name}]: base {rule.base!r} is not an "
                                "https: or http: URL")
    manifest = Manifest(glossary={k: str(v) for k, v in data.get("glossary", {}).items()})
    seen_ids: set[str] = set()
    for entry in data.get("documents", []):
        info = _document_info(entry, rules, path)
        if info.id in seen_ids:
            raise ManifestError(f"{path}: document id {info.id!r} is used twice")
        seen_ids.add(info.id)
        manifest.documents[info.file] = info
    return manifest


def _document_info(entry: dict, rules: dict[str, LinkRule], path: Path) -> DocumentInfo:
    for key in ("id", "file", "title"):
        if not entry.get(key):
            raise ManifestError(f"{path}: an entry has no {key!r}: {entry}")
    status = entry.get("status", "current")
    if status not in STATUSES:
        raise ManifestError(f"{path}: {entry['id']}: status must be one of {STATUSES}")
    kind = entry.get("kind", "guidance")
    if kind not in KINDS:
        raise ManifestError(f"{path}: {entry['id']}: kind must be one of {KINDS}")
    fmt = entry.get("format")
    if fmt is not None and fmt not in FORMATS:
        raise ManifestError(f"{path}: {entry['id']}: format must be one of {FORMATS}")
    if entry.get("url") and not is_web_url(str(entry["url"])):
        raise ManifestError(f"{path}: {entry['id']}: url {str(entry['url'])!r} is not an "
                            "https: or http: URL; only those are shown as links")
    rule_name = entry.get("links")
    if rule_name and rule_name not in rules:
        raise ManifestError(f"{path}: {entry['id']}: no [link_rules.{rule_name}]")
    link_rule = rules[rule_name] if rule_name else (LinkRule(base=entry["url"]) if
                                                     entry.get("url") else None)
    # Everything here is shown to people: no control characters (a newline, RLO or ESC in a
    # title would reach Slack and the terminal as it is).
    return DocumentInfo(
        id=entry["id"], file=entry["file"], title=one_line(entry["title"]),
        url=entry.get("url", ""), publisher=one_line(entry.get("publisher", "")),
        date=str(entry.get("date", "")), date_label=one_line(entry.get("date_label", "")),
        status=status, status_note=one_line(entry.get("status_note", "")),
        superseded_by=entry.get("superseded_by", ""),
        kind=kind, format=fmt, links=link_rule,
        strip_lines=tuple(entry.get("strip_lines", ())), sources=tuple(entry.get("sources", ())),
        known_as=one_line(entry.get("known_as", "")),
    )
