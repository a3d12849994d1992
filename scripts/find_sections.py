"""Find the section headings of the five source documents once, by heuristics over their text.

Writes bot/content/documents/sections.yml: for each document id (bot/content/sources.yml), the
ordered list of {heading, level, start, end} (1-based line numbers, `end` inclusive). A
section runs from its heading to the line before the next heading of the same or a higher
level (a smaller number), so a chapter holds its sub-sections.

The documents were extracted from PDFs and slides, so a heading is recognised by its look:
  - a short line standing alone (a blank line, or the start of the document, before it),
    not ending like a sentence (. , ;), with no bullet mark, and in Title Case or ALL CAPS;
  - a heading broken over two lines with no blank between is joined; on the slides (002)
    a title broken over lines separated by blanks is joined too;
  - runs of three or more short one- to three-word lines are table cells, not headings;
    lines repeated in the document (running page headers) are not headings either;
  - a heading must be followed by prose (a line of 25+ characters) within the next lines.
Levels: an appendix is level 0; ALL CAPS (2+ words), roman-numbered ("IV. ...") and slide
titles are level 1; other headings level 2. A heading with no text of its own, directly
followed by a sub-heading, becomes that sub-heading's parent (half a level up). Where a
document opens with its title, the text between the title and the next heading is also
recorded as the section "Opening paragraphs" (level 3).

The script fails if a heading cited anywhere in bot/content/*.yml is not found.
Run: .venv/bin/python scripts/find_sections.py   (rewrites sections.yml)
"""
import collections
import glob
import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "bot" / "content"
DOCS = CONTENT / "documents"
OUT = DOCS / "sections.yml"

SMALL_WORDS = {
    "a", "an", "and", "the", "of", "to", "in", "for", "on", "by", "at", "or", "vs", "with",
    "from", "within", "is", "are", "do", "does", "not", "be", "as", "into", "its", "it",
    "how", "why", "what", "you", "your", "continued", "cont",
}
BULLETS = "•–-*=o0O\uf0b7\uf0a7\uf0d8\uf076\u25aa\u25cf\u2022\u00b7"
DANGLING = {"a", "an", "and", "are", "is", "of", "the", "to", "in", "for", "by", "with", "or"}
SLIDES = {"roles_slides"}
OPENING = "Opening paragraphs"


def heading_key(text: str) -> str:
    """How a cited heading is matched to a found one: case, punctuation and dashes ignored."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def _bulleted(s: str) -> bool:
    """A list item: a bullet glyph, or a letter used as one ("o Full time")."""
    return s[0] in BULLETS and (not s[0].isalnum() or s[1:2] == " ")


def _words(line: str) -> list:
    return re.findall(r"[A-Za-z][A-Za-z'’\-/]*", line)


def _looks_like_heading(line: str, slides: bool = False) -> bool:
    s = line.strip()
    if not (3 <= len(s) <= 100) or _bulleted(s) or s[-1] in (".,;" if slides else ".,;:"):
        return False
    if re.match(r"^\d+\.\s", s) or "http" in s or "%" in s or "$" in s or "_" in s:
        return False
    if re.search(r"\b(19|20)\d\d\)?$", s):  # a reference ("SAMHSA (2012)"), not a heading
        return False
    words = _words(s)
    if not words or sum(c.isdigit() for c in s) > 6:
        return False
    if s.upper() == s and sum(c.isalpha() for c in s) >= 4:
        return True
    significant = [w for w in words if w.lower() not in SMALL_WORDS]
    if not significant:
        return False
    return all(w[0].isupper() for w in significant) and words[0][0].isupper()


def _is_all_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def _page_start(line: str) -> bool:
    """The extraction starts a new page's first line with one space: a strong heading mark."""
    return bool(re.match(r"^ \S", line))


def _standalone_short(lines: list, i: int) -> bool:
    """A short sentence-case line between blank lines ("Selection processes", "I. ...")."""
    s = lines[i].strip()
    if not s or not s[0].isupper() or s[-1] in ".,;:" or _bulleted(s) or len(s) > 100:
        return False
    if "%" in s or re.search(r"\b(19|20)\d\d\)?$", s):
        return False
    before = i == 0 or not lines[i - 1].strip() or _page_start(lines[i])
    after = i + 1 >= len(lines) or not lines[i + 1].strip()
    following = next((line.strip() for line in lines[i + 1:] if line.strip()), "")
    return before and after and len(following) >= 75 \
        and (len(_words(s)) <= 3 or bool(re.match(r"^[IVX]+\.\s", s)))


