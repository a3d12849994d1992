"""nlu_components/rasa_speedups.py changes how fast Rasa does two things, never what it does."""
import pytest
from jsonschema import ValidationError

import nlu_components  # noqa: F401  (installs the speed-ups, as loading our model does)
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, SlotSet
from rasa.shared.utils.common import all_subclasses


def test_a_valid_action_response_passes():
    response = {"events": [{"event": "slot", "name": "quiz", "value": {"status": "running"}}],
                "responses": [{"text": "hello"}]}
    assert RemoteAction("action_x", None)._validate_action_result(response) is True


@pytest.mark.parametrize("response", [
    {"events": [{"event": "slot", "name": 5}]},
    {"events": [{"event": "no_such_event"}]},
    {"responses": "not a list"},
])
def test_a_wrong_action_response_raises_rasas_error(response):
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("action_x", None)._validate_action_result(response)


def test_event_names_resolve_to_the_classes_rasa_finds():
    names = {cls.type_name for cls in all_subclasses(Event) if isinstance(getattr(cls, "type_name", None), str)}
    assert "user" in names and "slot" in names
    for name in names:
        expected = next(c for c in all_subclasses(Event) if c.type_name == name)
        assert Event.resolve_by_type(name) is expected
        assert Event.resolve_by_type(name) is expected   # the remembered answer too


def test_unknown_event_names_behave_as_in_rasa():
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("no_such_event", SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")


def test_loading_our_components_installs_both():
    assert RemoteAction._validate_action_result.__module__ == "nlu_components.rasa_speedups"
    assert Event.resolve_by_type.__module__ == "nlu_components.rasa_speedups"
