"""The meaning model: loads offline from the installed package, and means something."""
import numpy as np
import pytest

from bot import embedding


def test_vectors_are_unit_length_and_shaped():
    vectors = embedding.embed(["A peer shares lived experience.", "", "x" * 5000])
    assert vectors.shape == (3, embedding.DIMENSIONS)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)


def test_paraphrases_are_closer_than_unrelated_sentences():
    a, b, c = embedding.embed(["Observe urine screens for the clinic",
                               "Watch participants give urine samples",
                               "Help a participant find housing"])
    assert a @ b > a @ c + 0.3


def test_order_of_a_batch_does_not_change_vectors():
    texts = ["short", "a much longer sentence about recovery coaches and court dates", "mid length one"]
    together = embedding.embed(texts)
    alone = np.stack([embedding.embed_one(t) for t in texts])
    assert np.allclose(together, alone, atol=1e-4)


def test_weights_are_the_vetted_file():
    assert embedding._sha256(embedding.model_path()) == embedding.MODEL_SHA256
    assert embedding._sha256(embedding.TOKENIZER_FILE) == embedding.TOKENIZER_SHA256


def test_a_tampered_model_file_is_refused(tmp_path, monkeypatch):
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not the model")
    monkeypatch.setattr(embedding, "model_path", lambda: fake)
    with pytest.raises(embedding.ModelUnavailable):
        embedding._Model()


def test_cache_returns_the_same_matrix(tmp_path):
    texts = ["one", "two"]
    first = embedding.embed_cached(texts, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.npy"))) == 1
    assert np.array_equal(first, embedding.embed_cached(texts, cache_dir=tmp_path))
