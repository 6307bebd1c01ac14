"""The report of an eval run: report.md (tables, worst questions, baseline diff) and the PNG plots.

``rag.evaluate`` measures; this module only writes what it measured, so a report can be redrawn
from a saved report.json without running anything again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rag.evaluate import CURVE_K, RETRIEVER_NAMES, _fmt, percentile, worst_questions


def _ms(v: Any) -> str:
    return "–" if v is None else f"{v:.0f}"


def _label(name: str, components: Sequence[str] = ()) -> str:
    """``BM25 alone``, ``hybrid (RRF of BM25 + n-gram + dense)``: what the retriever ran, from its hits' ranks."""
    parts = [RETRIEVER_NAMES.get(c, c) for c in components]
    if len(parts) > 1:
        return f"{name} (RRF of {' + '.join(parts)})"
    return f"{RETRIEVER_NAMES.get(name, name)} alone" if not parts or components[0] == name else name


HEADLINE = [("n", "n"), ("hit@1", "hit@1"), ("hit@5", "hit@5"), ("mrr@10", "MRR@10"), ("must", "must"),
            ("supported", "supported"), ("quote_support", "quote"), ("grounded", "grounded"),
            ("abstain_rate", "abstained"), ("latency_p50_ms", "p50 ms"), ("latency_p95_ms", "p95 ms")]


def render_markdown(report: dict, plots: list[str]) -> str:
    m, figs = report["meta"], report["figures"]
    o = figs["overall"]
    answers = m.get("mode") is not None
    cols = [(k, h) for k, h in HEADLINE if answers or k in ("n", "hit@1", "hit@5", "mrr@10")]
    lines = [f"# Eval report: {Path(m['set']).name or 'set'}", ""]
    lines.append(f"{m['questions']} questions; retriever `{m['retriever']}`"
                 + (f", answer mode `{m['mode']}`, abstain threshold {m['abstain_threshold']}" if answers else
                    ", search only")
                 + f"; index: {m['documents']} letters, {m['passages']} passages; commit {m.get('commit') or '?'};"
                 f" {m['created']}; {m['seconds']:.0f} s.")
    lines += ["", "## Headline", ""]
    lines.append("| type | " + " | ".join(h for _, h in cols) + " |")
    lines.append("|---|" + "---:|" * len(cols))

    def row(name: str, f: dict) -> str:
        cells = [_ms(f.get(k)) if k.endswith("_ms") else _fmt(f.get(k)) for k, _ in cols]
        return f"| {name} | " + " | ".join(cells) + " |"

    lines.append(row("**all**", o))
    for t, f in figs["by_type"].items():
        lines.append(row(t, f))
    lines.append("")
    lines.append("hit@k, MRR: answerable questions, evidence in the k-th passage of `search` (k ≤ 10). "
                 "must / supported / quote: answerable questions, an abstention counts as a miss. "
                 "grounded: share of answer sentences whose words stand (≥ 80%) in the cited quotes. "
                 "abstained: share of questions abstained on (for `unanswerable` higher is better, "
                 "for the other types lower). Definitions: `evals/README.md`.")
    if o.get("n_multidoc"):
        lines += ["", f"Multi-doc: every letter in the top 5 for {_fmt(o['multidoc_all_top5'])} of "
                      f"{o['n_multidoc']} questions."]
    if answers:
        ab = report["abstention"]
        lines += ["", "## Abstention", "",
                  "| precision | recall | false-abstention rate | unanswerable abstained | answerable abstained |",
                  "|---:|---:|---:|---:|---:|",
                  f"| {_fmt(o['abstain_precision'])} | {_fmt(o['abstain_recall'])} | "
                  f"{_fmt(o['false_abstain_rate'])} | {o['abstained_unanswerable']}/{o['n_unanswerable']} | "
                  f"{o['false_abstain']}/{o['n_answerable']} |", "",
                  "How well each score separates answerable from unanswerable questions (AUC; 0.5 = chance):", "",
                  "| score | AUC |", "|---|---:|"]
        for key, v in ab.items():
            name = ("support (the answerer's abstention score)" if key == "support"
                    else f"top-1 `{key.removeprefix('top1_')}` retrieval score")
            lines.append(f"| {name} | {_fmt(v['auc'])} |")
    gate = report.get("gate")
    if gate:
        failed = [g for g in gate if g["ok"] is False]
        lines += ["", "## Quality gate: " + ("**FAILED**" if failed else "passed"), "",
                  "| threshold | figure | value | limit | |", "|---|---|---:|---:|---|"]
        for g in gate:
            mark = "ok" if g["ok"] else ("not measured" if g["ok"] is None else "**fail**")
            lines.append(f"| `{g['threshold']}` | {g['figure']} | {_fmt(g['value'])} | {g['op']} {g['limit']:g} "
                         f"| {mark} |")
    diff = report.get("diff")
    if diff:
        b = diff["baseline"]
        lines += ["", f"## Against the baseline ({b.get('commit') or '?'}, {b.get('created') or '?'})", "",
                  "| figure | baseline | now | Δ |", "|---|---:|---:|---:|"]
        for k, d in diff["metrics"]["overall"].items():
            if k in ("n", "n_answerable", "n_unanswerable", "n_multidoc"):
                continue
            if k.endswith("_ms"):
                delta = f"{d['delta']:+.0f}"
            elif isinstance(d["baseline"], int) and isinstance(d["now"], int):
                delta = f"{d['delta']:+d}"
            else:
                delta = f"{d['delta']:+.3f}"
            fmt = _ms if k.endswith("_ms") else _fmt
            lines.append(f"| {k} | {fmt(d['baseline'])} | {fmt(d['now'])} | {delta} |")
        qs = diff["questions"]
        text_only = [q for q in qs if all(c["direction"] == "changed" for c in q["changes"])]
        ranked = [q for q in qs if q not in text_only]
        n_worse = sum(any(c["direction"] == "worse" for c in q["changes"]) for q in ranked)
        lines += ["", f"{len(ranked)} questions changed outcome ({n_worse} with something worse, ▼; "
                      f"{len(ranked) - n_worse} only better, ▲)" + (":" if ranked else ".")]
        ranked.sort(key=lambda q: not any(c["direction"] == "worse" for c in q["changes"]))
        for q in ranked:
            ch = "; ".join(f"{c['what']} {c['was']} → {c['now']}" for c in q["changes"])
            worse = any(c["direction"] == "worse" for c in q["changes"])
            lines.append(f"- {'▼' if worse else '▲'} **{q['id']}** ({q['type']}): {ch}")
        if text_only:
            lines.append(f"- {len(text_only)} more changed only their answer text: "
                         + ", ".join(q["id"] for q in text_only))
        if diff["only_now"] or diff["only_in_baseline"]:
            lines.append(f"- new questions: {len(diff['only_now'])}; gone: {len(diff['only_in_baseline'])}")
    lines += ["", "## Retrieval ablation" if m.get("ablate") else "## Retrieval", "", retrieval_table(report)]
    worst = worst_questions(report["questions"])
    lines += ["", "## Worst questions", ""]
    if not worst:
        lines.append("None: every question passed every check.")
    for i, w in enumerate(worst, 1):
        sup = f"; support {w['support']:.2f}" if w.get("support") is not None else ""
        lines.append(f"{i}. **{w['id']}** ({w['type']}; {', '.join(w['problems'])}{sup}): {w['question']}")
        if w.get("answer"):
            text = " ".join(w["answer"].split())
            lines.append(f"   → {text[:220]}{'…' if len(text) > 220 else ''}")
    if plots:
        lines += ["", "## Plots", ""]
        for p in plots:
            lines.append(f"- [{PLOT_TITLES.get(p, p)}]({p})")
        lines.append("")
        for p in plots:
            lines.append(f"![{PLOT_TITLES.get(p, p)}]({p})")
    lines += ["", "Every question's outcome is in `report.json`.", ""]
    return "\n".join(lines)


