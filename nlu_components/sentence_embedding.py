"""Dense sentence features for Rasa NLU from the project's meaning model (bot.embedding).

One 384-dimension all-MiniLM-L6-v2 vector per message, added as the TEXT sentence
feature, so Rasa's classifiers see what a message means, not only its words. No
sequence features: the model's sub-word states do not line up with spaCy tokens, and
the classifiers here work on sentence features.
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import embedding


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {**DenseFeaturizer.get_default_config()}

    @staticmethod
    def required_packages() -> List[Text]:
        return ["onnxruntime", "tokenizers"]

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        pass

    def __init__(self, config: Dict[Text, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "SentenceEmbeddingFeaturizer":
        return cls(config, execution_context)

    def process(self, messages: List[Message]) -> List[Message]:
        texts = [m.get(TEXT) for m in messages]
        todo = [i for i, text in enumerate(texts) if text]
        if todo:
            vectors = embedding.embed([texts[i] for i in todo])
            for row, i in enumerate(todo):
                self.add_features_to_message(None, vectors[row:row + 1], TEXT, messages[i])
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data
