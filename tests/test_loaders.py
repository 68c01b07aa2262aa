"""Reading each format the guidance comes in, and cutting it into citable chunks (no model)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdfs import make_pdf

from ingest.blocks import LoadError
from ingest.chunking import MAX_CHARS, chunk_document, sentence_records
from ingest.loaders import load_document
from ingest.manifest import DocumentInfo, LinkRule, ManifestError, load_manifest

KNOWLEDGE = Path(__file__).resolve().parents[1] / "knowledge"


def load(name: str):
    manifest = load_manifest(KNOWLEDGE)
    path = KNOWLEDGE / name
    return load_document(path, manifest.info_for(path))


def test_manifest_describes_every_bundled_document() -> None:
    manifest = load_manifest(KNOWLEDGE)
    files = {p.name for p in KNOWLEDGE.iterdir() if p.suffix in (".md", ".txt")}
    assert files == set(manifest.documents)
    statuses = {info.id: info.status for info in manifest.documents.values()}
    assert statuses["transformational-government-2005"] == "historical"
    assert statuses["technology-code-of-practice-draft"] == "superseded"
    assert statuses["chief-technology-officer"] == "current"
    summary = manifest.documents["spend-control-red-lines-summary.md"]
    assert summary.kind == "summary" and len(summary.sources) == 3
    assert all(info.url.startswith("http") for info in manifest.documents.values())
    assert manifest.glossary["CTO"] == "chief technology officer"


def test_manifest_with_an_unknown_status_is_refused(tmp_path: Path) -> None:
    (tmp_path / "manifest.toml").write_text(
        '[[documents]]\nid = "a"\nfile = "a.md"\ntitle = "A"\nstatus = "final"\n')
    with pytest.raises(ManifestError, match="status"):
        load_manifest(tmp_path)


def test_markdown_front_matter_headings_and_govuk_links() -> None:
    doc = load("guidance-for-ctos.md")
    sections = {block.section for block in doc.blocks}
    assert ("Building on openness",) in sections  # "##Building on openness": no space after ##
    assert not any("layout:" in block.text or "breadcrumbs" in block.text for block in doc.blocks)
    # Relative Service Manual links resolve on GOV.UK without ".html"; a folder's index is
    # the folder itself.
    assert doc.links["open standards"] == (
        "https://www.gov.uk/service-manual/making-software/open-standards-and-licensing")
    assert doc.links["GOV.UK Verify"] == "https://www.gov.uk/service-manual/identity-assurance"
    assert doc.abbreviations == {"CTOs": "Chief Technology Officers"}
    assert not any(block.text.startswith("*[") for block in doc.blocks)


def test_what_a_page_says_of_itself_is_its_last_section() -> None:
    """The front matter's note ("a summary written by the spendbot maintainers, not
    guidance text… Checked on 22 November 2026") is read, so "is the red lines page
    official?" can be answered from the page's own words."""
    doc = load("spend-control-red-lines-summary.md")
    about = doc.blocks[-1]
    assert about.section == ("About this page",)
    assert about.text.startswith("This page is a summary written by the spendbot maintainers")
    assert "Checked on 22 November 2026" in about.text


def test_link_rule_keeps_absolute_links() -> None:
    rule = LinkRule(base="https://www.gov.uk", drop_suffix=".html", index_is_folder=True)
    assert rule.resolve("mailto:a@b.gov.uk") == "mailto:a@b.gov.uk"
    assert rule.resolve("/x/y.html#part") == "https://www.gov.uk/x/y#part"


def test_web_text_headings_bullets_and_chrome() -> None:
    doc = load("chief-technology-officer.txt")
    texts = [block.text for block in doc.blocks]
    assert "Skip to main content" not in texts
    assert not any("feedback survey" in text for text in texts)
    grades = [b for b in doc.blocks if b.text.startswith("SCS 2")]
    assert grades and grades[0].is_item
    assert grades[0].section == ("What a chief technology officer does",)
    skills = {block.section for block in doc.blocks}
    assert ("Financial decision making for technology",) in skills


