"""Ingestion benchmark: `python -m rag bench ingest [--data DIR]`.

Prints how well cleaning reads each article's metadata on the MultiHop-RAG corpus (609 real pages
from 49 outlets) against the dataset's own record (`files.jsonl`), and how fast cleaning alone runs on
one long article of growing size (linear time shows as a flat MB/s).
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path
from typing import Any

from rag.bench.multihop import DEFAULT_DATA
from rag.core.settings import PROJECT_DIR
from rag.ingest.clean import parse, people
from rag.lang.text import normalize, words

SIZES_MB = (1, 2, 4)


def metadata_accuracy(data: Path = DEFAULT_DATA) -> dict[str, Any]:
    """Share of articles whose title, date, outlet and author match the dataset's record. Authors are
    counted twice: exactly as the dataset writes the byline, and by the people credited (the
    dataset's field also holds affiliations and venues: "Colum Dell, Yardbarker", "Andy Hunter at
    Anfield")."""
    rows = [json.loads(line) for line in open(data / "files.jsonl", encoding="utf-8")]
    hits = {"title": 0, "date": 0, "outlet": 0, "author_exact": 0, "author_people": 0}
    wrong: dict[str, list[str]] = {k: [] for k in hits}
    for r in rows:
        articles = parse(r["file"], (data / "corpus" / r["file"]).read_text(encoding="utf-8"))
        a = articles[0] if articles else None
        checks = {
            "title": a is not None and normalize(a.title) == normalize(r["title"]),
            "date": a is not None and a.date == r["date"],
            "outlet": a is not None and normalize(a.publisher or "") == normalize(r["source"]),
            "author_exact": a is not None and normalize(a.author or "") == normalize(r["author"] or ""),
            "author_people": a is not None and _same_people(a.author, r["author"]),
        }
        for key, ok in checks.items():
            hits[key] += ok
            if not ok:
                wrong[key].append(r["file"])
    out: dict[str, Any] = {"articles": len(rows)}
    out.update({k: round(v / max(1, len(rows)), 4) for k, v in hits.items()})
    out["wrong"] = {k: v[:10] for k, v in wrong.items() if v}
    return out


def _same_people(ours: str | None, gold: str | None) -> bool:
    """Every person we credit is in the dataset's field, and everything of it we left out is not a
    person (an outlet, a role, a venue)."""
    if not gold:
        return not ours
    mine, theirs = people(ours or "").entries, people(gold)
    return bool(mine) and mine <= theirs.entries and not (theirs.entries - mine) & theirs.persons


def cleaning_throughput(sizes_mb: tuple[int, ...] = SIZES_MB, seed: int = 0) -> list[dict[str, float]]:
    """Seconds to clean one article of each size: random sentences over the seed articles' words, a
    paragraph each (no two alike, so every duplicate check runs)."""
    out = []
    for mb in sizes_mb:
        text = _article(mb, seed)
        t0 = time.perf_counter()
        parse("long.txt", text)
        seconds = time.perf_counter() - t0
        out.append({"mb": mb, "seconds": round(seconds, 2), "mb_per_s": round(len(text) / 1e6 / seconds, 2)})
    return out


def stall_while_cleaning(mb: int = 5, tick: float = 0.005) -> float:
    """The longest a second thread waits to run (it wakes every `tick` seconds) while one `mb` MB
    article is cleaned: how long an upload can hold up the other sessions of the app."""
    import threading

    text = _article(mb)
    gaps: list[float] = []
    done = threading.Event()

    def other_session() -> None:
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(tick)
            now = time.perf_counter()
            gaps.append(now - last - tick)
            last = now

    thread = threading.Thread(target=other_session)
    thread.start()
    parse("long.txt", text)
    done.set()
    thread.join()
    return round(max(gaps, default=0.0), 3)


def _article(mb: int, seed: int = 0) -> str:
    rng = random.Random(seed)
    vocabulary = sorted({w for f in sorted((PROJECT_DIR / "seeds").glob("*")) for w in words(f.read_text("utf-8"))})
    vocabulary = vocabulary or "ruble yuan trade pipeline minister talks sanctions bank export navy drill".split()
    lines, size = ["A long report", "", "By Ann Lee", ""], 0
    while size < mb * 1_000_000:
        line = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(8, 30))).capitalize() + "."
        lines += [line, ""]
        size += len(line) + 2
    return "\n".join(lines)


def run_ingest_bench(data: Path = DEFAULT_DATA) -> dict[str, Any]:
    result: dict[str, Any] = {"cleaning": cleaning_throughput(), "max_stall_s_5mb": stall_while_cleaning()}
    if (data / "files.jsonl").is_file():
        result["multihop_metadata"] = metadata_accuracy(data)
    result["_table"] = _table(result)
    return result


def _table(r: dict[str, Any]) -> str:
    lines = ["Cleaning one long article (linear time: flat MB/s)"]
    lines += [f"  {c['mb']} MB: {c['seconds']} s, {c['mb_per_s']} MB/s" for c in r["cleaning"]]
    lines.append(f"Longest wait of another session while 5 MB is cleaned: {r['max_stall_s_5mb']} s")
    if (m := r.get("multihop_metadata")) is not None:
        lines.append(f"MultiHop-RAG metadata ({m['articles']} articles)")
        for key in ("title", "date", "outlet", "author_exact", "author_people"):
            lines.append(f"  {key:<14} {m[key]:.4f}")
    return "\n".join(lines)
