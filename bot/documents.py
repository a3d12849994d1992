"""The five source documents' text and sections, and checks that a quote is really in them.

Texts: bot/content/documents/<doc id>.txt (copies of ../shared/seeds/, see README.md there).
Sections: bot/content/documents/sections.yml, written once by scripts/find_sections.py.

A quote item is {doc, section, quote}; `check(item)` says what is wrong with one, or None.
Quotes are compared after `normalise` (case, whitespace runs, curly/straight quote marks,
dashes, words hyphenated across a line break, bullet glyphs). A quote may leave words out
with "..." between verbatim fragments (needed for table rows the PDF extraction split);
the fragments must appear in order, close together, in the cited section.

CLI (for citing):  python -m bot.documents find "<quote>"      -> doc and section(s)
                   python -m bot.documents show <doc> "<heading>"  -> the section's text
                   python -m bot.documents sections [<doc>]      -> the section index
"""
import re
import sys
import unicodedata
from functools import lru_cache

import yaml

from bot import CONTENT_DIR

DOCUMENTS_DIR = CONTENT_DIR / "documents"
MIN_QUOTE_WORDS, MAX_QUOTE_WORDS = 6, 40
MAX_ELLIPSIS_GAP = 300  # normalised characters allowed between two fragments of one quote
ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…)\s*")

_QUOTE_MARKS = str.maketrans({
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'", "`": "'",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "*": " ",
})


def normalise(text: str) -> str:
    """Lower case, one space for any whitespace run, straight quote marks, '-' for any dash,
    no bullet glyphs, and words hyphenated across a line break joined ("stage- appropriate")."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTE_MARKS)
    text = "".join(" " if unicodedata.category(c) in ("Co", "Cn") or c in "\u2022\u25aa\u25cf\u00b7" else c
                   for c in text)
    text = re.sub(r"(\w)-\s+(\w)", r"\1-\2", text)
    return " ".join(text.lower().split())


def heading_key(text: str) -> str:
    """How a cited heading is matched to a found one: case, punctuation and dashes ignored."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


@lru_cache(maxsize=1)
def doc_ids() -> tuple:
    with open(CONTENT_DIR / "sources.yml", encoding="utf-8") as f:
        return tuple(yaml.safe_load(f))


@lru_cache(maxsize=None)
def lines(doc: str) -> tuple:
    return tuple((DOCUMENTS_DIR / f"{doc}.txt").read_text(encoding="utf-8").split("\n"))


@lru_cache(maxsize=1)
def sections() -> dict:
    """doc -> [{heading, level, start, end}] (1-based lines, end inclusive), in document order."""
    with open(DOCUMENTS_DIR / "sections.yml", encoding="utf-8") as f:
        return yaml.safe_load(f)


def _matching_sections(doc: str, heading: str) -> list:
    key = heading_key(heading)
    return [s for s in sections().get(doc, ()) if heading_key(s["heading"]) == key]


def has_section(doc: str, heading: str) -> bool:
    return bool(_matching_sections(doc, heading))


def section_text(doc: str, heading: str) -> str:
    """The raw text of a section (several sections with the same heading are joined);
    KeyError if the document has no such heading."""
    found = _matching_sections(doc, heading)
    if not found:
        raise KeyError(f"{doc}: no section {heading!r}")
    return "\n".join("\n".join(lines(doc)[s["start"] - 1:s["end"]]) for s in found)


@lru_cache(maxsize=None)
def _normalised_section(doc: str, heading: str) -> str:
    return normalise(section_text(doc, heading))


@lru_cache(maxsize=None)
def _normalised_lines(doc: str, start: int, end: int) -> str:
    return normalise("\n".join(lines(doc)[start - 1:end]))


def fragments(quote: str) -> list:
    return [normalise(f) for f in ELLIPSIS.split(quote) if normalise(f)]


