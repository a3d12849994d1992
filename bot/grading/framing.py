"""What the person typed, reduced to the task itself.

"My supervisor told me to observe urine screens", "Can our peer drive Ms. R to court?",
"I refuse to lend clients money": who asked, whether it is a question and whether it is
negated are peeled off (and remembered), so the model sees only the task.
"""
import re
from dataclasses import dataclass

MAX_CHARS = 1000

# Bullet marks of pasted lists and PDF text: symbol bullets, or "o", "-", "*", ">" before a space.
BULLET = re.compile(r"^\s*(?:[\uf0b7\uf0a7\uf076\uf0d8\u2022\u25aa\u25cf\u00b7\u2023\u2043\u25e6\u2219\u27a2\u2713\u2714"
                    r"\u25a0\u25a1\u2610\u00a7]+|[o*\-\u2013\u2014>](?=\s)|\(?\d{1,2}[.)](?=\s))\s*")


def is_bulleted(line: str) -> bool:
    m = BULLET.match(line or "")
    return bool(m and m.end() > 0 and line.strip())


# "Hi, can our peer ...?", "Good morning! quick question: ...", "thanks! and can they ...": the greeting
# or acknowledgement says nothing about the task ("ok to lend money?" keeps its "ok").
GREETING = re.compile(r"^(?:(?:hi|hello|hey|hiya|howdy|good (?:morning|afternoon|evening)|greetings)"
                      r"(?:\s+(?:there|all|everyone|team))?|(?:i have )?(?:a )?quick question|"
                      r"thanks|thank you|thx|got it|great|cool|lol|also|and|so|ok(?:ay)?(?!\s+(?:to|for|if)\b))"
                      r"\s*[,!.:;\-]*\s+", re.I)


def without_greeting(text: str) -> str:
    """The text without a leading greeting, acknowledgement or "quick question:" (repeated: "Hi! Quick
    question: ...")."""
    text = text or ""
    while True:
        stripped = GREETING.sub("", text.lstrip(), count=1)
        if stripped == text.lstrip() or len(stripped.split()) < 3:   # "Hi there!" is all greeting
            return text
        text = stripped


def clean(text: str) -> str:
    """One task as plain text: bullet characters, numbering and extra spaces removed."""
    text = (text or "").replace("\u00a0", " ").replace("\u2019", "'").strip()
    text = BULLET.sub("", text, count=1)
    text = re.sub(r"\s+", " ", text).strip()
    return text[:MAX_CHARS]


# A posting's sections that hold no duties ("Qualifications: High school diploma ...", "About
# the role: ...", or the lines under a "REQUIREMENTS" heading) and the lead-ins of those that do
# ("Responsibilities: Facilitate groups").
NOT_DUTIES = (r"(?:qualifications?|requirements?|minimum requirements|education|experience|skills|licensure|"
              r"certifications?|about(?: (?:the|this) (?:role|position|job)| us)?|who we are|benefits|salary|pay|"
              r"compensation|schedule|hours|location|job type|position type|reports to|physical demands|"
              r"working conditions|equal opportunity)\b")
NOT_DUTIES_LINE = re.compile(rf"^{NOT_DUTIES}[^:]{{0,20}}:", re.I)
NOT_DUTIES_HEADING = re.compile(rf"^(?:\w+ ){{0,2}}{NOT_DUTIES}", re.I)
DUTIES_LEAD_IN = re.compile(r"^(?:(?:essential |primary |key |main )?(?:duties|responsibilities|functions|tasks)"
                            r"(?: and responsibilities)?)\s*:\s*", re.I)
ROLE_NOUN = re.compile(r"\b(?:specialist|coach|navigator|advocate|worker|supporter|mentor|bridger|manager|"
                       r"coordinator|counsell?or|technician|aide|director|supervisor|partner)s?\b", re.I)


TITLE_START = re.compile(r"^(?:peer|recovery|certified|senior|lead|family|youth|parent|forensic|community|mental|"
                         r"behaviou?ral|substance|wellness|bilingual|clinical|case|care|residential|program|"
                         r"harm|crisis|job|position)\b", re.I)


