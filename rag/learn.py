"""Fit the answerer (sentence ranker, support model, abstention threshold) on question sets, honestly.

Retrieval does not depend on what is learned here, so each question is retrieved once
(``collect``) and the answer step (``rag.answer.compose``, the engine's own code) is then
re-run under any model. Fitting and reporting cross-validate over *authors*: a model is
judged on a question set none of whose questions it was fitted on (``cross_validate``).

Labels come from the sets' evidence strings: a candidate sentence is positive when it
holds most of the words of an evidence string (or the string lies inside it).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from rag.answer import Answer, Search, compose
from rag.evaluate import contains_any, must_ok, norm, quote_covers, strip_answer, tokens
from rag.features import FEATURES, Candidate, candidates, matrix
from rag.hop import Ask
from rag.question import Question
from rag.ranker import (
    CALIBRATION_FEATURES,
    SUPPORT_FEATURES,
    AnswererModel,
    Logistic,
    SelectParams,
    Trees,
    calibration_inputs,
    score,
    select,
    support_features,
)

EVIDENCE_SHARE = 0.6  # a sentence holding this share of an evidence string's words holds the evidence


@dataclass
class Item:
    """One question of a set, retrieved once: everything ``compose`` needs."""

    q: dict  # the set's record (id, type, evidence, must_contain, ...)
    group: str  # the set (author) it comes from
    question: Question
    hits: list
    sims: dict[str, float]
    cands: list[Candidate] | None = None  # filled once by ``prepare``: features do not depend on the model

    @property
    def answerable(self) -> bool:
        return self.q["type"] != "unanswerable"


def sentence_label(text: str, evidence: Sequence[str]) -> bool:
    t = norm(text)
    tt = tokens(text)
    for e in evidence:
        ne, te = norm(e), tokens(e)
        if ne in t or (len(tt) >= 4 and t in ne):
            return True
        if te and len(te & tt) / len(te) >= EVIDENCE_SHARE:
            return True
    return False


def collect(engine, sets: dict[str, list[dict]], progress=None) -> list[Item]:
    items = []
    for group, qs in sets.items():
        for q in (progress(qs, group) if progress else qs):
            question = engine.analyse(q["question"], q.get("history"))
            hits, sims = engine.retrieve(question)
            items.append(Item(q, group, question, hits, sims))
    return items


def reanalyse(items: list[Item], engine) -> list[Item]:
    """Cached items with their questions analysed again by today's code (retrieval is kept)."""
    live = engine.view.passage_pos
    if any(h.passage.chunk_id not in live for it in items for h in it.hits):
        raise ValueError("the cache holds passages of another index (re-ingested since): delete it and run again")
    for it in items:
        it.question = engine.analyse(it.q["question"], it.q.get("history"))
        it.cands = None
    return items


def _candidates(item: Item, ctx) -> list[Candidate]:
    if item.cands is None:
        item.cands = candidates(item.question, item.hits, item.sims, ctx)
    return item.cands


def ranker_data(items: list[Item], ctx) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per answerable question: its candidates' features and which of them hold the evidence."""
    out = []
    for it in items:
        if not it.answerable or it.question.facts:
            continue
        cands = _candidates(it, ctx)
        if cands:
            y = np.array([sentence_label(ctx.sentences[c.idx].text, it.q["evidence"]) for c in cands], dtype=int)
            out.append((matrix(cands), y))
    return out


def boosted_trees(x: np.ndarray, y: np.ndarray, features: Sequence[str], max_depth: int = 3,
                  max_iter: int = 200) -> Trees:
    """Shallow, regularised trees, so a feature's use holds across authors rather than fitting one author's
    phrasing."""
    gbm = HistGradientBoostingClassifier(max_iter=max_iter, learning_rate=0.05, max_depth=max_depth,
                                         min_samples_leaf=40, l2_regularization=1.0, random_state=0).fit(x, y)
    return Trees.from_sklearn(gbm, tuple(features))


def fit_ranker(data: list[tuple[np.ndarray, np.ndarray]]) -> tuple[Trees, Logistic]:
    """Boosted trees on the candidates (does this sentence hold the evidence?), then a calibration of
    their score and its gap to the question's best score into a probability."""
    x = np.vstack([x for x, _ in data])
    y = np.concatenate([y for _, y in data])
    ranker = boosted_trees(x, y, FEATURES)
    cal = LogisticRegression(C=1.0, max_iter=2000).fit(
        np.vstack([calibration_inputs(ranker.logits(x)) for x, _ in data]), y)
    calibration = Logistic(CALIBRATION_FEATURES, cal.coef_[0].copy(), float(cal.intercept_[0]), np.zeros(2),
                           np.ones(2))
    return ranker, calibration