def find_headings(lines: list, slides: bool) -> list:
    """[(heading text, level, first line index, last line index of the heading)]."""
    counts = collections.Counter(line.strip() for line in lines if line.strip())
    blank = [not line.strip() for line in lines]

    def repeated(k):
        return not slides and counts[lines[k].strip()] >= 2

    def list_item(k):
        """A line starting with one space near others that do (two text lines either side):
        bullets the extraction stripped, not page starts."""
        if not _page_start(lines[k]) or _is_all_caps(lines[k]):
            return False
        above = [lines[m] for m in range(k - 1, -1, -1) if lines[m].strip()][:2]
        below = [lines[m] for m in range(k + 1, len(lines)) if lines[m].strip()][:2]
        return any(_page_start(line) and not _is_all_caps(line) for line in above + below)

    def opens(k):
        if not slides and list_item(k):
            return False
        return (_looks_like_heading(lines[k], slides) or (not slides and _standalone_short(lines, k))) \
            and not repeated(k) and (k == 0 or blank[k - 1] or _page_start(lines[k])) \
            and (not slides or k < 2 or (blank[k - 1] and blank[k - 2]))

    candidates = [i for i in range(len(lines)) if opens(i)]
    # join continuation lines (no blank between; on slides, one blank allowed within a title)
    groups, used = [], set()
    for i in candidates:
        if i in used:
            continue
        group, j = [i], i + 1
        while j < len(lines) and len(group) < 4:
            s = lines[j].strip()
            caps_pair = len(group) == 1 and _is_all_caps(lines[j]) and _is_all_caps(lines[group[-1]])
            if s and (not _page_start(lines[j]) or caps_pair) and not repeated(j) and (
                    _looks_like_heading(lines[j], slides) or (slides and _looks_like_heading(s[0].upper() + s[1:], slides))):
                group.append(j)
                j += 1
            elif slides and blank[j] and j + 1 < len(lines) and not blank[j + 1] and not blank[j - 1] \
                    and _looks_like_heading(lines[j + 1].strip()[0].upper() + lines[j + 1].strip()[1:], slides):
                j += 1  # one blank inside a slide title
            elif slides and s.endswith((":", "?")) and len(s) < 30 and len(group) < 3 \
                    and _looks_like_heading(s.rstrip(":?").strip() or "x"):
                group.append(j)  # a slide title's last fragment may end in ':' or '?'
                break
            else:
                break
        used.update(group)
        groups.append(group)
    # lists and table cells: runs of 3+ candidates with only blank or very short lines between
    # (a line starting with one space usually opens a page, a strong heading mark - unless
    # several do in one run: then the space is what is left of stripped bullets)
    def loose(a, b):
        return all(blank[k] or len(_words(lines[k])) <= 3 for k in range(a[-1] + 1, b[0]))

    def drop_run(run):
        spaced = [n for n in run if _page_start(lines[groups[n][0]])]
        return run if len(spaced) >= 2 else [n for n in run if n not in spaced]

    drop, run = set(), []
    for n, g in enumerate(groups):
        if run and loose(groups[run[-1]], g):
            run.append(n)
        else:
            if len(run) >= 3:
                drop.update(drop_run(run))
            run = [n]
    if len(run) >= 3:
        drop.update(drop_run(run))
    if slides:
        drop = set()
    drop = {n for n in drop if not re.match(r"^\s*appendix\b", lines[groups[n][0]], re.I)}
    kept = [g for n, g in enumerate(groups) if n not in drop]
    # a heading needs prose after it, or a sub-heading right after it (then it is that one's parent)
    own, parent = {}, {}
    for n, g in enumerate(kept):
        own[n] = slides or _page_start(lines[g[0]]) or _followed_by_prose(lines, g[-1] + 1)
    passes = {}
    for n, g in enumerate(kept):
        nxt = next((k for k in range(g[-1] + 1, len(lines)) if lines[k].strip()), None)
        parent[n] = not slides and n + 1 < len(kept) and kept[n + 1][0] == nxt and own[n + 1]
        passes[n] = own[n] or parent[n]
    headings = []
    for n, g in enumerate(kept):
        if not passes[n]:
            continue
        text = " ".join(" ".join(lines[k].split()) for k in g)
        if text.split()[-1].lower() in DANGLING:
            continue  # "Peer Advocates are": a sentence cut by the layout, not a heading
        if not slides and len(text.split()) >= 8 and not _is_all_caps(text) and _sentence_goes_on(lines, g[-1] + 1):
            continue  # a long Title-Case line that runs on into a sentence
        if re.match(r"^appendix\b", text, re.I):
            level = 0  # an appendix holds chapters of its own
        elif slides or (_is_all_caps(text) and len(_words(text)) >= 2) or re.match(r"^[IVX]+\.\s", text):
            level = 1
        else:
            level = 2
        headings.append([text, level, g[0], g[-1], parent[n]])
    # a heading with no text of its own before a sub-heading is that sub-heading's parent
    for n in range(len(headings) - 1):
        if headings[n][4]:
            headings[n][1] = min(headings[n][1], headings[n + 1][1] - 0.5)
    headings = [tuple(h[:4]) for h in headings]
    return headings