def retrieval_table(report: dict) -> str:
    """The retrieval figures of every retriever run, as a Markdown table (the ablation table with --ablate)."""
    lines = ["| retriever | hit@1 | hit@3 | hit@5 | hit@10 | MRR@10 | search p50 ms | search p95 ms |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, f in report["retrieval"].items():
        mark = " (in use)" if name == report["meta"]["retriever"] else ""
        lines.append(f"| {_label(name, f.get('components', ()))}{mark} | {_fmt(f['hit@1'])} | {_fmt(f['hit@3'])} | "
                     f"{_fmt(f['hit@5'])} | "
                     f"{_fmt(f['hit@10'])} | {_fmt(f['mrr@10'])} | {_fmt(f['search_p50_ms'], 1)} | "
                     f"{_fmt(f['search_p95_ms'], 1)} |")
    return "\n".join(lines)


PLOT_TITLES = {
    "hit_at_k.png": "hit@k per retriever",
    "per_type.png": "hit@5, must and supported per question type",
    "latency.png": "answer latency",
    "support.png": "support score: answerable vs unanswerable",
    "roc.png": "ROC of the abstention decision",
}


def write_plots(report: dict, out: Path) -> list[str]:
    """PNG plots next to report.md; returns their file names."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    recs, written = report["questions"], []
    answers = report["meta"].get("mode") is not None

    def save(fig, name: str) -> None:
        fig.tight_layout()
        fig.savefig(out / name, dpi=110)
        plt.close(fig)
        written.append(name)

    # hit@k curve per retriever
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ks = list(range(1, CURVE_K + 1))
    for name, f in report["retrieval"].items():
        ax.plot(ks, f["curve"], marker="o", label=f"{_label(name, f.get('components', ()))} (MRR@10 "
                f"{_fmt(f['mrr@10'])})")
    ax.set_xticks(ks)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("k (passages returned)")
    ax.set_ylabel("hit@k (share of answerable questions)")
    ax.set_title("Retrieval: evidence within the top k passages")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    save(fig, "hit_at_k.png")

    # per-type bars
    bt = {t: f for t, f in report["figures"]["by_type"].items() if f["n_answerable"]}
    metrics = [("hit@5", "hit@5")] + ([("must", "must (key facts)"), ("supported", "supported (citations)")]
                                      if answers else [])
    if bt:
        fig, ax = plt.subplots(figsize=(8, 4.5))
        width = 0.8 / len(metrics)
        xs = range(len(bt))
        for i, (key, lab) in enumerate(metrics):
            vals = [f.get(key) or 0 for f in bt.values()]
            bars = ax.bar([x + (i - (len(metrics) - 1) / 2) * width for x in xs], vals, width, label=lab)
            ax.bar_label(bars, labels=[f"{v:.2f}" for v in vals], fontsize=7, padding=1)
        ax.set_xticks(list(xs), [f"{t}\n(n={f['n']})" for t, f in bt.items()])
        ax.set_ylim(0, 1.22)
        ax.set_yticks([0, 0.2, 0.4, 0.6, 0.8, 1.0])
        ax.set_ylabel("share of questions")
        ax.set_xlabel("question type")
        ax.set_title("Per question type (answerable questions; abstention counts as a miss)")
        ax.legend(loc="upper center", ncol=len(metrics), fontsize=8, frameon=False)
        ax.grid(axis="y", alpha=0.3)
        save(fig, "per_type.png")

    if not answers:
        return written

    # latency histogram
    lat = [r["latency_ms"] for r in recs]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    ax.hist(lat, bins=min(30, max(5, len(lat) // 3)), color="#4c72b0", edgecolor="white")
    p50, p95 = percentile(lat, 50), percentile(lat, 95)
    ax.axvline(p50, color="black", linestyle="--", label=f"p50 {p50:.0f} ms")
    ax.axvline(p95, color="#c44e52", linestyle="--", label=f"p95 {p95:.0f} ms")
    ax.set_xlabel("answer latency (ms, engine.answer in process)")
    ax.set_ylabel("questions")
    ax.set_title(f"Answer latency over {len(lat)} questions")
    ax.legend()
    save(fig, "latency.png")

    # support distribution with the threshold
    pos = [r["support"] for r in recs if r["type"] != "unanswerable"]
    neg = [r["support"] for r in recs if r["type"] == "unanswerable"]
    th = report["meta"]["abstain_threshold"]
    fig, ax = plt.subplots(figsize=(7, 4.5))
    bins = [i / 20 for i in range(21)]
    ax.hist(pos, bins=bins, alpha=0.6, label=f"answerable (n={len(pos)})", color="#4c72b0")
    ax.hist(neg, bins=bins, alpha=0.6, label=f"unanswerable (n={len(neg)})", color="#dd8452")
    ax.axvline(th, color="black", linestyle="--", label=f"threshold {th:g} (below: abstain)")
    ax.set_xlim(0, 1)
    ax.set_xlabel("support score")
    ax.set_ylabel("questions")
    ax.set_title("Support score (the abstention signal) by question kind")
    ax.legend(loc="upper left")
    save(fig, "support.png")

    # ROC
    ab = report["abstention"]
    if ab and pos and neg:
        fig, ax = plt.subplots(figsize=(5.5, 5.5))
        for key, v in ab.items():
            name = "support score" if key == "support" else f"top-1 {key.removeprefix('top1_')} retrieval score"
            ax.plot(v["fpr"], v["tpr"], lw=2.2 if key == "support" else 1.3,
                    label=f"{name} (AUC {_fmt(v['auc'])})")
        fp = sum(x >= th for x in neg) / len(neg)
        tp = sum(x >= th for x in pos) / len(pos)
        ax.plot([fp], [tp], "ko", label=f"threshold {th:g}")
        ax.plot([0, 1], [0, 1], color="grey", linestyle=":", lw=1)
        ax.set_xlim(-0.01, 1.01)
        ax.set_ylim(-0.01, 1.01)
        ax.set_xlabel("unanswerable questions answered (FPR)")
        ax.set_ylabel("answerable questions answered (TPR)")
        ax.set_title("ROC: answer or abstain")
        ax.legend(loc="lower right", fontsize=8)
        ax.grid(alpha=0.3)
        save(fig, "roc.png")
    return written


def write_report(report: dict, out: str | Path, plots: bool = True) -> list[Path]:
    """report.json, report.md and the plots into ``out``; returns the paths written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    names = write_plots(report, out) if plots else []
    report["plots"] = names
    (out / "report.json").write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str) + "\n",
                                     encoding="utf-8")
    (out / "report.md").write_text(render_markdown(report, names), encoding="utf-8")
    return [out / "report.json", out / "report.md", *(out / n for n in names)]
