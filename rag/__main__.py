"""Command line: `python -m rag [index|ask|eval|bench|chat]`. A thin view over the library."""

from __future__ import annotations

import argparse
import json
import os
import sys
import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rag.app import byline
from rag.core import KIND_LABELS, Answer, DossierError, Settings, Turn

if TYPE_CHECKING:
    from rag.app import Assistant


class TqdmProgress:
    """Build progress as tqdm bars on stderr."""

    def __init__(self) -> None:
        self._bar = None

    def start(self, total: int, description: str) -> None:
        from tqdm import tqdm

        self._bar = tqdm(
            total=total,
            desc=description,
            unit=" passages" if description == "Embedding" else " files",
            file=sys.stderr,
            leave=False,
            disable=total == 0,
        )

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.update(n)

    def finish(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _print_build(report) -> None:  # type: ignore[no-untyped-def]
    if report.rebuilt_reason:
        print(f"Re-embedding everything: {report.rebuilt_reason}", file=sys.stderr)
    for skipped in report.skipped:
        print(f"skipped {skipped.source}: {skipped.reason}", file=sys.stderr)
    print(f"Index: {report.summary()}", file=sys.stderr)


class DraftPrinter:
    """Shows a generative backend's tokens on a terminal as they arrive, marked as a draft: the
    verified answer, with its citations checked, is printed after it."""

    def __init__(self) -> None:
        self.started = False

    def __call__(self, piece: str) -> None:
        if not self.started:
            sys.stderr.write("(draft, being checked against the articles)\n")
            self.started = True
        sys.stderr.write(piece)
        sys.stderr.flush()

    def close(self) -> None:
        if self.started:
            sys.stderr.write("\n\n")
            self.started = False


def _ask(assistant: Assistant, question: str, history: Sequence[Turn] = (), json_out: bool = False) -> Answer:
    draft = DraftPrinter() if sys.stderr.isatty() and not json_out else None
    try:
        return assistant.ask(question, history, on_token=draft)
    finally:
        if draft is not None:
            draft.close()


def _open(settings: Settings):  # type: ignore[no-untyped-def]
    from rag.app import Assistant

    return Assistant.open(settings, progress=TqdmProgress(), on_build=_print_build)


# --- commands -----------------------------------------------------------------------------------


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from rag.index import build, embedder_for

    if args.engine == "ray":  # the same build, its embedding fanned out through Ray Data
        from rag.index import RayEmbedder  # optional (Ray Data): imported only when chosen

        factory = lambda: RayEmbedder(  # noqa: E731
            settings.embedding_model, args.actors, settings.threads, settings.embedding_backend
        )
    else:
        factory = lambda: embedder_for(settings)  # noqa: E731
    report = build(settings, factory, TqdmProgress(), rebuild=args.rebuild)
    _print_build(report)
    if settings.store == "milvus":  # bring the engine in line: only changed files are sent
        from rag.app import open_engine
        from rag.index import store

        engine = open_engine(settings, store.load(settings.index_dir, settings.embedder_id))
        assert engine is not None
        print(f"Search engine: {engine.describe()}, {engine.count()} passages.")
    return 0


def _update_index(settings: Settings) -> int:
    """The index brought up to date with the corpus folder, in this process (after an add or remove)."""
    return cmd_index(argparse.Namespace(rebuild=False, engine="local", actors=0), settings)


def cmd_add(args: argparse.Namespace, settings: Settings) -> int:
    """Fetch pages (or a feed's pages) into the corpus, then index them."""
    from rag.ingest import add_pages

    added = failed = 0
    for url in args.urls:
        done = add_pages(
            url, settings, args.feed, lambda kind, msg: print(msg, file=sys.stderr if kind == "error" else sys.stdout)
        )
        added, failed = added + done[0], failed + done[1]
    if added:
        return _update_index(settings)
    return 1 if failed else 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    """Delete files from the corpus (with the originals they came from), then update the index."""
    from rag.ingest import remove_file

    for name in args.files:
        for path in remove_file(settings.corpus_dir, name):
            print(f"Removed {path}")
    return _update_index(settings)


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from rag.app import clean_question

    question = clean_question(" ".join(args.question), settings.max_question_chars)  # fail before loading
    assistant = _open(settings)
    answer = _ask(assistant, question, json_out=args.json)
    if args.json:
        print(
            json.dumps(
                {**answer.to_json(), "store": assistant.retriever.engine.describe()}, ensure_ascii=False, indent=2
            )
        )
    else:
        print(format_answer(answer))
    return 0


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _open(settings)
    history: list[Turn] = []
    print("Dossier: ask about the articles. /new starts over, /quit leaves.", file=sys.stderr)
    while True:
        try:
            question = input("\nyou> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question in ("/quit", "/exit", "/q"):
            return 0
        if question == "/new":
            history.clear()
            print("(new conversation)")
            continue
        if not question:
            continue
        try:
            answer = _ask(assistant, question, history)
        except DossierError as e:
            print(f"! {e}")
            continue
        print("\n" + format_answer(answer))
        history += [Turn("user", question), Turn("assistant", answer.text)]


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from rag.bench import format_metrics, provenance, run

    measured = provenance(settings, data=args.file, split=args.split or "all")  # the code as it starts
    assistant = _open(settings)
    metrics = run(assistant, Path(args.file), out=Path(args.out) if args.out else None, split=args.split)
    metrics["provenance"] = measured
    if args.json:
        print(json.dumps(metrics, indent=2))
    else:
        print(format_metrics(metrics))
        print(f"measured on            {json.dumps(metrics['provenance'])}")
    return 0


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from rag.bench import provenance

    data = args.data or ("" if args.target in ("speed", "scale") else "default")
    measured = provenance(  # recorded as the run starts: the code it ran, not the code when it ended
        settings, benchmark=args.target, data=data or str(settings.corpus_dir), split=" ".join(args.split)
    )
    if args.target == "scifact":
        from rag.bench import scifact

        result = scifact.run_scifact(
            settings,
            Path(args.data) if args.data else scifact.DEFAULT_DATA,
            run_out=Path(args.run_out) if args.run_out else None,
            limit=args.limit,
            splits=tuple(args.split),
        )
    elif args.target == "multihop":
        from rag.bench import multihop

        if len(args.split) != 1 or args.split[0] not in ("dev", "test", "all"):
            raise DossierError("bench multihop takes one --split: dev, test or all.")
        result = multihop.run_multihop(
            settings.replace(top_k=args.top_k or 10),
            Path(args.data) if args.data else multihop.DEFAULT_DATA,
            split=args.split[0],
            limit=args.limit,
            out=Path(args.out) if args.out else None,
            progress=lambda n, total: print(f"\r{n}/{total} questions", end="", file=sys.stderr, flush=True),
        )
        print(file=sys.stderr)
    elif args.target == "ingest":
        from rag.bench import ingest, multihop

        result = ingest.run_ingest_bench(Path(args.data) if args.data else multihop.DEFAULT_DATA)
    elif args.target == "scale":
        from rag.bench import scale

        result = scale.run(settings, n=args.passages, queries=args.rounds)
    else:
        from rag.bench import speed

        if args.repeat > 1 or args.compare_backends:
            backends = ("onnx-int8", "onnx", "torch") if args.compare_backends else (settings.embedding_backend,)
            result = speed.run_repeated(settings, args.rounds, args.repeat, backends)
        else:
            result = speed.run_bench(settings, rounds=args.rounds)
    result["provenance"] = measured
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(result.pop("_table", json.dumps(result, indent=2)))
        print(f"measured on            {json.dumps(result['provenance'])}")
    return 0


# --- output -------------------------------------------------------------------------------------


def format_answer(answer: Answer, width: int = 100) -> str:
    lines = [textwrap.fill(answer.text, width)]
    if answer.notice:
        lines.append(f"\nNote: {answer.notice}")
    if answer.citations:
        lines.append("\nSources:")
        for c in answer.citations:
            lines.append(
                f"[{c.n}] {c.source} · “{c.title}” · {byline(c.author, c.date, c.publisher or '', sep=', ')} · "
                f"{KIND_LABELS[c.kind]}"
            )
            lines.append(
                textwrap.fill(f"“{' '.join(c.quote.split())}”", width, initial_indent="    ", subsequent_indent="    ")
            )
    elif answer.retrieved:
        lines.append("\nClosest passages:")
        for h in answer.retrieved[:3]:
            p = h.passage
            lines.append(f"- {p.source} · “{p.title}” · {KIND_LABELS[p.kind]}")
            lines.append(
                textwrap.fill(
                    p.text[:300] + ("…" if len(p.text) > 300 else ""),
                    width,
                    initial_indent="    ",
                    subsequent_indent="    ",
                )
            )
    return "\n".join(lines)


def parser() -> argparse.ArgumentParser:
    settings_help = "\n".join(
        (f"\n  [{section}]\n" if n == 0 or section != Settings.describe()[n - 1][0] else "")
        + f"  {env:<32} {doc} (default: {default})"
        for n, (section, env, default, doc) in enumerate(Settings.describe())
    )
    p = argparse.ArgumentParser(
        prog="python -m rag",
        description="Dossier: ask questions about a folder of news articles and get cited answers.",
        epilog="Settings (environment variables):\n" + settings_help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--corpus", help="article folder (default: seeds/)")
    p.add_argument("--index", help="index folder (default: index/)")
    sub = p.add_subparsers(dest="command")
    s = sub.add_parser("index", help="build or update the index")
    s.add_argument("--rebuild", action="store_true", help="re-embed everything")
    s.add_argument(
        "--engine",
        choices=["local", "ray"],
        default="local",
        help="embed in this process, or through Ray Data (pip install -r requirements-scale.txt)",
    )
    s.add_argument("--actors", type=int, default=0, help="model copies in the Ray pool (0: one per CPU)")
    s = sub.add_parser("add", help="fetch web pages (or a feed's items) into the corpus and index them")
    s.add_argument("urls", nargs="+", metavar="URL")
    s.add_argument("--feed", action="store_true", help="the URLs are RSS or Atom feeds: add their items")
    s = sub.add_parser("remove", help="remove articles' files from the corpus and their passages from the index")
    s.add_argument("files", nargs="+", metavar="FILE", help="file names as listed in the corpus folder")
    s = sub.add_parser("ask", help="answer one question")
    s.add_argument("question", nargs="+")
    s.add_argument("--json", action="store_true", help="print the answer as JSON")
    s.add_argument("-k", "--top-k", type=int, help="passages to answer from")
    s = sub.add_parser("eval", help="run a question set and print metrics")
    s.add_argument("file")
    s.add_argument("--out", help="write one JSON line per question here, as it goes")
    s.add_argument("--split", help='only the questions whose "split" field is this (e.g. dev or test)')
    s.add_argument("--json", action="store_true")
    s = sub.add_parser(
        "bench",
        help="speed benchmark; `bench scifact` / `bench multihop` for quality; `bench ingest` for cleaning; "
        "`bench scale` for the search engines on a synthetic corpus",
    )
    s.add_argument("target", nargs="?", choices=["speed", "scifact", "multihop", "ingest", "scale"], default="speed")
    s.add_argument("--passages", type=int, default=200_000, help="synthetic passages (scale)")
    s.add_argument("--json", action="store_true")
    s.add_argument("--rounds", type=int, default=30, help="questions timed (speed, scale)")
    s.add_argument("--data", help="benchmark folder (default: ../shared/bench/scifact or ../shared/bench/multihop)")
    s.add_argument("--out", help="write one JSON line per question here, as it goes (multihop)")
    s.add_argument("-k", "--top-k", type=int, help="passages retrieved per question (multihop; default 10)")
    s.add_argument("--run-out", help="write the hybrid run in TREC format (scifact)")
    s.add_argument("--limit", type=int, help="use only the first N queries (for smoke tests)")
    s.add_argument("--repeat", type=int, default=1, help="speed: run N times (fresh processes), report median/range")
    s.add_argument(
        "--compare-backends", action="store_true", help="speed: the embedding backends side by side in one run"
    )
    s.add_argument(
        "--split",
        nargs="+",
        default=["test"],
        choices=["train", "test", "dev", "all"],
        help="scifact: train and/or test; multihop: dev, test or all (tune on dev only)",
    )
    sub.add_parser("chat", help="interactive chat in the terminal (the default)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env(
            corpus_dir=args.corpus and Path(args.corpus), index_dir=args.index and Path(args.index)
        )
        if getattr(args, "top_k", None):
            settings = settings.replace(top_k=args.top_k)
        command = {
            "index": cmd_index,
            "add": cmd_add,
            "remove": cmd_remove,
            "ask": cmd_ask,
            "eval": cmd_eval,
            "bench": cmd_bench,
            "chat": cmd_chat,
            None: cmd_chat,
        }[args.command]
        return command(args, settings)
    except DossierError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the output was piped into `head` or a pager that quit early
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so the exit flush does not fail too
        return 0


if __name__ == "__main__":
    sys.exit(main())
