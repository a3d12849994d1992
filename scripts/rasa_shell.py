"""`rasa shell` for `make chat`, with Ctrl-C at a button prompt ending the chat cleanly.

rasa 3.6's button prompt calls `.rfind` on questionary's None when the prompt is
cancelled and dies with an AttributeError traceback; here a cancelled prompt ends the
chat the way /stop does.
"""
import sys

import rasa.cli.utils as cli_utils
from rasa.__main__ import main


async def payload_or_none(button_question):
    response = await button_question.ask_async()
    if response is None or response == cli_utils.FREE_TEXT_INPUT_PROMPT:
        return response
    return response[response.rfind("(") + 1: response.rfind(")")]


cli_utils.payload_from_button_question = payload_or_none

if __name__ == "__main__":
    sys.argv = ["rasa", "shell", *sys.argv[1:]]
    main()
