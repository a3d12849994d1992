"""Questions the five documents can't settle: billing codes, money amounts, one state's rules,
laws and legal duties, pay and HR policies, and the personal-boundary policies each agency sets
(gifts, social media, personal phones and cars, caseload sizes). The documents touch some of these
in general terms (Medicaid, a peer's salary, drug screening, the ADA), so a cue does not refuse by
itself: it raises the bar a prepared topic must clear and keeps passages out (a passage near
"H0038" or "Ohio's rate" would answer a different question). bot/knowledge/__init__.py decides.
"""
import re

STATES = ("alabama alaska arizona arkansas california colorado connecticut delaware florida georgia "
          "hawaii idaho illinois indiana iowa kansas kentucky louisiana maine maryland massachusetts "
          "michigan minnesota mississippi missouri montana nebraska nevada new hampshire new jersey "
          "new mexico new york north carolina north dakota ohio oklahoma oregon pennsylvania "
          "rhode island south carolina south dakota tennessee texas utah vermont virginia washington "
          "west virginia wisconsin wyoming").split(" ")
_TWO_WORD = {"new", "north", "south", "rhode", "west"}


def _state_pattern() -> str:
    names, i = [], 0
    while i < len(STATES):
        if STATES[i] in _TWO_WORD and i + 1 < len(STATES):
            names.append(f"{STATES[i]} {STATES[i + 1]}")
            i += 2
        else:
            names.append(STATES[i])
            i += 1
    return "|".join(sorted(names, key=len, reverse=True))


CUES = {
    "code": re.compile(r"\b(cpt|hcpcs|icd|billing\s+codes?|procedure\s+codes?|modifiers?|[a-z]\d{4}|"
                       r"\d{5})\b", re.IGNORECASE),
    "money": re.compile(r"\$\s*\d|\b\d+\s*(dollars|bucks|cents)\b|\bhow\s+much\s+(does|do|is|will|would|can)\b"
                        r"[^?]{0,40}\b(pay|paid|cost|charge|reimburs|bill|earn|make)|\b(per\s+unit|"
                        r"per\s+15|rate\s+for|reimbursement\s+rate|fee|fees|hourly|per\s+hour)\b",
                        re.IGNORECASE),
    "state": re.compile(r"\b(in|for|does|under)\s+(?:the\s+state\s+of\s+)?(" + _state_pattern() + r")\b"
                        r"|\b(" + _state_pattern() + r")('s)?\s+(require|rule|law|regulation|board|certif)"
                        r"|\b(my|our|your|this|each|the)\s+state('s)?\s+(require|rule|law|regulation|board)"
                        r"|\bstate\s+(law|laws|rules|regulations|requirements?|board)\b"
                        r"|\b(county|city)\s+(rule|policy|law|ordinance)|\bin\s+our\s+county\b"
                        r"|\b(another|other|different)\s+state('s|s)?\b"
                        r"|\b(documentation|billing)\s+requirements?\b|\brequirements?\s+for\s+(documentation|billing)\b",
                        re.IGNORECASE),
    "law": re.compile(r"\b(hipaa|42\s*cfr|ferpa|osha|mandated?\s+report\w*|mandatory\s+report\w*|"
                      r"legally|by\s+law|liab\w+|malpractice|subpoena\w*|lawsuit|sue|sued|statute|"
                      r"duty\s+to\s+warn|tarasoff|report\w*\s+(it|this|that|abuse|neglect|child|elder)|"
                      r"(child|elder)\s+abuse|court\s+paperwork|notar\w+)\b"
                      r"|\b(required|obligated|mandated|have\s+to|has\s+to|must)\b.{0,60}\breport"
                      r"|\breport\w*\b.{0,40}\b(suicid\w*|abuse|neglect|threat\w*|harm)"
                      r"|\bexceptions?\b.{0,30}\bconfidential\w*|\bconfidential\w*\b.{0,30}\b(be\s+)?(limited|exceptions?)\b"
                      r"|\bharm\s+to\s+(self|others|themselves)\b", re.IGNORECASE),
    "pay": re.compile(r"\b(salary|salaries|wages?|overtime|pto|paid\s+time\s+off|sick\s+(days|leave)|"
                      r"vacation|bonus|401k|retirement\s+plan|dental|health\s+insurance\s+plan|"
                      r"ssdi|ssi|paycheck|payroll|insurance)\b", re.IGNORECASE),
    "hr": re.compile(r"\b(grievance|union|fired|firing|terminat\w+|disciplin\w+|dress\s+code|"
                     r"background\s+check|non-?compete|resign\w*|two\s+weeks'?\s+notice|"
                     r"performance\s+improvement\s+plan|\bpip\b|handbook|timesheet|time\s+sheet|"
                     r"cafeteria|parking)\b", re.IGNORECASE),
    "licence": re.compile(r"\b(licen[cs]\w*|reciprocity|renew\w*|ceus?|continuing\s+education\s+(hours|credits|units)|"
                          r"hours\s+of\s+(continuing\s+education|ce|training)|"
                          r"expir\w*|exam\s+fee|cprs\s+exam|ic&rc|icrc|cadc|casac|transfer\w*\s+(my|a|the)\s+\w*\s*"
                          r"(credential|certification|license))\b", re.IGNORECASE),
    # Personal-boundary policies every agency sets for itself; none of the five documents mentions them.
    "agency_policy": re.compile(r"\b(gifts?|coffee\s+card|gift\s+card|facebook|instagram|snapchat|tiktok|social\s+media|"
                                r"friend\s+requests?|personal\s+(cell|phone|number|car|vehicle)|"
                                r"(my|their|his|her|own)\s+(cell\s+)?(car|vehicle|phone\s+number|cell\s+number)|"
                                r"caseload\s+(size|of)|how\s+many\s+(clients|participants|people))\b", re.IGNORECASE),
}


def cues(text: str) -> list:
    """The kinds of out-of-document subject the text names ([] when none)."""
    return [name for name, pattern in CUES.items() if pattern.search(text or "")]