def _sentence_goes_on(lines: list, k: int) -> bool:
    """The text after a would-be heading continues its sentence: the very next line is text,
    the next text line starts with a word ending in ':' (a run-in label), or is a short
    lead-in ending in ':' ("Coaching Services, SAMHSA says:")."""
    if k < len(lines) and lines[k].strip():
        return True
    following = next((line.strip() for line in lines[k:] if line.strip()), "")
    if following.split() and following.split()[0].endswith(":"):
        return True  # "...Resiliency Peer / Specialists: Similar to CPS ..." - a run-in label
    return following.endswith(":") and len(following.split()) <= 6


def _followed_by_prose(lines: list, start: int) -> bool:
    """Within the next 8 non-blank lines, a line of running text (60+ characters, mostly
    lower-case words) - table cells and lists of names don't count."""
    seen = 0
    for k in range(start, len(lines)):
        s = lines[k].strip()
        if not s:
            continue
        words = _words(s)
        if len(s) >= 60 and words and sum(w[0].islower() for w in words) * 2 >= len(words):
            return True
        seen += 1
        if seen >= 8:
            return False
    return False


def sections_of(lines: list, slides: bool) -> list:
    headings = find_headings(lines, slides)
    out = []
    for n, (text, level, first, last) in enumerate(headings):
        end = len(lines) - 1
        for text2, level2, first2, _ in headings[n + 1:]:
            if level2 <= level:
                end = first2 - 1
                break
        while end > first and not lines[end].strip():
            end -= 1
        out.append({"heading": text, "level": level, "start": first + 1, "end": end + 1})
    first_text = next((k for k, line in enumerate(lines) if line.strip()), None)
    if headings and headings[0][2] == first_text:  # the document opens with its title
        title_last = headings[0][3]
        nxt = headings[1][2] if len(headings) > 1 else len(lines)
        body = [k for k in range(title_last + 1, nxt) if lines[k].strip()]
        if body:
            out.insert(1, {"heading": OPENING, "level": 3, "start": body[0] + 1, "end": body[-1] + 1})
    return out


def cited_headings() -> set:
    cited = set()

    def walk(node):
        if isinstance(node, dict):
            if "doc" in node and node.get("section"):
                cited.add((node["doc"], node["section"]))
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for path in sorted(glob.glob(str(CONTENT / "*.yml"))):
        with open(path, encoding="utf-8") as f:
            walk(yaml.safe_load(f))
    return cited


def main() -> int:
    with open(CONTENT / "sources.yml", encoding="utf-8") as f:
        sources = yaml.safe_load(f)
    result = {}
    for doc in sources:
        lines = (DOCS / f"{doc}.txt").read_text(encoding="utf-8").split("\n")
        result[doc] = sections_of(lines, doc in SLIDES)
    missing = [
        (doc, section) for doc, section in sorted(cited_headings())
        if doc in result and heading_key(section) not in {heading_key(s["heading"]) for s in result[doc]}
    ]
    header = ("# Generated by scripts/find_sections.py from bot/content/documents/<doc>.txt - do not edit.\n"
              "# doc -> ordered sections {heading, level, start, end}; 1-based lines, end inclusive.\n")
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(header)
        yaml.safe_dump(result, f, sort_keys=False, allow_unicode=True, width=200)
    for doc, secs in result.items():
        print(f"{doc}: {len(secs)} sections")
    if missing:
        print("cited headings not found:", *missing, sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
