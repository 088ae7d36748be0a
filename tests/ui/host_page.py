"""A ministry page with the widget's one tag, for the browser tests and the accessibility audit."""

from __future__ import annotations

from pathlib import Path


def write_host_page(root: Path, api: str) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "index.html").write_text(
        f"""<!doctype html><html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Hessisches Ministerium – Beispielseite</title>
<style>body{{font-family:Arial,sans-serif;margin:0}}header{{background:#00457d;color:#fff;padding:16px 5vw}}
h1{{overflow-wrap:anywhere;hyphens:auto}}main{{padding:16px 5vw;max-width:760px}}</style></head>
<body><header><h1>Fachkräftesicherung in Hessen</h1></header>
<main><p>Beispielseite des Ministeriums. Unten rechts finden Sie den Fachkräfte-Assistenten.</p>
<p><a href="#kontakt">Kontakt</a></p></main>
<script src="{api}/widget.js" data-api="{api}" defer></script></body></html>""",
        encoding="utf-8",
    )
    return root