def answers_data(items: list[Item], ctx) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per question, unanswerable ones too: its candidates' features and which of them answer it (none, for an
    unanswerable question). What the ranker cannot learn: whether the best sentence answers at all."""
    out = []
    for it in items:
        if it.question.facts:
            continue
        cands = _candidates(it, ctx)
        if cands:
            y = np.array([it.answerable and sentence_label(ctx.sentences[c.idx].text, it.q["evidence"])
                          for c in cands], dtype=int)
            out.append((matrix(cands), y))
    return out


def fit_answers(data: list[tuple[np.ndarray, np.ndarray]]) -> Trees:
    x = np.vstack([x for x, _ in data])
    y = np.concatenate([y for _, y in data])
    return boosted_trees(x, y, FEATURES)


def fit_support(x: np.ndarray, y: np.ndarray) -> Trees:
    """Does the chosen answer hold what was asked? One row per question; the threshold, calibrated on held-out
    folds, decides how readily it abstains. Deeper and longer than the sentence models: its features interact
    (what a low cover means depends on the question's length and kind); on 81 authors depth 4 and 400 trees
    abstained on 84% of the held-out unanswerable questions where depth 3 and 200 trees managed 80%, at the same
    3.5% false abstentions (2026-12-07, evals/README.md; shipped at 2.5%)."""
    return boosted_trees(x, y, SUPPORT_FEATURES, max_depth=4, max_iter=400)


def out_of_fold_answers(items: list[Item], ctx, cache: dict | None = None) -> dict[int, np.ndarray]:
    """Each question's candidates scored by an answers model fitted without its author's questions, so the
    support model is fitted on the scores it will meet on new questions (not on over-confident in-sample ones).
    ``cache`` keeps those models by the authors they were fitted on: leaving out g inside a fold without h fits
    the same model as leaving out h inside a fold without g, so cross-validation fits each pair once."""
    groups = sorted({it.group for it in items})
    out: dict[int, np.ndarray] = {}
    for g in groups:
        key = frozenset(groups) - {g}
        model = cache.get(key) if cache is not None else None
        if model is None:
            model = fit_answers(answers_data([it for it in items if it.group != g], ctx))
            if cache is not None:
                cache[key] = model
        for it in items:
            if it.group == g and not it.question.facts and _candidates(it, ctx):
                out[id(it)] = model.logits(matrix(_candidates(it, ctx)))
    return out


def support_data(items: list[Item], ctx, model: AnswererModel, params: SelectParams,
                 oof: dict[int, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = [], []
    for it in items:
        if it.question.facts:
            continue
        cands = _candidates(it, ctx)
        score(cands, model)
        if oof is not None and id(it) in oof:
            for c, a in zip(cands, oof[id(it)], strict=True):
                c.a = float(a)
        chosen = select(it.question, cands, ctx, params)
        if not chosen:
            continue
        f = support_features(it.question, chosen, cands, ctx)
        xs.append([f[k] for k in SUPPORT_FEATURES])
        ys.append(int(it.answerable))
    return np.array(xs, dtype=float), np.array(ys, dtype=int)


def fit(items: list[Item], ctx, params: SelectParams, threshold: float = 0.5,
        ranker: tuple[Trees, Logistic] | None = None, answers: tuple[Trees, dict] | None = None,
        cache: dict | None = None) -> AnswererModel:
    """Ranker and answers model (unless given: they do not depend on the selection parameters), then the
    support model, fitted on out-of-fold answers scores."""
    ranker, calibration = ranker or fit_ranker(ranker_data(items, ctx))
    answers_model, oof = answers or (fit_answers(answers_data(items, ctx)), out_of_fold_answers(items, ctx, cache))
    model = AnswererModel(ranker, calibration, None, threshold, params, answers=answers_model)
    sx, sy = support_data(items, ctx, model, params, oof)
    model.support = fit_support(sx, sy)
    return model


@dataclass
class Outcome:
    id: str
    group: str
    type: str
    abstained: bool
    must: bool
    supported: bool
    quote: bool
    words: int
    support: float
    answer: str


def judge(item: Item, ans: Answer) -> Outcome:
    q = item.q
    ok = item.answerable and not ans.abstained
    cits = [c.to_json() for c in ans.citations]
    quotes = [c["quote"] for c in cits]
    return Outcome(
        q["id"], item.group, q["type"], ans.abstained,
        must=ok and must_ok(ans.answer, q["must_contain"]),
        supported=ok and any(contains_any(c["text"] + " " + c["quote"], q["evidence"]) for c in cits),
        quote=ok and quote_covers(quotes, q["evidence"]) >= 0.6,
        words=len(strip_answer(ans.answer).split()) if not ans.abstained else 0,
        support=float(ans.support), answer=ans.answer)


def run(items: list[Item], ctx, model: AnswererModel, threshold: float | None = None,
        search: Callable[[Item], Search] | None = None, ask: Callable[[Item], Ask] | None = None) -> list[Outcome]:
    """Outcomes as the engine answers them; ``search`` gives an item's second search and ``ask`` its parts asked
    on their own (``rag.hop``), so the held-out figures count what they find and the words they add."""
    return [judge(it, compose(it.question, it.hits, it.sims, ctx, model, threshold, _candidates(it, ctx),
                              search(it) if search else None, ask(it) if ask else None))
            for it in items]


def figures(outs: list[Outcome]) -> dict:
    ans = [o for o in outs if o.type != "unanswerable"]
    una = [o for o in outs if o.type == "unanswerable"]
    n = max(len(ans), 1)
    words = [o.words for o in outs if not o.abstained]
    return {
        "n": len(outs),
        "must": round(sum(o.must for o in ans) / n, 3),
        "supported": round(sum(o.supported for o in ans) / n, 3),
        "quote_support": round(sum(o.quote for o in ans) / n, 3),
        "abstain": f"{sum(o.abstained for o in una)}/{len(una)}",
        "abstain_recall": round(sum(o.abstained for o in una) / max(len(una), 1), 3),
        "false_abstain": f"{sum(o.abstained for o in ans)}/{len(ans)}",
        "false_abstain_rate": round(sum(o.abstained for o in ans) / n, 3),
        "words_median": statistics.median(words) if words else 0,
        "words_p90": sorted(words)[int(0.9 * (len(words) - 1))] if words else 0,
    }


def pick_threshold(supports: np.ndarray, answerable: np.ndarray, max_false: float) -> float:
    """The highest threshold whose false-abstention rate stays at or below ``max_false``."""
    pos = np.sort(supports[answerable == 1])
    if not len(pos):
        return 0.5
    k = int(np.floor(max_false * len(pos)))
    return float(pos[k]) - 1e-6 if k < len(pos) else float(pos[-1])


class CrossValidation:
    """Leave one author out: for each set, a ranker fitted on the other sets (fitted once, reused for every
    selection setting tried), and outcomes on the held-out set."""

    def __init__(self, items: list[Item], ctx, search: Callable[[Item], Search] | None = None,
                 ask: Callable[[Item], Ask] | None = None):
        self.items, self.ctx, self.search, self.ask = items, ctx, search, ask
        self.groups = sorted({it.group for it in items})
        self.rankers = {g: fit_ranker(ranker_data([it for it in items if it.group != g], ctx)) for g in self.groups}
        self.answers = {}
        self.cache: dict = {}  # answers models by the authors they were fitted on (see out_of_fold_answers)
        for g in self.groups:
            train = [it for it in items if it.group != g]
            outer = fit_answers(answers_data(train, ctx))
            self.cache[frozenset(self.groups) - {g}] = outer
            self.answers[g] = (outer, out_of_fold_answers(train, ctx, self.cache))

    def run(self, params: SelectParams, max_false: float = 0.03) -> tuple[list[Outcome], float]:
        """Held-out outcomes at the threshold that keeps pooled held-out false abstentions <= max_false."""
        models = {g: fit([it for it in self.items if it.group != g], self.ctx, params, ranker=self.rankers[g],
                         answers=self.answers[g]) for g in self.groups}
        held = {g: [it for it in self.items if it.group == g] for g in self.groups}
        raw = [o for g in self.groups for o in run(held[g], self.ctx, models[g], threshold=-1.0, search=self.search,
                                                   ask=self.ask)]
        threshold = pick_threshold(np.array([o.support for o in raw]),
                                   np.array([o.type != "unanswerable" for o in raw], dtype=int), max_false)
        return [o for g in self.groups for o in run(held[g], self.ctx, replace(models[g], threshold=threshold),
                                                    search=self.search, ask=self.ask)], threshold
