"""TextVectorization, StringLookup, IntegerLookup: vocabularies and outputs by hand, vs scikit-learn, save/load."""

from __future__ import annotations

import numpy as np
import pytest

import glassnet as keras
from glassnet import layers

DOCS = ["The cat sat on the mat.", "The dog ate my homework!", "a cat, a dog... and THE END"]


def test_vocabulary_order_frequency_then_reverse_token_order():
    tv = layers.TextVectorization()
    tv.adapt(np.array(DOCS))
    # the: 4; a, cat, dog: 2 (ties in decreasing order); the rest once, decreasing
    once = sorted(["sat", "on", "mat", "ate", "my", "homework", "and", "end"], reverse=True)
    assert tv.get_vocabulary() == ["", "[UNK]", "the", "dog", "cat", "a"] + once
    assert tv.get_vocabulary(include_special_tokens=False)[0] == "the"


def test_int_output_padding_truncation_and_oov():
    tv = layers.TextVectorization(max_tokens=5, output_sequence_length=4)
    tv.adapt(DOCS)
    assert tv.get_vocabulary() == ["", "[UNK]", "the", "dog", "cat"]
    out = tv(np.array([["the cat"], ["a dog ate the end"], [""]])).numpy()
    assert out.dtype == np.int64
    assert out.tolist() == [[2, 4, 0, 0], [1, 3, 1, 2], [0, 0, 0, 0]]
    ragged = layers.TextVectorization(vocabulary=["x", "y"])(np.array(["x y x", "y"])).numpy()
    assert ragged.tolist() == [[2, 3, 2], [3, 0, 0]]


def test_standardize_split_and_ngrams():
    tv = layers.TextVectorization(standardize=None, split="character", vocabulary=["A", "b"])
    assert tv(np.array(["Ab!"])).numpy().tolist() == [[2, 3, 1]]
    tv = layers.TextVectorization(ngrams=2, vocabulary=["a", "b", "a b"])
    assert tv(np.array(["A b c"])).numpy().tolist() == [[2, 3, 1, 4, 1]]  # a, b, c, "a b", "b c"
    tv = layers.TextVectorization(ngrams=(2,), vocabulary=["a b"])
    assert tv(np.array(["a b"])).numpy().tolist() == [[2]]
    tv = layers.TextVectorization(standardize="lower", split=None, vocabulary=["hello, world"])
    assert tv(np.array(["Hello, World"])).numpy().tolist() == [[2]]


def test_multi_hot_and_count_match_sklearn():
    sk = pytest.importorskip("sklearn.feature_extraction.text")
    clean = [layers.TextVectorization()._standardize(d) for d in DOCS]
    cv = sk.CountVectorizer(token_pattern=r"(?u)\S+").fit(clean)
    count = layers.TextVectorization(output_mode="count")
    count.adapt(DOCS)
    vocab = count.get_vocabulary()
    assert vocab[0] == "[UNK]"
    got = count(np.array(DOCS)).numpy()
    ref = cv.transform(clean).toarray()
    names = list(cv.get_feature_names_out())
    np.testing.assert_array_equal(got[:, 1:], ref[:, [names.index(t) for t in vocab[1:]]])
    multi = layers.TextVectorization(output_mode="multi_hot", vocabulary=vocab[1:])
    np.testing.assert_array_equal(multi(np.array(DOCS + ["zzz zzz"])).numpy(),
                                  np.vstack([np.minimum(got, 1), [[1] + [0] * (len(vocab) - 1)]]))
    padded = layers.TextVectorization(output_mode="multi_hot", max_tokens=30, pad_to_max_tokens=True)
    padded.adapt(DOCS)
    assert padded(np.array(["the"])).data.shape == (1, 30)


def test_tf_idf_weights_as_keras():
    tv = layers.TextVectorization(output_mode="tf_idf")
    tv.adapt(["a b b", "b c"])
    assert tv.get_vocabulary() == ["[UNK]", "b", "c", "a"]
    idf = np.log(1 + 2 / (1 + np.array([2, 1, 1])))
    out = tv(np.array(["b b z", "a"])).numpy()
    np.testing.assert_allclose(out, [[idf.mean(), 2 * idf[0], 0, 0], [0, 0, 0, idf[2]]], rtol=1e-6)
    again = layers.TextVectorization(output_mode="tf_idf", vocabulary=["b", "c", "a"], idf_weights=idf)
    np.testing.assert_allclose(again(np.array(["b b z", "a"])).numpy(), out, rtol=1e-6)