def test_pdf_text_drops_page_furniture_and_numbers_paragraphs() -> None:
    doc = load("transformational-government-2005.txt")
    texts = " ".join(block.text for block in doc.blocks)
    assert "TRANSFORMATIONAL GOVERNMENT ENABLED BY TECHNOLOGY" not in texts
    assert not any(block.text == "20" for block in doc.blocks)
    paragraph_21 = [b for b in doc.blocks if b.paragraph == "21"]
    assert paragraph_21[0].section == ("Strategy",)  # a heading that opens a page
    assert paragraph_21[0].text.startswith("Achieving the vision will require")
    assert [b.text[:3] for b in paragraph_21[1:]] == ["(1)", "(2)", "(3)"]
    labels = [int(b.paragraph) for b in doc.blocks if b.paragraph]
    assert labels == sorted(labels) and max(labels) == 56
    # A paragraph that runs across a page break stays one paragraph.
    paragraph_14 = [b for b in doc.blocks if b.paragraph == "14" and b.is_item]
    assert any("This locks in high costs" in b.text for b in paragraph_14)


def test_chunks_carry_sections_and_stable_ids() -> None:
    doc = load("technology-leadership.md")
    first, again = chunk_document(doc), chunk_document(load("technology-leadership.md"))
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    people = [c for c in first if c.meta.section == "People"]
    assert people and all(c.metadata["section"] == "People" for c in people)
    assert all(len(c.text) <= MAX_CHARS * 1.5 for c in first)


def test_a_documents_short_name_is_embedded_with_its_title_but_never_shown() -> None:
    """Questions say "the CTO": the role profile's passages are embedded under "Chief
    technology officer (CTO role profile)", while citations keep the page's own title."""
    chunks = chunk_document(load("chief-technology-officer.txt"))
    sentences = [s for c in chunks for s in sentence_records(c)]
    assert sentences and all(r.embed_text.startswith("Chief technology officer (CTO role "
                                                     "profile)\n") for r in chunks + sentences)
    assert {r.meta.title for r in chunks + sentences} == {"Chief technology officer"}


def test_editing_a_sentence_changes_only_that_chunk_id() -> None:
    doc = load("technology-leadership.md")
    before = chunk_document(doc)
    edited = [b if "Recruitment Hub —" not in b.text else
              type(b)(b.text.replace("advisory", "consulting"), b.section, b.paragraph,
                      b.is_item) for b in doc.blocks]
    doc.blocks = edited
    after = chunk_document(doc)
    changed = {c.id for c in before} ^ {c.id for c in after}
    assert len(changed) == 2  # one old id gone, one new id


def test_numbered_paragraphs_cite_by_number() -> None:
    chunks = chunk_document(load("transformational-government-2005.txt"))
    by_paragraph = {c.meta.paragraph: c for c in chunks}
    assert "£14 billion" in by_paragraph["11"].text
    assert by_paragraph["11"].metadata["section"] == "Current Position"


def test_split_list_repeats_its_lead_in() -> None:
    chunks = chunk_document(load("chief-technology-officer.txt"))
    role = [c for c in chunks if c.meta.section == "What a chief technology officer does"]
    assert len(role) >= 2
    assert all(c.text.startswith(("A chief technology officer", "In this role, you will:"))
               or "In this role" not in c.text for c in role)


def info(name: str, **kwargs) -> DocumentInfo:
    return DocumentInfo(id=name.split(".")[0], file=name, title=kwargs.pop("title", name),
                        in_manifest=kwargs.pop("in_manifest", False), **kwargs)


def test_html_headings_lists_and_relative_links(tmp_path: Path) -> None:
    page = tmp_path / "cloud.html"
    page.write_text("""<html><head><title>Cloud guidance - GOV.UK</title></head><body>
      <nav><a href="/">Home</a> Menu</nav>
      <main><h1>Cloud guidance</h1><p>Use the <a href="/buy-cloud">cloud</a> first.</p>
      <h2>Hosting</h2><p>Hosting contracts should be short:</p>
      <ul><li>no more than two years</li><li>reviewed yearly</li></ul></main>
      <footer>Crown copyright</footer></body></html>""", encoding="utf-8")
    doc = load_document(page, info("cloud.html", url="https://example.gov.uk/guide/cloud"))
    assert doc.info.title == "Cloud guidance"
    assert [b.text for b in doc.blocks if b.is_item] == ["no more than two years",
                                                          "reviewed yearly"]
    assert all(b.section == ("Hosting",) for b in doc.blocks if b.is_item)
    assert doc.links["cloud"] == "https://example.gov.uk/buy-cloud"
    assert not any("Menu" in b.text or "Crown" in b.text for b in doc.blocks)


