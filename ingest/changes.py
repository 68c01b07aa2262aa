"""What changed between two versions of the guidance, by document and by section.

Maintainers review a re-ingest or a GOV.UK sync by its sections ("Hosting changed,
Contracts added"), not by chunk counts, so both `spendbot ingest` and `spendbot sync` report
through this one comparison. A section is named as citations name it (`section_label`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from ingest.blocks import LoadedDocument
from ingest.chunking import SECTION_SEPARATOR, section_label

# document id -> section label -> the section's text, one entry per chunk or block
Sections = dict[str, dict[str, list[str]]]


@dataclass
class DocumentChange:
    doc_id: str
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    def describe(self) -> str:
        parts = [f"{verb} {', '.join(repr(s or '(opening)') for s in sections)}"
                 for verb, sections in (("added", self.added), ("changed", self.changed),
                                        ("removed", self.removed)) if sections]
        return "; ".join(parts)


@dataclass
class ChangeReport:
    added: list[str] = field(default_factory=list)  # document ids
    removed: list[str] = field(default_factory=list)
    changed: list[DocumentChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def lines(self) -> list[str]:
        """One line per document that differs, for the terminal."""
        out = [f"  added    {doc}" for doc in self.added]
        out += [f"  changed  {change.doc_id}: {change.describe()}" for change in self.changed]
        out += [f"  removed  {doc}" for doc in self.removed]
        return out


def sections_from_metadata(rows: Iterable[tuple[dict, str]]) -> Sections:
    """Sections of stored chunks: (metadata, text) pairs as the store returns them."""
    out: Sections = {}
    for meta, text in rows:
        label = section_label(meta.get("section", "").split(SECTION_SEPARATOR)
                              if meta.get("section") else (), meta.get("paragraph") or None)
        out.setdefault(meta["doc_id"], {}).setdefault(label, []).append(text)
    return out


def sections_of(doc: LoadedDocument) -> dict[str, list[str]]:
    """Sections of one loaded (not yet chunked) document."""
    out: dict[str, list[str]] = {}
    for block in doc.blocks:
        out.setdefault(section_label(block.section, block.paragraph), []).append(block.text)
    return out


def compare_document(doc_id: str, old: dict[str, list[str]],
                     new: dict[str, list[str]]) -> DocumentChange | None:
    """The sections of one document added, changed or removed; None when it is the same."""
    change = DocumentChange(doc_id)
    for label in new:
        if label not in old:
            change.added.append(label)
        elif _digest(old[label]) != _digest(new[label]):
            change.changed.append(label)
    change.removed = [label for label in old if label not in new]
    return change if (change.added or change.changed or change.removed) else None


def compare(old: Sections, new: Sections) -> ChangeReport:
    report = ChangeReport(added=sorted(set(new) - set(old)), removed=sorted(set(old) - set(new)))
    for doc_id in sorted(set(old) & set(new)):
        if change := compare_document(doc_id, old[doc_id], new[doc_id]):
            report.changed.append(change)
    return report


def _digest(texts: list[str]) -> str:
    """Order-insensitive: the store does not keep chunks in document order."""
    digest = hashlib.sha256()
    for text in sorted(" ".join(t.split()) for t in texts):
        digest.update(text.encode())
        digest.update(b"\x1f")
    return digest.hexdigest()
