"""The learned answerer: its trees score exactly as scikit-learn's, and the shipped model fits today's features."""

import re

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier

from rag.features import FEATURES
from rag.ranker import SUPPORT_FEATURES, AnswererModel, Trees


@pytest.mark.parametrize("seed, depth", [(0, 3), (1, 4)])  # the sentence models' depth and the support model's
def test_trees_score_exactly_as_scikit_learn_and_survive_json(seed, depth):
    rng = np.random.default_rng(seed)
    x = np.round(rng.random((400, 5)), 2)  # repeated values sit exactly on split thresholds
    y = (x[:, 0] + x[:, 1] * x[:, 2] > 0.7).astype(int)
    gbm = HistGradientBoostingClassifier(max_iter=30, max_depth=depth, random_state=0).fit(x, y)
    trees = Trees.from_sklearn(gbm, tuple("abcde"))
    np.testing.assert_allclose(trees.logits(x), gbm.decision_function(x), atol=1e-9)
    again = Trees.from_json(trees.to_json())
    np.testing.assert_allclose(again.logits(x), gbm.decision_function(x), atol=1e-5)
    assert set(trees.importance()) == set("abcde") and abs(sum(trees.importance().values()) - 1) < 1e-3


def test_the_shipped_model_was_fitted_on_todays_features_and_says_how_it_did():
    model = AnswererModel.load()
    assert model.ranker.features == FEATURES and model.support.features == SUPPORT_FEATURES
    assert model.answers is not None and model.answers.features == FEATURES
    assert 0 < model.threshold < 1
    held_out = model.info["held_out"]
    assert re.fullmatch(r"leave one author out|\d+ folds of authors", held_out["protocol"])
    assert len(held_out["by_author"]) >= 4  # figures per author, whichever way the authors were held out


def test_cross_validation_fits_each_pair_of_left_out_authors_once_and_scores_as_without(engine):
    """Leaving out g inside the fold without h is the same model as leaving out h inside the fold without g:
    the shared cache must give exactly the out-of-fold scores that fitting every model anew gives."""
    from rag import learn
    from rag.evaluate import load_set

    questions = load_set("evals/dev.jsonl")[:36]
    items = learn.collect(engine, {g: questions[i::3] for i, g in enumerate("abc")})
    ctx = engine.context()
    cv = learn.CrossValidation(items, ctx)
    assert len(cv.cache) == 3 + 3  # three folds' own models and three pairs, not 3 + 3 * 2
    for g in cv.groups:
        train = [it for it in items if it.group != g]
        fresh = learn.out_of_fold_answers(train, ctx)
        cached = cv.answers[g][1]
        assert fresh.keys() == cached.keys() and fresh
        for k in fresh:
            np.testing.assert_array_equal(fresh[k], cached[k])
