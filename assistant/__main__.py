"""python -m assistant ask | search | eval — the command-line contract.

ask "FRAGE" [--json] [--store DIR]
ask --jsonl [--store DIR] < in.jsonl > out.jsonl
search --jsonl [--k 10] [--store DIR] < queries.jsonl
eval FILE.jsonl [--store DIR] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from assistant.errors import AssistantError
from assistant.models import INTERNAL_FIELDS
from assistant.settings import Settings


def _settings(args: argparse.Namespace) -> Settings:
    return Settings(store_dir=args.store) if getattr(args, "store", None) else Settings()


def _service(args: argparse.Namespace) -> Any:
    from assistant.chain import AssistantService

    service = AssistantService(_settings(args))
    if service.store.count() == 0:
        raise AssistantError(
            f"Der Speicher '{service.settings.store_dir}' ist leer. Bitte zuerst 'python -m ingest' ausführen."
        )
    return service


def _write_citations(out: TextIO, citations: list[Any]) -> None:
    for c in citations:
        out.write(f"\n[{c.n}] {c.title} ({c.doc_id}) {c.source}\n    „{c.quote}“\n")


def _jsonl(
    out: TextIO, field: str, handle: Callable[[str, dict[str, Any]], dict[str, Any]], empty: dict[str, Any]
) -> int:
    """One output line per input line; a bad line yields an error line for its id, never a crash."""
    for raw in sys.stdin:
        if not raw.strip():
            continue
        line_id = None
        try:
            row = json.loads(raw)
            if not isinstance(row, dict):
                raise ValueError("Zeile ist kein JSON-Objekt")
            line_id = row.get("id")
            value = row.get(field)
            if not isinstance(value, str):
                raise ValueError(f"Feld '{field}' fehlt oder ist kein Text")
            payload = {"id": line_id, **handle(value, row)}
        except (ValueError, AssistantError) as exc:  # pydantic's ValidationError is a ValueError
            message = f"Ungültige Eingabezeile: {str(exc).splitlines()[0]}"
            payload = {"id": line_id, **empty, "error": message}
        out.write(json.dumps(payload, ensure_ascii=False) + "\n")
        out.flush()
    return 0


def cmd_ask(args: argparse.Namespace, out: TextIO) -> int:
    from assistant.models import Turn

    if not args.jsonl and not args.question:
        print("Fehler: Bitte eine Frage angeben oder --jsonl verwenden.", file=sys.stderr)
        return 2
    service = _service(args)
    if args.jsonl:

        def answer_line(question: str, row: dict[str, Any]) -> dict[str, Any]:
            history = [Turn.model_validate(t) for t in row.get("history") or []]
            return dict(service.ask(question, history).model_dump(exclude=INTERNAL_FIELDS))

        empty = {"answer": "", "answered": False, "citations": []}
        return _jsonl(out, "question", answer_line, empty)
    answer = service.ask(args.question)
    if args.json:
        out.write(answer.model_dump_json(exclude=INTERNAL_FIELDS) + "\n")
    else:
        out.write(answer.answer + "\n")
        _write_citations(out, answer.citations)
    return 0


def cmd_check(args: argparse.Namespace, out: TextIO) -> int:
    if not args.jsonl and not args.statement:
        print("Fehler: Bitte eine Aussage angeben oder --jsonl verwenden.", file=sys.stderr)
        return 2
    service = _service(args)
    if args.jsonl:
        empty = {"verdict": "not_found", "explanation": "", "differences": [], "citations": []}
        return _jsonl(out, "statement", lambda statement, _row: dict(service.check(statement).model_dump()), empty)
    result = service.check(args.statement)
    if args.json:
        out.write(result.model_dump_json() + "\n")
    else:
        labels = {"supported": "BESTÄTIGT", "contradicted": "WIDERSPROCHEN", "not_found": "NICHT GEFUNDEN"}
        out.write(f"{labels[result.verdict]}: {result.explanation}\n")
        _write_citations(out, result.citations)
    return 0


def cmd_search(args: argparse.Namespace, out: TextIO) -> int:
    service = _service(args)
    queries = (
        [json.loads(line) for line in sys.stdin if line.strip()]
        if args.jsonl
        else [{"id": None, "question": args.query}]
    )
    for row in queries:
        line_id = row.get("id") if isinstance(row, dict) else None
        question = row.get("question") if isinstance(row, dict) else None
        if not isinstance(question, str) or not question.strip():
            out.write(json.dumps({"id": line_id, "results": [], "error": "Feld 'question' fehlt"}) + "\n")
            continue
        # chunks of one document merged: the document keeps its best chunk's score
        results = [{"doc_id": d, "score": round(s, 6)} for d, s in service.search_documents(question, args.k)]
        out.write(json.dumps({"id": line_id, "results": results}, ensure_ascii=False) + "\n")
    return 0


def cmd_eval(args: argparse.Namespace, out: TextIO) -> int:
    from assistant.eval import is_factcheck, read_cases, run_eval, run_factcheck_eval

    try:
        cases = read_cases(args.file)
    except OSError as exc:
        raise AssistantError(f"Die Datei '{args.file}' kann nicht gelesen werden: {exc.strerror}") from exc
    except ValueError as exc:
        raise AssistantError(f"{args.file}: {exc}") from exc
    service = _service(args)
    service.warm_up()
    if is_factcheck(cases):
        return _print_factcheck_eval(run_factcheck_eval(cases, service.check), args.json, out)
    report = run_eval(cases, service.ask)
    summary = report.summary()
    if args.json:
        out.write(json.dumps({**summary, "failing_cases": report.failures}, ensure_ascii=False, indent=2) + "\n")
        return 0
    out.write(f"Fragen:               {summary['questions']}\n")
    out.write(f"Faktengenauigkeit:    {summary['fact_accuracy']:.1%} ({report.facts_ok}/{report.answerable})\n")
    out.write(f"Zitatgenauigkeit:     {summary['citation_accuracy']:.1%} ({report.citations_ok}/{report.answerable})\n")
    out.write(f"Ablehnungsgenauigkeit:{summary['refusal_accuracy']:.1%} ({report.refusals_ok}/{report.unanswerable})\n")
    out.write(f"Latenz p50 / p95:     {summary['latency_p50_ms']:.0f} ms / {summary['latency_p95_ms']:.0f} ms\n")
    out.write(f"Fehlschläge:          {len(report.failures)}\n")
    if service.settings.answer_backend != "extractive":
        out.write(f"Backend:              {service.settings.answer_backend} ({service.settings.llm_model})\n")
        out.write(f"Durch extraktive Antwort ersetzt: {summary['replaced_by_fallback']} von {summary['questions']}\n")
        for reason, count in summary["fallback_reasons"].items():
            out.write(f"  {count:3d} × {reason}\n")
    for failure in report.failures:
        out.write(f"\n✗ {failure['id']}: {failure['question']}\n  {'; '.join(failure['problems'])}\n")
        out.write(f"  Antwort: {failure['answer'][:300]}\n")
    return 0


def cmd_serve(args: argparse.Namespace, out: TextIO) -> int:
    from assistant.api import serve

    serve(_settings(args), args.host, args.port)
    return 0


def _print_factcheck_eval(report: Any, as_json: bool, out: TextIO) -> int:
    summary = report.summary()
    if as_json:
        out.write(json.dumps({**summary, "failing_cases": report.failures}, ensure_ascii=False, indent=2) + "\n")
        return 0
    out.write(f"Aussagen:                 {summary['statements']}\n")
    out.write(f"Urteilsgenauigkeit:       {summary['verdict_accuracy']:.1%} ({report.correct}/{report.total})\n")
    out.write(f"Falsch „bestätigt“:       {summary['wrong_supported']}\n")
    out.write(f"Latenz p50 / p95:         {summary['latency_p50_ms']:.0f} ms / {summary['latency_p95_ms']:.0f} ms\n")
    out.write(f"Fehlschläge:              {len(report.failures)}\n")
    for failure in report.failures:
        out.write(f"\n✗ {failure['id']}: {failure['statement']}\n  erwartet {failure['expected']}, ")
        out.write(f"erhalten {failure['verdict']}: {failure['explanation'][:200]}\n")
    return 0


def cmd_admin(args: argparse.Namespace, out: TextIO) -> int:
    """``admin set-password``: a local admin account for the staff area (asks twice on a terminal, reads
    one line from stdin otherwise); the password itself is never stored, only its scrypt hash."""
    from assistant.settings import Settings
    from assistant.staff.accounts import set_password

    settings = Settings()
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("Neues Passwort: ")
        if getpass.getpass("Passwort wiederholen: ") != password:
            raise AssistantError("Die Passwörter stimmen nicht überein.")
    else:
        password = sys.stdin.readline().rstrip("\n")
    set_password(settings.admin_credentials, args.user, password)
    from assistant.staff.accounts import audit

    audit(settings.staff_db(), args.user, "password_set", "python -m assistant admin set-password")
    out.write(f"Passwort für „{args.user}“ gesetzt ({settings.admin_credentials}).\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description="Fachkräfte-Assistent Hessen")
    sub = parser.add_subparsers(dest="command", required=True)

    ask = sub.add_parser("ask", help="Eine Frage beantworten (oder viele mit --jsonl)")
    ask.add_argument("question", nargs="?", help="Die Frage auf Deutsch (oder Englisch)")
    ask.add_argument("--json", action="store_true", help="Antwort als JSON ausgeben")
    ask.add_argument("--jsonl", action="store_true", help="Fragen zeilenweise als JSON von stdin lesen")
    ask.add_argument("--store", type=Path, help="Speicherordner (sonst ASSISTANT_STORE_DIR)")
    ask.set_defaults(func=cmd_ask)

    check = sub.add_parser("check", help="Faktencheck: eine Aussage gegen die Dokumente prüfen")
    check.add_argument("statement", nargs="?", help="Die Aussage auf Deutsch")
    check.add_argument("--json", action="store_true", help="Ergebnis als JSON ausgeben")
    check.add_argument("--jsonl", action="store_true", help="Aussagen zeilenweise als JSON von stdin lesen")
    check.add_argument("--store", type=Path, help="Speicherordner")
    check.set_defaults(func=cmd_check)

    search = sub.add_parser("search", help="Dokumente suchen (ohne Antwort)")
    search.add_argument("query", nargs="?", help="Suchanfrage")
    search.add_argument("--jsonl", action="store_true", help="Anfragen zeilenweise als JSON von stdin lesen")
    search.add_argument("--k", type=int, default=10, help="Anzahl Dokumente (Standard 10)")
    search.add_argument("--store", type=Path, help="Speicherordner")
    search.set_defaults(func=cmd_search)

    ev = sub.add_parser("eval", help="Auswertung: Fragen (Schema dev.jsonl) oder Aussagen (Schema factcheck-dev.jsonl)")
    ev.add_argument("file", type=Path)
    ev.add_argument("--store", type=Path, help="Speicherordner")
    ev.add_argument("--json", action="store_true", help="Ergebnis als JSON")
    ev.set_defaults(func=cmd_eval)
    adm = sub.add_parser("admin", help="Verwaltung: lokales Konto für den geschützten Bereich")
    adm.add_argument("action", choices=["set-password"], help="set-password: Passwort setzen oder ändern")
    adm.add_argument("--user", default="admin", help="Benutzername (Standard admin)")
    adm.set_defaults(func=cmd_admin)
    srv = sub.add_parser("serve", help="HTTP-API und Website-Widget starten")
    srv.add_argument("--host", default="127.0.0.1", help="Adresse (Standard 127.0.0.1)")
    srv.add_argument("--port", type=int, default=8000, help="Port (Standard 8000)")
    srv.add_argument("--store", type=Path, help="Speicherordner")
    srv.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args, sys.stdout))
    except AssistantError as exc:
        print(f"Fehler: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
