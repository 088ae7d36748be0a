"""Accessibility audit, an earlier commit against today's, in one run.

    python -m benchmarks.accessibility [--baseline-rev 6ecd402] [--skip-baseline]

For each side: ingest ``corpus/`` with that side's code, start its Streamlit page and its API (which
serves the widget), put the widget on a host page, and walk every state of ``tests/ui/audit.py`` in
Debian's Chromium with axe-core (WCAG 2.1 A/AA). Prints violating elements per state and the rules
behind them, the horizontal overflow at each width, the page language and English interface labels.
Screenshots: ``test-artifacts/a11y-<side>-*.png``.
Needs ``make install-test browser-deps`` (Playwright, Chromium, axe-core).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import free_port, running, static_site  # noqa: E402
from tests.ui.audit import audit_streamlit, audit_widget, summary  # noqa: E402

ARTIFACTS = ROOT / "test-artifacts"


def _server(cmd: list[str], health: str, tree: Path, env: dict[str, str]) -> Any:
    """A server of that side's tree (its code first on the path, started in it)."""
    return running(cmd, health, {"PYTHONPATH": str(tree), **env}, cwd=tree)


def run_side(browser: Any, tree: Path, label: str) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix=f"a11y-{label}-") as tmp:
        store = Path(tmp) / "store"
        env = {"ASSISTANT_STORE_DIR": str(store), "ASSISTANT_FEEDBACK_DB": str(Path(tmp) / "fb.sqlite")}
        subprocess.run(
            [sys.executable, "-m", "ingest", "--corpus", str(tree / "corpus"), "--store", str(store)],
            cwd=tree, env={**os.environ, "PYTHONPATH": str(tree), **env}, check=True, capture_output=True,
        )  # fmt: skip
        site = Path(tmp) / "site"
        ui_port, api_port = free_port(), free_port()
        with ExitStack() as stack:
            host = stack.enter_context(static_site(site.mkdir() or site))
            env["ASSISTANT_CORS_ORIGINS"] = f'["{host}"]'
            streamlit = [
                sys.executable, "-m", "streamlit", "run", str(tree / "ui" / "app.py"), "--server.port",
                str(ui_port), "--server.headless", "true", "--browser.gatherUsageStats", "false",
            ]  # fmt: skip
            stack.enter_context(_server(streamlit, f"http://127.0.0.1:{ui_port}/_stcore/health", tree, env))
            api = f"http://127.0.0.1:{api_port}"
            serve = [sys.executable, "-m", "assistant", "serve", "--host", "127.0.0.1", "--port", str(api_port)]
            stack.enter_context(_server(serve, f"{api}/api/health/live", tree, env))
            from tests.ui.host_page import write_host_page

            write_host_page(site, api)
            found = audit_streamlit(browser, f"http://127.0.0.1:{ui_port}/", ARTIFACTS, f"a11y-{label}-streamlit")
            found |= {
                f"widget {k}": v for k, v in audit_widget(browser, host, ARTIFACTS, f"a11y-{label}-widget").items()
            }
            return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Accessibility audit, old vs new")
    parser.add_argument("--baseline-rev", default="a627c4f")
    parser.add_argument("--skip-baseline", action="store_true")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    from tests.ui.test_browser import CHROMIUM, FLAGS

    results: dict[str, dict[str, Any]] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        if not args.skip_baseline:
            with tempfile.TemporaryDirectory(prefix="a11y-baseline-tree-") as tree:
                subprocess.run(
                    ["git", "-C", str(ROOT), "worktree", "add", "--detach", tree, args.baseline_rev],
                    check=True, capture_output=True,
                )  # fmt: skip
                try:
                    results[f"old ({args.baseline_rev})"] = run_side(browser, Path(tree), "old")
                finally:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", tree], check=False)
        results["new"] = run_side(browser, ROOT, "new")
        browser.close()
    sides = list(results)
    print("| state | " + " | ".join(f"{s}: violating elements (rules)" for s in sides) + " |")
    print("|---|" + "---|" * len(sides))
    states = list(dict.fromkeys(k for r in results.values() for k in r))
    for state in states:
        cells = []
        for side in sides:
            r = results[side].get(state)
            if r is None:
                cells.append("–")
                continue
            rules = ", ".join(f"{v['id']}×{v['count']}" for v in r["violations"]) or "none"
            overflow = f"; {r['overflow']} px too wide" if r["overflow"] > 0 else ""
            lang = f"; lang={r.get('lang') or '?'}"
            english = f"; English: {', '.join(r['english'])}" if r.get("english") else ""
            cells.append(f"{summary({state: r})[state]} ({rules}){overflow}{lang}{english}")
        print(f"| {state} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
