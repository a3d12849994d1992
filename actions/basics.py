from rasa_sdk import Action

from bot import menu


class ActionCapabilities(Action):
    def name(self):
        return "action_capabilities"

    async def run(self, dispatcher, tracker, domain):
        dispatcher.utter_message(text=menu.capabilities_text(), buttons=menu.capability_buttons())
        return []
