import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher


def make_tracker(text="", intent="", slots=None, entities=None, response_selector=None,
                 events=None, active_loop=None, sender_id="test-user", intent_confidence=1.0):
    """A rasa_sdk Tracker as the action server would receive it for one user message."""
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": intent_confidence},
        "entities": entities or [],
    }
    if response_selector is not None:
        latest["response_selector"] = response_selector
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=latest,
        events=events or [],
        paused=False,
        followup_action=None,
        active_loop=active_loop or {},
        latest_action_name="action_listen",
    )


def run_action(action, tracker, domain=None):
    """Run an action; returns (events, messages) as the action server would send them."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, domain or {}))
    return events, dispatcher.messages


@pytest.fixture
def tracker_factory():
    return make_tracker


@pytest.fixture
def run():
    return run_action