def test_pdf_page_numbers_and_running_headers_removed(tmp_path: Path) -> None:
    pages = [["Cloud hosting guidance", "Introduction",
              "1. Departments should host new services in the cloud.", "It is cheaper to run.",
              "2. Hosting contracts should be short and reviewed often, so that",
              "departments can move supplier.", "Page 1 of 3"],
             ["CLOUD HOSTING GUIDANCE", "continued text that finishes paragraph two.",
              "Security", "3. Security is an enabler.", "Page 2 of 3"],
             ["CLOUD HOSTING GUIDANCE", "4. Review the guidance yearly.", "Page 3 of 3"]]
    path = tmp_path / "cloud.pdf"
    path.write_bytes(make_pdf(pages, title="Cloud hosting guidance"))
    doc = load_document(path, info("cloud.pdf"))
    assert doc.info.title == "Cloud hosting guidance"
    text = " ".join(b.text for b in doc.blocks)
    assert "Page 1" not in text and "CLOUD HOSTING GUIDANCE" not in text
    by_number = {b.paragraph: b for b in doc.blocks if b.paragraph}
    assert set(by_number) == {"1", "2", "3", "4"}
    assert by_number["2"].text.endswith("continued text that finishes paragraph two.")
    assert by_number["1"].section == ("Introduction",)
    assert by_number["3"].section == ("Security",)


@pytest.mark.parametrize("name, content, reason", [
    ("broken.pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog", "not a readable PDF"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("empty.md", b"", "empty"),
    ("blank.md", b"   \n\n  ", "no readable text"),
    ("bad-front-matter.md", b"---\ntitle: [unclosed\n---\nBody", "front matter"),
])
def test_unreadable_files_give_a_reason(tmp_path: Path, name: str, content: bytes,
                                        reason: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError, match=reason):
        load_document(path, info(name))


def test_truncated_pdf_is_reported(tmp_path: Path) -> None:
    whole = make_pdf([["Guidance", "1. One paragraph of text."]])
    path = tmp_path / "cut.pdf"
    path.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(LoadError):
        load_document(path, info("cut.pdf"))


def test_windows_1252_text_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "legacy.txt"
    path.write_bytes("Guidance\n\nSpend over \xa3100 is reviewed.\n".encode("cp1252"))
    doc = load_document(path, info("legacy.txt"))
    assert any("£100" in b.text for b in doc.blocks)
    assert doc.warnings == ["not valid UTF-8; read as Windows-1252"]


def test_tables_keep_their_cells_as_readable_rows(tmp_path: Path) -> None:
    """A row reads on its own, each cell labelled by its column: not "Role Shared skills
    Chief data officer" with the cells run together."""
    page = tmp_path / "roles.md"
    page.write_text("# Roles\n\n## Who shares skills\n\n| Role | Shared skills | Grade |\n"
                    "|---|---|---|\n"
                    "| Chief data officer | Innovation in digital and data | SCS 2 |\n"
                    "| Head of IT | Hosting | |\n\nAfter the table.\n", encoding="utf-8")
    doc = load_document(page, DocumentInfo(id="roles", file="roles.md", title="Roles"))
    texts = [b.text for b in doc.blocks]
    assert texts == ["Chief data officer — shared skills: Innovation in digital and data; "
                     "grade: SCS 2", "Head of IT — shared skills: Hosting", "After the table."]
    assert all(b.section == ("Who shares skills",) for b in doc.blocks)


def test_a_table_copied_from_a_web_page_keeps_its_rows() -> None:
    doc = load("chief-technology-officer.txt")
    rows = [b.text for b in doc.blocks if " — shared skills: " in b.text]
    assert rows[0] == ("Chief data officer — shared skills: Innovation in digital and data, "
                       "Capability building for digital and data teams")
    assert len(rows) == 2
