"""Role-fit grader: is a described task in a peer supporter's role?

framing.py     the task itself, with "my supervisor told me to..." and negation peeled off
principles.py  the documents' role-fit principles (bot/content/principles.yml)
model.py       sentence embeddings + a scikit-learn classifier over the principles' examples
               and the task bank's train split (cached under var/grading/)
guard.py       the safety guard: clinical, coercive, monitoring, money and dual-relationship
               wording (principles.yml `guard:`) that never comes back "in role"
verdict.py     grade(text) -> Verdict: which principles fire and what follows
reply.py       the wording: reasons, chat reply, terminal text, job-description summary
"""
from bot.grading.reply import chat_reply, describe, human, job_description_reply, principle_line, summary
from bot.grading.verdict import Verdict, grade

__all__ = ["Verdict", "chat_reply", "describe", "grade", "human", "job_description_reply", "principle_line", "summary"]