def is_job_title(text: str) -> bool:
    """"Peer Recovery Specialist - Full Time": a short line in title case naming a role, starting
    the way titles do (not with a verb, as "Coordinate Care With The Case Manager" does)."""
    words = text.split()
    long_words = [w for w in words if len(w) >= 4 and w[0].isalpha()]
    return (len(words) <= 8 and not text.endswith(".") and bool(ROLE_NOUN.search(text))
            and bool(TITLE_START.match(text)) and all(w[0].isupper() for w in long_words))


def _is_heading(text: str, has_bullet: bool, many_lines: bool) -> bool:
    return ((text.endswith(":") and len(text.split()) <= 8)
            or (not has_bullet and text.isupper() and len(text.split()) <= 8 and many_lines))


def task_lines(lines) -> list:
    """The duties in pasted text, one per non-blank line, bullets cleaned. Skipped: headings
    (lines ending in ':', all-caps lines of a few words) and the lines under a heading of a
    section that holds no duties (qualifications, benefits, ...), such a section given on one
    line ("Qualifications: GED; ..."), a job title, and in a bulleted paste its un-bulleted
    lines of a few words. A bullet's wrapped continuation is joined to its bullet."""
    raw = [line.strip() for line in lines if line.strip()]
    bulleted = [is_bulleted(line) for line in raw]
    tasks, in_bullet, in_other_section = [], False, False
    for line, has_bullet in zip(raw, bulleted):
        text = clean(line)
        if not text or not any(c.isalpha() for c in text):
            in_bullet = False
            continue
        if any(bulleted) and not has_bullet and in_bullet and text[0].islower():
            tasks[-1] = clean(f"{tasks[-1]} {text}")
            continue
        in_bullet = False
        if _is_heading(text, has_bullet, len(raw) > 1):
            in_other_section = bool(NOT_DUTIES_HEADING.match(text))
            continue
        if DUTIES_LEAD_IN.match(text):
            in_other_section = False
        if in_other_section or NOT_DUTIES_LINE.match(text) or (len(raw) > 1 and not tasks and is_job_title(text)):
            continue
        if any(bulleted) and not has_bullet and len(text.split()) <= 3:
            continue
        tasks.append(DUTIES_LEAD_IN.sub("", text))
        in_bullet = has_bullet
    return tasks


_SUBJECT = (r"(?:i|we|you|he|she|they|it|someone|staff|peers?|"
            r"(?:a|an|the|our|my|this|that|your)\s+(?:\w+[\s-]+){0,2}?"
            r"(?:peer|peers|coach|specialist|supporter|advocate|worker|staff|staffer|bridger|mentor|navigator)"
            r"(?:[\s-]+(?:specialists?|coach(?:es)?|workers?|supporters?|advocates?|mentors?|navigators?|staff))?)")
_ROLE = (r"(?:(?:certified\s+)?(?:peer|recovery|wellness|lead)[\s-]*(?:support\s+)?"
         r"(?:specialist|coach|supporter|worker|staff|advocate|mentor|bridger|navigator)?s?)")
_ASKER = (r"(?:my|our|the|a)\s+(?:\w+\s+)?(?:supervisor|manager|boss|director|team|doctor|nurse|psychiatrist|"
          r"clinician|counselor|counsellor|case\s*manager|agency|program|clinic|administrator|lead)"
          r"|they|someone|management|staff|the team")
_ASK_VERB = (r"(?:told|tells|tell|asked|asks|ask|wants|want|wanted|needs|need|expects|expect|expected|directed|"
             r"instructed|assigned|pressured|pushed|is making|made|makes|would like|requires|required)")

