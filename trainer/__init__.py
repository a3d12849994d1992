"""The trainer web app: sign in, assign quizzes, invite trainees, read results, export CSV.

A Starlette app served by uvicorn (`python -m trainer`, started by `make serve`). It uses
bot/ (the results store, the task bank); bot/ never imports it.
"""