def occurs_in(quote: str, text: str) -> bool:
    """Whether the quote's fragments occur, in order and close together, in normalised text."""
    parts = fragments(quote)
    if not parts:
        return False
    start = text.find(parts[0])
    while start != -1:
        pos, ok = start + len(parts[0]), True
        for part in parts[1:]:
            nxt = text.find(part, pos)
            if nxt == -1 or nxt - pos > MAX_ELLIPSIS_GAP:
                ok = False
                break
            pos = nxt + len(part)
        if ok:
            return True
        start = text.find(parts[0], start + 1)
    return False


def word_count(quote: str) -> int:
    return len(re.findall(r"[\w']+", " ".join(fragments(quote))))


def check(item: dict):
    """None if the quote item {doc, section, quote} is good, else what is wrong with it."""
    if not isinstance(item, dict):
        return f"not a quote item: {item!r}"
    doc, heading, quote = item.get("doc"), item.get("section"), item.get("quote")
    if doc not in doc_ids():
        return f"unknown document {doc!r}"
    if not heading or not has_section(doc, heading):
        return f"{doc}: no section {heading!r} (see bot/content/documents/sections.yml)"
    if not isinstance(quote, str) or not quote.strip():
        return f"{doc} / {heading}: empty quote"
    words = word_count(quote)
    if not MIN_QUOTE_WORDS <= words <= MAX_QUOTE_WORDS:
        return (f"{doc} / {heading}: quote has {words} words, keep it to "
                f"{MIN_QUOTE_WORDS}-{MAX_QUOTE_WORDS}: {quote!r}")
    if not occurs_in(quote, _normalised_section(doc, heading)):
        where = find(quote)
        hint = f" (it is in: {'; '.join(f'{d} / {h}' for d, h in where)})" if where else ""
        return f"{doc} / {heading}: quote not in this section{hint}: {quote!r}"
    return None


def find(quote: str) -> list:
    """[(doc, heading)] of the innermost sections holding the quote, in document order."""
    found = []
    for doc in doc_ids():
        hits = [s for s in sections().get(doc, ()) if occurs_in(quote, _normalised_lines(doc, s["start"], s["end"]))]
        for s in hits:
            inner = any(o is not s and s["start"] <= o["start"] and o["end"] <= s["end"]
                        and (o["start"], o["end"]) != (s["start"], s["end"]) for o in hits)
            if not inner:
                found.append((doc, s["heading"]))
    seen, unique = set(), []
    for pair in found:
        if pair not in seen:
            seen.add(pair)
            unique.append(pair)
    return unique


def enclosing(doc: str, heading: str) -> list:
    """Headings of the sections that contain the given one (outermost first)."""
    inner = _matching_sections(doc, heading)
    if not inner:
        return []
    s = inner[0]
    return [o["heading"] for o in sections()[doc]
            if o is not s and o["start"] <= s["start"] and s["end"] <= o["end"]
            and (o["start"], o["end"]) != (s["start"], s["end"])]


def main(argv: list) -> int:
    if len(argv) >= 2 and argv[0] == "find":
        quote = " ".join(argv[1:])
        hits = find(quote)
        if not hits:
            print(f"not found (normalised: {' ... '.join(fragments(quote))!r})")
            return 1
        for doc, heading in hits:
            outer = enclosing(doc, heading)
            print(f"{doc}\t{heading}" + (f"\t(within: {' > '.join(outer)})" if outer else ""))
        print(f"{word_count(quote)} words" + ("" if MIN_QUOTE_WORDS <= word_count(quote) <= MAX_QUOTE_WORDS
                                              else f" - quotes must have {MIN_QUOTE_WORDS}-{MAX_QUOTE_WORDS}"))
        return 0
    if len(argv) == 3 and argv[0] == "show":
        try:
            print(section_text(argv[1], argv[2]))
        except KeyError as e:
            print(e.args[0])
            return 1
        return 0
    if argv and argv[0] == "sections":
        for doc in argv[1:] or doc_ids():
            for s in sections()[doc]:
                print(f"{doc}\t{s['start']}-{s['end']}\t{s['heading']}")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
