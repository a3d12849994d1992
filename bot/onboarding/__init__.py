"""Onboarding in chat: a guided path of short lessons with checks, progress in the results
store, and spaced review of missed items. Content: bot/content/lessons.yml."""