# Framing: who asks, and whether the sentence is a question. Each pattern removes a prefix.
DIRECTED = [
    re.compile(rf"^(?:{_ASKER})\s+(?:has\s+|have\s+|keeps?\s+)?{_ASK_VERB}\s+(?:me|us|him|her|them|"
               rf"(?:our|the|a|my)\s+(?:\w+\s+){{0,2}}?{_ROLE})\s+(?P<neg>not\s+|never\s+)?(?:to\s+)?", re.I),
    re.compile(rf"^(?:i|we|he|she|they|(?:our|the|a|my)\s+(?:\w+\s+){{0,2}}?{_ROLE})\s+(?:was|were|am|are|is|"
               r"have\s+been|has\s+been|keep|keeps|get|got)\s+(?:being\s+|getting\s+)?(?:told|asked|directed|"
               r"instructed|expected|assigned|pressured|required|supposed)\s+(?P<neg>not\s+|never\s+)?(?:to\s+)?", re.I),
    re.compile(rf"^(?:{_ASKER})\s+{_ASK_VERB}\s+(?:that\s+)?", re.I),
    re.compile(r"^(?:i'm|i am|we're|we are)\s+(?:being\s+)?(?:told|asked|expected|required|supposed)\s+"
               r"(?P<neg>not\s+|never\s+)?(?:to\s+)?", re.I),
]
SHORT_STAFFED = re.compile(r"(?:^|,\s*|\s)(?:because|since|as)?\s*(?:we're|we are|we've been|the (?:clinic|program|"
                           r"agency|team) is|it's|we're so)\s+(?:so\s+)?(?:short[\s-]*(?:staffed|handed)|short on \w+|"
                           r"understaffed|swamped|behind)\s*(?:,?\s*so\b|,)?", re.I)
QUESTION = [
    re.compile(rf"^(?:is\s+it|would\s+it\s+be|isn't\s+it)\s+(?:ok|okay|alright|all\s+right|appropriate|fine|"
               rf"acceptable|allowed|right|in\s+role|part\s+of\s+the\s+role)\s+(?:for|if)\s+(?:{_SUBJECT}|me|us)\s+"
               r"(?:to\s+)?", re.I),
    re.compile(rf"^(?:can|could|should|may|might|would|will|do|does|is|are)\s+(?:{_SUBJECT}|me|us)\s+"
               r"(?:be\s+allowed\s+to\s+|(?:supposed|allowed|permitted|expected|required)\s+to\s+|ever\s+|also\s+|"
               r"still\s+)?", re.I),
    re.compile(r"^(?:is|are)\s+(?:it|this|that)\s+(?:in|out\s+of|within|outside)\s+(?:a\s+|the\s+)?(?:peer'?s?\s+)?"
               r"role\s+(?:to\s+|if\s+|for\s+\w+\s+to\s+)?", re.I),
    re.compile(r"^(?:what\s+about|how\s+about)\s+", re.I),
]
TRAILING_QUESTION = re.compile(r",?\s*(?:is\s+(?:that|this|it)|would\s+(?:that|this)\s+be)\s+(?:ok|okay|fine|"
                               r"allowed|in\s+role|out\s+of\s+role|appropriate)(?:\s+for\s+(?:a|our|the)\s+\w+)?$", re.I)
LEADING_SUBJECT = re.compile(rf"^(?:{_SUBJECT})\s+(?:(?:also|often|sometimes|usually|always|just|currently)\s+)?", re.I)
NEGATION = re.compile(
    r"^(?:(?:do|does|did|will|would|should|must|can|could|shall|may|is|are|am|was|were|has|have|had)\s*"
    r"(?:not|n't|never)\b|"
    r"(?:don't|doesn't|didn't|won't|wouldn't|shouldn't|mustn't|can't|cannot|isn't|aren't|wasn't|weren't)\b|"
    r"(?:not|never)\b|"
    r"(?:refuse|refuses|refused|refusing|decline|declines|declined|declining|avoid|avoids|avoided|avoiding|"
    r"say\s+no\s+to|said\s+no\s+to|push\s+back\s+on|pushed\s+back\s+on)\b)\s*(?:to\b)?\s*",
    re.I,
)
# A question about a concept or a greeting, not a duty: "what is co-optation?", "hello".
NOT_A_TASK = re.compile(
    r"^(?:what(?:'s|\s+is|\s+are|\s+does)|who|why|define|definition|explain(?!\s+to\b)|"
    r"tell\s+me\s+(?:about|more)|describe|hi|hello|hey|thanks|thank\s+you|good\s+(?:morning|afternoon|evening)|"
    r"how\s+(?:do|does|is|are)\s+(?:peers?|recovery|peer\s+support|a\s+peer)\b)\b", re.I)