def test_string_lookup():
    lookup = layers.StringLookup(vocabulary=["a", "b", "c"])
    assert lookup.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    assert lookup(np.array([["a", "c", "z"]])).numpy().tolist() == [[1, 3, 0]]
    masked = layers.StringLookup(vocabulary=["a", "b"], mask_token="")
    assert masked(np.array([["a", "", "q"]])).numpy().tolist() == [[2, 0, 1]]
    inverse = layers.StringLookup(vocabulary=["a", "b", "c"], invert=True)
    assert inverse(np.array([[1, 3, 0]])).numpy().tolist() == [["a", "c", "[UNK]"]]
    one_hot = layers.StringLookup(vocabulary=["a", "b"], output_mode="one_hot")
    np.testing.assert_array_equal(one_hot(np.array(["b", "x"])).numpy(), [[0, 0, 1], [1, 0, 0]])
    strict = layers.StringLookup(vocabulary=["a"], num_oov_indices=0)
    assert strict(np.array(["a"])).numpy().tolist() == [0]
    with pytest.raises(ValueError, match="not in the vocabulary"):
        strict(np.array(["b"]))
    adapted = layers.StringLookup()
    adapted.adapt(np.array([["x", "y", "y"], ["z", "y", "x"]]))
    assert adapted.get_vocabulary() == ["[UNK]", "y", "x", "z"]


def test_integer_lookup():
    lookup = layers.IntegerLookup(vocabulary=[12, 36, 1138])
    assert lookup(np.array([[12, 1138, 42]])).numpy().tolist() == [[1, 3, 0]]
    multi = layers.IntegerLookup(output_mode="multi_hot", mask_token=0)
    multi.adapt(np.array([[5, 5, 0, 7]]))
    assert multi.get_vocabulary() == [-1, 5, 7]
    np.testing.assert_array_equal(multi(np.array([[5, 0, 9]])).numpy(), [[1, 1, 0]])
    counts = layers.IntegerLookup(vocabulary=[3, 4], output_mode="count")
    np.testing.assert_array_equal(counts(np.array([[3, 3, 4, 8]])).numpy(), [[1, 2, 1]])


@pytest.mark.parametrize("make", [
    lambda: layers.TextVectorization(output_mode="onehot"),
    lambda: layers.TextVectorization(standardize="upper"),
    lambda: layers.TextVectorization(output_mode="count", output_sequence_length=3),
    lambda: layers.TextVectorization(ngrams=0),
    lambda: layers.StringLookup(vocabulary=["a", "a"]),
    lambda: layers.StringLookup(vocabulary=["a", "[UNK]", "b"]),
    lambda: layers.StringLookup(max_tokens=2, vocabulary=["a", "b"]),
    lambda: layers.StringLookup(vocabulary=["a"], invert=True, output_mode="count"),
    lambda: layers.StringLookup(output_mode="tf_idf", vocabulary=["a"]),
])
def test_bad_arguments(make):
    with pytest.raises(ValueError):
        make()


def test_before_adapt_everything_is_oov_and_bad_shapes_are_refused():
    assert layers.StringLookup()(np.array(["a", "b"])).numpy().tolist() == [0, 0]
    assert layers.TextVectorization()(np.array(["a b"])).numpy().tolist() == [[1, 1]]
    assert layers.TextVectorization(output_mode="tf_idf")(np.array(["a b"])).numpy().tolist() == [[0]]
    with pytest.raises(ValueError, match="shape"):
        layers.TextVectorization(vocabulary=["a"])(np.array([["a", "b"]]))
    with pytest.raises(NotImplementedError):
        layers.StringLookup(num_oov_indices=2)


def test_functional_model_with_string_input_saves_and_loads(tmp_path):
    keras.utils.set_random_seed(0)
    tv = layers.TextVectorization(max_tokens=20, output_sequence_length=6)
    tv.adapt(DOCS)
    inp = keras.Input(shape=(1,), dtype="string")
    x = layers.Embedding(tv.vocabulary_size(), 4)(tv(inp))
    out = layers.Dense(1)(layers.GlobalAveragePooling1D()(x))
    model = keras.Model(inp, out)
    batch = np.array([["the cat"], ["a dog and the end"]])
    before = model(batch).numpy()
    model.save(tmp_path / "text.keras")
    loaded = keras.models.load_model(tmp_path / "text.keras")
    assert loaded.layers[1].get_vocabulary() == tv.get_vocabulary()
    np.testing.assert_allclose(loaded(batch).numpy(), before, rtol=1e-6)


def test_config_round_trip_keeps_vocabulary_and_idf():
    tv = layers.TextVectorization(output_mode="tf_idf", ngrams=2)
    tv.adapt(DOCS)
    clone = layers.TextVectorization.from_config(tv.get_config())
    assert clone.get_vocabulary() == tv.get_vocabulary()
    np.testing.assert_allclose(clone(np.array(DOCS)).numpy(), tv(np.array(DOCS)).numpy())
    lookup = layers.IntegerLookup(vocabulary=[4, 2], mask_token=0)
    again = layers.IntegerLookup.from_config(lookup.get_config())
    assert again.get_vocabulary() == [0, -1, 4, 2]


def test_adapt_and_vectorize_a_text_dataset(tmp_path):
    for label, text in [("neg", "bad bad film"), ("pos", "good film")]:
        (tmp_path / label).mkdir()
        (tmp_path / label / "1.txt").write_text(text)
    ds = keras.utils.text_dataset_from_directory(tmp_path, batch_size=1, shuffle=False, verbose=False)
    tv = layers.TextVectorization(output_mode="multi_hot")
    tv.adapt(ds)
    assert tv.get_vocabulary() == ["[UNK]", "film", "bad", "good"]
