"""python -m ingest [--corpus DIR] [--store DIR]: index the corpus into the store."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from assistant.embeddings import build_embeddings
from assistant.errors import AssistantError
from assistant.settings import Settings
from assistant.store import Store
from ingest.loaders import safe_name
from ingest.pipeline import ingest_corpus


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ingest", description="Dokumente in den Speicher laden.")
    parser.add_argument("--corpus", type=Path, help="Ordner mit den Dokumenten (Standard: corpus/)")
    parser.add_argument("--store", type=Path, help="Speicherordner (Standard: ASSISTANT_STORE_DIR)")
    parser.add_argument(
        "--check", action="store_true", help="Nur prüfen, ob Speicher und Protokoll übereinstimmen (nichts laden)"
    )
    args = parser.parse_args(argv)

    overrides = {}
    if args.store:
        overrides["store_dir"] = args.store
    if args.corpus:
        overrides["corpus_dir"] = args.corpus
    settings = Settings(**overrides)
    if not settings.corpus_dir.is_dir():
        print(f"Fehler: Der Dokumentenordner '{settings.corpus_dir}' existiert nicht.", file=sys.stderr)
        return 2

    from tqdm import tqdm

    store = Store(settings, build_embeddings(settings))
    if args.check:
        return _check(store)
    started = time.perf_counter()
    bar = tqdm(desc="Dokumente", unit=" Datei", file=sys.stderr, disable=None)

    def progress(name: str) -> None:
        bar.set_postfix_str(safe_name(name)[-40:])
        bar.update(1)

    try:
        report = ingest_corpus(
            store,
            settings.corpus_dir,
            chunk_max_chars=settings.chunk_max_chars,
            progress=progress,
        )
    except AssistantError as exc:
        bar.close()
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # disk full, read-only or vanished store: say so, never a traceback
        bar.close()
        print(
            f"Fehler: Schreiben in den Speicher '{settings.store_dir}' fehlgeschlagen ({type(exc).__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else 'ohne Meldung'}). Bereits gespeicherte Daten bleiben "
            "gültig; nach Behebung (Speicherplatz, Schreibrechte) erneut ausführen, der Lauf setzt dort fort.",
            file=sys.stderr,
        )
        return 3
    bar.close()
    seconds = time.perf_counter() - started
    print(
        f"{report.files} Dateien, {report.chunks} Abschnitte: {report.added} neu, {report.updated} geändert, "
        f"{report.skipped} unverändert, {report.deleted} entfernt ({seconds:.1f} s). "
        f"Speicher: {settings.store_dir}"
    )
    for name, reason in report.failed:
        print(f"Fehler: '{safe_name(name)}' konnte nicht geladen werden: {safe_name(reason)}", file=sys.stderr)
    return 0 if report.ok else 1


def _check(store: Store) -> int:
    from ingest.pipeline import check_consistency

    result = check_consistency(store)
    print(
        f"{result.chunks} Abschnitte, {result.records} Protokolleinträge, {len(result.orphans)} verwaist, "
        f"{len(result.missing)} fehlend, {len(result.duplicates)} doppelt: {'in Ordnung' if result.ok else 'FEHLER'}"
    )
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