# A job posting's qualification or detail line, not a duty: "Bachelor's degree preferred",
# "Must possess a valid driver's license", "Reports to the Program Manager".
QUALIFICATION = re.compile(
    r"^(?:(?:must|should)\s+(?:be|have|possess|hold|pass|maintain|demonstrate)\b|(?:the\s+)?ability\s+to\b|able\s+to\b|"
    r"(?:knowledge|understanding|familiarity|proficiency)\s+(?:of|in|with)\b|proficient\b|bilingual\b|fluent\b|"
    r"(?:a\s+)?(?:bachelor|associate|master)'?s?\b|high\s+school\b|ged\b|(?:college\s+)?degree\b|diploma\b|"
    r"(?:valid\s+)?driver'?s\s+licen[cs]e\b|minimum\s+(?:of\s+)?\w+\s+(?:years?|months?)\b|at\s+least\s+\w+\s+years?\b|"
    r"\d+\+?\s+years?\b|(?:lived\s+)?experience\s+(?:of|in|with|as)\b|"
    r"(?:excellent|strong|good|effective)\s+(?:communication|interpersonal|written|verbal|organi[sz]ational|computer)\b|"
    r"(?:salary|pay|wage|hours|location|reports\s+to|job\s+title|department|flsa|benefits\s+include)\b)", re.I)
# "CPRS certification required", "Bilingual Spanish preferred": a short line ending so is a
# qualification; a duty such as "Completes documentation as required" is not.
QUALIFICATION_ENDING = re.compile(r"(?<!\bas\s)(?<!\bif\s)(?<!\bwhen\s)\b(?:required|preferred)\.?$", re.I)
QUALIFICATION_ENDING_MAX_WORDS = 6


@dataclass
class Framing:
    core: str                 # the task itself, framing and negation removed
    directed: bool = False    # someone asked/told/pressured the peer to do it
    question: bool = False
    short_staffed: bool = False
    negated: bool = False


def parse_framing(text: str) -> Framing:
    core, f = text.strip().rstrip("?.! "), Framing(core="")
    m = TRAILING_QUESTION.search(core)
    if m and m.start() > 0:
        f.question, core = True, core[:m.start()]
    if SHORT_STAFFED.search(core):
        f.short_staffed = True
        core = SHORT_STAFFED.sub(" ", core, count=1).strip(" ,")
    for _ in range(3):   # framings can stack: "Is it OK if my supervisor asks me to ..."
        changed = False
        for pattern in DIRECTED:
            m = pattern.match(core)
            if m and m.end() < len(core):
                f.directed, core, changed = True, core[m.end():], True
                f.negated ^= bool(m.groupdict().get("neg"))
        for pattern in QUESTION:
            m = pattern.match(core)
            if m and m.end() < len(core):
                f.question, core, changed = True, core[m.end():], True
        if not changed:
            break
    m = LEADING_SUBJECT.match(core)
    if m and m.end() < len(core):
        core = core[m.end():]
    m = NEGATION.match(core)
    if m and m.end() < len(core):
        f.negated, core = not f.negated, core[m.end():]
    f.core = core.strip(" ,")
    return f


def is_concept_question(text: str) -> bool:
    """A question about an idea, or small talk, rather than a described duty."""
    return bool(NOT_A_TASK.match(text.strip()))


def is_qualification(text: str) -> bool:
    """A qualification or job detail from a posting, rather than a duty."""
    text = text.strip()
    if QUALIFICATION.search(text):
        return True
    return len(text.split()) <= QUALIFICATION_ENDING_MAX_WORDS and bool(QUALIFICATION_ENDING.search(text))
