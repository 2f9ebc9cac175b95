"""Every link in README.md and docs/ stays in the repository and points at a file that exists.

The docs must work offline, from a checkout, for a user on their own: a link to a web page
can rot or be unreachable, and a link to a missing file is a dead end.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# [text](target) and ![alt](target), and <scheme://...> autolinks; code is not a link
LINK = re.compile(
    r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<([a-z][a-z0-9+.-]*:[^>\s]+)>"
)
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)
CODE = re.compile(r"`[^`\n]*`")


def _documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]


def _links(text: str) -> list[str]:
    prose = CODE.sub("", FENCE.sub("", text))
    return [inline or auto for inline, auto in LINK.findall(prose)]


def _problem(document: Path, target: str) -> str | None:
    if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) or target.startswith("//"):
        return "leaves the repository"
    path = target.split("#", 1)[0]
    if not path:  # a heading in the same file
        return None
    resolved = (document.parent / path).resolve()
    if not resolved.is_relative_to(ROOT):
        return "leaves the repository"
    if not resolved.exists():
        return "points to a missing file"
    return None


def test_links_stay_inside_and_resolve() -> None:
    problems = []
    for document in _documents():
        for target in _links(document.read_text()):
            problem = _problem(document, target)
            if problem:
                problems.append(f"{document.relative_to(ROOT)}: {target} {problem}")
    assert problems == []


def test_the_checker_sees_what_it_must() -> None:
    text = (
        "[a](docs/marts.md) ![shot](docs/none.png) [web](https://example.com) "
        "<http://example.org> `[code](https://x.y)` [up](../../etc/passwd)\n"
        "```\n[fenced](https://z)\n```\n"
    )
    links = _links(text)
    assert links == [
        "docs/marts.md",
        "docs/none.png",
        "https://example.com",
        "http://example.org",
        "../../etc/passwd",
    ]
    readme = ROOT / "README.md"
    assert [_problem(readme, link) for link in links] == [
        None,
        "points to a missing file",
        "leaves the repository",
        "leaves the repository",
        "leaves the repository",
    ]
