"""The learned part of answering: which sentences answer, how many to quote, and whether to answer at all.

Models fitted by ``benchmarks/train_answerer.py`` on the question bank (``evals/``) and stored
in ``rag/answerer.json``, all boosted trees:

- the *ranker* scores each candidate sentence (features in ``rag.features``) with the
  probability that it holds the evidence for the question;
- the *answers* model scores whether a sentence answers at all (fitted on unanswerable
  questions too);
- the *support* model scores the chosen answer on features that say whether it holds the
  specific thing asked (the kind of answer, the question's rare words, names and numbers),
  and decides abstention against a threshold calibrated on held-out folds. Trees, not a
  logistic model: what a feature means depends on others (a name found matters for a question
  that asks for one), and on 46 authors the trees abstained on 64% of the unanswerable
  questions where the logistic model managed 59%, at the same 3.5% false abstentions. It also reads what the
  question is like (kind, length, parts) and how the other candidates fare, not only the chosen sentences.

Selection between them is greedy for coverage: the best sentence, then a sentence only
when it meets a question word, a part of the question, a year or (for a comparison) a
letter the chosen ones do not yet cover, and only while the question is not yet covered.
So answers are as short as the facts allow.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from rag.dutch import CONSEQUENCE, CONTINUES, STRONG_CAUSE, YES_NO, holds_kind
from rag.features import FEATURES, Candidate, Context, dense_scale, matrix
from rag.question import KINDS, Question
from rag.slots import fills

MODEL_PATH = Path(__file__).with_name("answerer.json")

KAMERVRAAG_GAIN = 0.05  # share of the question's weight a Kamervraag must add to be quoted as context

SUPPORT_FEATURES = (
    "p1", "p1_logit", "cover", "rare", "part_min", "kind_missing", "numbers_missing", "years_missing",
    "unknown_names", "unknown_words", "english", "dense", "followup", "kind_cover",
    "slot_asked", "slot_filled", "slot_best", "missing_idf", "years_text_missing", "answers",
    "footnote", "head_met", "head_in_slot", "unknown_share", "head_unknown",
    "question_kind", "question_words", "question_parts", "several", "cover_best", "dense_all", "good",
    "answers_second",
)


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass
class Logistic:
    """A standardised logistic model: p = sigmoid(bias + sum w_i (x_i - mean_i) / std_i)."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float
    mean: np.ndarray
    std: np.ndarray

    def logits(self, x: np.ndarray) -> np.ndarray:
        return self.bias + ((x - self.mean) / self.std) @ self.weights

    def predict(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(self.logits(x))

    def to_json(self) -> dict:
        return {"features": list(self.features), "weights": [round(float(w), 5) for w in self.weights],
                "bias": round(float(self.bias), 5), "mean": [round(float(m), 5) for m in self.mean],
                "std": [round(float(s), 5) for s in self.std]}

    @classmethod
    def from_json(cls, d: dict) -> Logistic:
        return cls(tuple(d["features"]), np.array(d["weights"]), float(d["bias"]), np.array(d["mean"]),
                   np.array(d["std"]))


@dataclass
class Trees:
    """Boosted decision trees as plain arrays (from scikit-learn's HistGradientBoostingClassifier):
    score = base + the sum over trees of the value of the leaf a row falls into. Evaluated with numpy
    for all trees at once, so scoring a question's sixty candidates takes well under a millisecond."""

    features: tuple[str, ...]
    base: float
    feature: np.ndarray  # (trees, nodes) feature index tested at each node
    threshold: np.ndarray  # go left when x[feature] <= threshold
    left: np.ndarray
    right: np.ndarray
    leaf: np.ndarray
    value: np.ndarray
    gain: np.ndarray  # split gain per node: what each feature contributed, for reporting

    def logits(self, x: np.ndarray) -> np.ndarray:
        n, trees = len(x), self.feature.shape[0]
        t = np.arange(trees)[None, :]
        rows = np.arange(n)[:, None]
        cur = np.zeros((n, trees), dtype=np.int64)
        for _ in range(self.feature.shape[1]):
            if self.leaf[t, cur].all():
                break
            go_left = x[rows, self.feature[t, cur]] <= self.threshold[t, cur]
            cur = np.where(self.leaf[t, cur], cur, np.where(go_left, self.left[t, cur], self.right[t, cur]))
        return self.base + self.value[t, cur].sum(axis=1)

    def predict(self, x: np.ndarray) -> np.ndarray:
        return sigmoid(self.logits(x))

    def importance(self) -> dict[str, float]:
        """Share of the total split gain each feature earned."""
        gains = np.zeros(len(self.features))
        inner = ~self.leaf
        np.add.at(gains, self.feature[inner], self.gain[inner])
        gains /= gains.sum() or 1.0
        return {f: round(float(g), 4) for f, g in sorted(zip(self.features, gains, strict=True), key=lambda kv: -kv[1])}

    @classmethod
    def from_sklearn(cls, model, features: tuple[str, ...]) -> Trees:
        trees = [p[0].nodes for p in model._predictors]
        width = max(len(t) for t in trees)

        def grid(field: str, dtype) -> np.ndarray:
            out = np.zeros((len(trees), width), dtype=dtype)
            for i, t in enumerate(trees):
                out[i, : len(t)] = t[field]
            return out

        leaf = grid("is_leaf", bool)
        for i, t in enumerate(trees):  # padding nodes are leaves worth nothing
            leaf[i, len(t):] = True
        return cls(tuple(features), float(np.ravel(model._baseline_prediction)[0]), grid("feature_idx", np.int64),
                   grid("num_threshold", float), grid("left", np.int64), grid("right", np.int64), leaf,
                   grid("value", float), grid("gain", float))

    def to_json(self) -> dict:
        return {"kind": "trees", "features": list(self.features), "base": self.base,
                **{k: getattr(self, k).tolist() for k in ("feature", "threshold", "left", "right", "leaf")},
                **{k: np.round(getattr(self, k), 6).tolist() for k in ("value", "gain")}}  # thresholds stay exact

    @classmethod
    def from_json(cls, d: dict) -> Trees:
        return cls(tuple(d["features"]), float(d["base"]), np.array(d["feature"]), np.array(d["threshold"]),
                   np.array(d["left"]), np.array(d["right"]), np.array(d["leaf"], dtype=bool), np.array(d["value"]),
                   np.array(d["gain"]))


@dataclass
class SelectParams:
    """How far below the best sentence a second one may score, and how much new it must cover."""

    min_p: float = 0.2
    ratio: float = 0.5
    min_gain: float = 0.15
    cover_stop: float = 0.9
    cover_stop_reason: float = 0.9  # the same for why-questions, whose answer is often a sentence and its reason


@dataclass
class AnswererModel:
    ranker: Trees  # boosted trees: does this sentence hold the evidence? its score ranks the candidates
    calibration: Logistic  # the ranker's score and its gap to the best candidate -> probability of answering
    support: Trees  # boosted trees on the chosen answer's support features: does it answer what was asked?
    threshold: float
    select: SelectParams = field(default_factory=SelectParams)
    info: dict = field(default_factory=dict)
    answers: Trees | None = None  # boosted trees fitted on every question, unanswerable ones too: does it answer?

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> AnswererModel:
        d = json.loads(Path(path).read_text(encoding="utf-8"))
        ranker = Trees.from_json(d["ranker"])
        support = Trees.from_json(d["support"]) if d["support"].get("kind") == "trees" else None
        answers = Trees.from_json(d["answers"]) if "answers" in d else None
        if (ranker.features != FEATURES or support is None or support.features != SUPPORT_FEATURES
                or answers is None or answers.features != FEATURES):
            raise ValueError(f"{path} was fitted on other features: run benchmarks/train_answerer.py")
        return cls(ranker, Logistic.from_json(d["calibration"]), support, float(d["threshold"]),
                   SelectParams(**d.get("select", {})), d.get("info", {}), answers)

    def save(self, path: Path = MODEL_PATH) -> None:
        d = {"ranker": self.ranker.to_json(), "calibration": self.calibration.to_json(),
             "answers": self.answers.to_json(), "support": self.support.to_json(), "threshold": self.threshold,
             "select": self.select.__dict__, "info": self.info}
        Path(path).write_text(json.dumps(d, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


CALIBRATION_FEATURES = ("score", "gap")


def calibration_inputs(scores: np.ndarray) -> np.ndarray:
    return np.stack([scores, scores - scores.max()], axis=1)


def score(cands: list[Candidate], model: AnswererModel) -> None:
    """Each candidate's probability that it answers: the ranker's score, calibrated (``p``, which ranks
    a question's sentences), and the answers model's (``a``, which says whether any of them answers)."""
    if cands:
        x = matrix(cands)
        s = model.ranker.logits(x)
        a = model.answers.logits(x) if model.answers is not None else np.zeros(len(cands))
        for c, p, ai in zip(cands, model.calibration.predict(calibration_inputs(s)), a, strict=True):
            c.p = float(p)
            c.a = float(ai)


def is_question(ctx: Context, c: Candidate) -> bool:
    s = ctx.sentences[c.idx]
    return s.role == "question" or s.text.rstrip().endswith("?")


def _overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0


def repeats(c: Candidate, o: Candidate, ctx: Context, across: bool) -> bool:
    """Does ``c`` say what the chosen ``o`` says? Across letters it never does when letters are compared."""
    if across and ctx.sentences[c.idx].doc_id != ctx.sentences[o.idx].doc_id:
        return False
    return _overlap(ctx.sentence_terms[c.idx], ctx.sentence_terms[o.idx]) > 0.6


def _beside(c: Candidate, step: int, chosen: list[Candidate], ctx: Context) -> Candidate | None:
    """The sentence ``step`` away from ``c`` in its passage, quoted on ``c``'s scores; None when there is none,
    it is chosen already, or it is a question."""
    idx = ctx.neighbour(c.idx, step)
    if idx is None or any(o.idx == idx for o in chosen):
        return None
    other = replace(c, idx=idx)
    return None if is_question(ctx, other) else other


def select(q: Question, cands: list[Candidate], ctx: Context, params: SelectParams) -> list[Candidate]:
    """Greedy for coverage: add a sentence only when it covers something the chosen ones do not."""
    order = sorted((c for c in cands if not is_question(ctx, c)), key=lambda c: -c.p)
    if not order:
        return []
    weights = np.array([w.weight for w in q.words], dtype=np.float32)
    total = float(weights.sum()) or 1.0
    best = order[0]
    chosen = [best]
    covered = best.meets.copy()
    kinds = set(best.kinds)
    docs = {ctx.sentences[best.idx].doc_id}
    wanted = {k for k, p in enumerate(q.parts) if p.kind in ("money", "amount", "date", "person", "place", "list")}

    def years_left() -> set[str]:
        have = " ".join(ctx.sentences[c.idx].text for c in chosen)
        return {y for y in q.years if y not in have and not any(y in ctx.doc_years(d) for d in docs)}

    stop = params.cover_stop_reason if q.kind == "reason" else params.cover_stop

    def done() -> bool:
        return (float((covered * weights).sum()) / total >= stop and wanted <= kinds
                and not (q.compare and len(docs) < 2) and not years_left())

    floor = max(params.min_p, params.ratio * best.p)
    across = q.compare or q.several  # the same words in another letter are what a comparison asks for
    for c in order[1:]:
        if len(chosen) >= ctx.max_sentences or done():
            break
        if c.p < floor:
            break
        doc = ctx.sentences[c.idx].doc_id
        if any(repeats(c, o, ctx, across) for o in chosen):
            continue
        gain = float((np.maximum(c.meets - covered, 0) * weights).sum()) / total
        new_kind = bool((c.kinds - kinds) & wanted)
        new_doc = (q.compare or q.several) and doc not in docs
        new_year = any(y in ctx.doc_years(doc) or y in ctx.sentences[c.idx].text for y in years_left())
        if gain >= params.min_gain or new_kind or new_doc or new_year:
            chosen.append(c)
            covered = np.maximum(covered, c.meets)
            kinds |= c.kinds
            docs.add(doc)
    # a comparison quoted from one letter only: the other letter's best sentence, if it answers at all
    if q.compare and len(docs) < 2 and len(chosen) < ctx.max_sentences:
        other_doc = next((c for c in order[1:] if ctx.sentences[c.idx].doc_id not in docs and c.p >= params.min_p
                          and not any(repeats(c, o, ctx, across) for o in chosen)), None)
        if other_doc is not None:
            chosen.append(other_doc)
            docs.add(ctx.sentences[other_doc.idx].doc_id)
    # a sentence that announces a list (ends with ':') brings the list; one that draws a conclusion
    # ("... heeft daarom ...") brings the reasoning before it when the question asks why
    if ctx.sentences[best.idx].text.rstrip().endswith(":") and (extra := _beside(best, +1, chosen, ctx)):
        chosen.append(extra)
    for c in list(chosen):  # and a quoted sentence is not cut off from the clause that finishes it
        if (len(chosen) < ctx.max_sentences and (extra := _beside(c, +1, chosen, ctx))
                and CONTINUES.match(ctx.sentences[extra.idx].text)):
            chosen.append(extra)
    if q.kind == "reason":
        _reason_of(best, chosen, ctx)
    k = 0
    while q.kind == "reason" and k < len(chosen):  # a premise that is itself a conclusion brings its own
        if CONSEQUENCE.search(ctx.sentences[chosen[k].idx].text):
            _premise(chosen[k], chosen, ctx, whole=True)
        k += 1
    if (asked := _asked_in_kamervraag(best, cands, chosen, covered, weights, total, ctx)) is not None:
        chosen.append(asked)
    return chosen


def _asked_in_kamervraag(best: Candidate, cands: list[Candidate], chosen: list[Candidate], covered: np.ndarray,
                         weights: np.ndarray, total: float, ctx: Context) -> Candidate | None:
    """A Kamerlid's question that fits the question better than any answer sentence and meets what the chosen
    ones do not ("wie beweerde ...": the claim and who made it are only in the Kamervraag). It is quoted after
    the answer, as its context, never first (``rag.answer.build_citations``)."""
    asked = max((c for c in cands if ctx.sentences[c.idx].role == "question"), key=lambda c: c.p, default=None)
    if asked is None or asked.p <= best.p or any(o.idx == asked.idx for o in chosen):
        return None
    gain = float((np.maximum(asked.meets - covered, 0) * weights).sum()) / total
    return asked if gain >= KAMERVRAAG_GAIN else None


def _reason_of(best: Candidate, chosen: list[Candidate], ctx: Context) -> None:
    """A why-question answered without a cause: a Kamervraag answer that opens with a bare "Ja,"/"Nee," gives its
    reason further on in the same answer; a sentence that only restates the claim has its reasons before it."""
    if any(STRONG_CAUSE.search(ctx.sentences[c.idx].text) for c in chosen):
        return
    s = ctx.sentences[best.idx]
    if s.role == "answer" and YES_NO.match(s.text):
        idx = best.idx
        for _ in range(2):
            idx = ctx.neighbour(idx, +1, across=True)
            if idx is None or ctx.sentences[idx].qa != s.qa or len(chosen) >= ctx.max_sentences:
                return
            if not any(o.idx == idx for o in chosen):
                chosen.append(replace(best, idx=idx))
    elif not CONSEQUENCE.search(s.text):
        _premise(best, chosen, ctx)


def _premise(c: Candidate, chosen: list[Candidate], ctx: Context, whole: bool = False) -> None:
    """The sentences before a conclusion, back to the first that states a cause or need and is no conclusion
    itself (at most two back, across a passage boundary, while there is room). After "Daarom ..." (``whole``)
    both: "X is nodig. Al eerder spraken bondgenoten af ..., omdat ... Daarom steunt het kabinet ..." rests on
    the two."""
    idx = c.idx
    for _ in range(2):
        if len(chosen) >= ctx.max_sentences or (idx := ctx.neighbour(idx, -1, across=True)) is None:
            return
        if any(o.idx == idx for o in chosen):
            continue
        other = replace(c, idx=idx)
        if is_question(ctx, other):
            return
        chosen.append(other)
        text = ctx.sentences[idx].text
        if holds_kind("reason", text) and not CONSEQUENCE.search(text) and not whole:
            return


def support_features(q: Question, chosen: list[Candidate], cands: list[Candidate], ctx: Context) -> dict[str, float]:
    """What the decision to answer rests on: does the answer hold the specific thing asked? Besides the chosen
    sentences, what the question is like (its kind, how many words and parts: a long chatty question covers
    less of itself than a keyword one) and how the other candidates fare (a letter that speaks of the topic at
    all has several sentences the answers model likes)."""
    weights = np.array([w.weight for w in q.words], dtype=np.float32)
    total = float(weights.sum()) or 1.0
    covered = np.max(np.stack([c.meets for c in chosen]), axis=0) if q.words else np.zeros(0)
    rare_idx = [i for i, w in enumerate(q.words) if w in q.rare]
    parts = [[i for i, w in enumerate(q.words) if w in p.words] for p in q.parts]
    part_cover = [float((covered[ix] * weights[ix]).sum() / (weights[ix].sum() or 1.0)) for ix in parts if ix]
    text = " ".join(ctx.sentences[c.idx].text for c in chosen)
    docs = {ctx.sentences[c.idx].doc_id for c in chosen}
    wanted = {k for k, p in enumerate(q.parts) if p.kind in ("money", "amount", "date", "person", "place")}
    kinds = set().union(*(c.kinds for c in chosen))
    nums = [n for n in q.numbers if n not in q.years]
    p1 = max(c.p for c in chosen)
    slots = [p.slot for p in q.parts if p.slot]
    best = ctx.sentences[chosen[0].idx].text
    missing = [w.weight for w, m in zip(q.words, covered, strict=True) if m < 0.5]
    never = set(q.unknown) | {n.lower() for n in q.names}
    return {
        "p1": p1,
        "p1_logit": float(np.clip(math.log(p1 / (1 - p1 + 1e-9) + 1e-9), -8, 8)),
        "cover": float((covered * weights).sum()) / total if q.words else 0.0,
        "rare": float(covered[rare_idx].mean()) if rare_idx else 0.0,
        "part_min": min(part_cover, default=0.0),
        "kind_missing": float(bool(wanted - kinds)),
        "numbers_missing": (sum(n not in text for n in nums) / len(nums)) if nums else 0.0,
        "years_missing": (sum(y not in text and not any(y in ctx.doc_years(d) for d in docs) for y in q.years)
                          / len(q.years)) if q.years else 0.0,
        "unknown_names": float(min(len(q.names), 2)),
        "unknown_words": float(min(len(q.unknown), 3)),
        "english": float(q.language == "en"),
        "dense": dense_scale(max(c.dense for c in chosen)),
        "followup": float(q.followup),
        # the sentence holding the amount (date, name) asked for must itself be about what was asked
        "kind_cover": max((float((c.meets * weights).sum()) / total for c in chosen if c.kinds & wanted),
                          default=0.0) if wanted else float((chosen[0].meets * weights).sum()) / total,
        # near misses: on the topic, but no amount (date, name) the question does not state itself
        "slot_asked": float(bool(slots)),
        "slot_filled": sum(fills(s, text, q.text) for s in slots) / len(slots) if slots else 1.0,
        "slot_best": float(all(fills(s, best, q.text) for s in slots)),
        "missing_idf": max(missing, default=0.0) / (max(ctx.idf.values(), default=1.0) or 1.0),
        "years_text_missing": sum(y not in text for y in q.years) / len(q.years) if q.years else 0.0,
        "answers": float(np.clip(max(c.a for c in chosen), -8, 8)),  # a logit
        "footnote": chosen[0].x["footnote"],  # an answer that opens with a footnote is a weak one
        # what the question asks after ("hoeveel respondenten", "welke fractie") is in the answer at all
        "head_met": min((float(covered[q.words.index(p.head)]) for p in q.parts if p.head in q.words), default=1.0),
        # and the sentence holding the amount (date, name) asked holds it too: "29%" does not count respondents
        "head_in_slot": min((max((float(c.meets[q.words.index(p.head)]) for c in chosen
                                  if fills(p.slot, ctx.sentences[c.idx].text, q.text)), default=0.0)
                             for p in q.parts if p.slot and p.head in q.words), default=1.0),
        # what the question is about is a word the letters never use ("stikstofdoelstelling", "huurtoeslag")
        "unknown_share": float(sum(w.weight for w in q.words if w.word in never)) / total if q.words else 0.0,
        "head_unknown": float(any(p.head is not None and p.head.word in never for p in q.parts)),
        "question_kind": float(KINDS.index(q.kind)),
        "question_words": float(len(q.words)),
        "question_parts": float(len(q.parts)),
        "several": float(q.several),
        "cover_best": float((chosen[0].meets * weights).sum()) / total if q.words else 0.0,
        "dense_all": dense_scale(max(c.dense for c in cands)),
        "good": float(sum(c.p >= 0.5 for c in cands)),
        "answers_second": float(np.clip(second[1] if len(second := sorted((c.a for c in cands), reverse=True)) > 1
                                        else -8.0, -8, 8)),
    }


def support_score(feats: dict[str, float], model: Trees) -> float:
    return float(model.predict(np.array([[feats[f] for f in model.features]]))[0])
