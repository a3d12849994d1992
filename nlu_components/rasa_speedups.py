"""Two per-message costs Rasa 3.6 pays for nothing, found by profiling one message end to
end on an idle server (py-spy; docs/performance.md). Behaviour is unchanged.

1. Every action-server response is checked with `jsonschema.validate`, which first
   re-validates the constant schema against its metaschema: about 40 % of Rasa's time per
   message. Here the same schema is checked once and one validator checks each response;
   a wrong response still raises Rasa's own ValidationError and message.
2. Loading a tracker turns each event's type name into its class by walking every Event
   subclass, for every event of the conversation: about 5 %. Here each name is looked up
   once and remembered.

Imported by `nlu_components/__init__.py`, so every Rasa process that loads our model
(run, shell, test) gets both.
"""
from jsonschema import exceptions, validators
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event

_rasa_validate_action_result = RemoteAction._validate_action_result
_schema = RemoteAction.action_response_format_spec()
_validator_class = validators.validator_for(_schema)
_validator_class.check_schema(_schema)
_validator = _validator_class(_schema)


def _validate_action_result(self, result):
    if exceptions.best_match(_validator.iter_errors(result)) is None:
        return True
    return _rasa_validate_action_result(self, result)  # raises with Rasa's own message


_rasa_resolve_by_type = Event.resolve_by_type
_event_classes = {}


def _resolve_by_type(type_name, default=None):
    found = _event_classes.get(type_name)
    if found is None:
        found = _rasa_resolve_by_type(type_name, default)
        if found is not None and getattr(found, "type_name", None) == type_name:
            _event_classes[type_name] = found
    return found


RemoteAction._validate_action_result = _validate_action_result
Event.resolve_by_type = staticmethod(_resolve_by_type)
