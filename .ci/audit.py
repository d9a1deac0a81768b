"""pip-audit over every package uv.lock pins (all extras and groups); run by .ci/run.

Exit 1 when pip-audit reports a known vulnerability in a pinned version. A dependency pip-audit
could not look up is counted and named, not passed over: where the vulnerability data is out of
reach (a PyPI mirror without the per-version JSON API, no route to api.osv.dev) the run says
that nothing was audited, and exits 0 so that an unreachable service does not block CI.
Standard library only.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PIP_AUDIT = "pip-audit==2.10.1"
EXPORT = ["uv", "export", "--locked", "--format", "requirements-txt", "--no-hashes"]
EXPORT += ["--no-emit-project", "--all-extras", "--all-groups", "--quiet"]


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        req, report = Path(tmp) / "requirements.txt", Path(tmp) / "audit.json"
        subprocess.run(
            [*EXPORT, "-o", str(req)],
            check=True,
        )
        cmd = ["uvx", PIP_AUDIT, "-r", str(req), "--no-deps", "--disable-pip"]
        run = subprocess.run(
            [*cmd, "--format", "json", "--output", str(report), "--progress-spinner", "off"],
            capture_output=True,
            text=True,
        )
        if not report.is_file():
            tail = (run.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"pip-audit: WARNING: NOT RUN, NOTHING WAS AUDITED ({tail})")
            return 0
        deps = json.loads(report.read_text())["dependencies"]
    return verdict(deps)


def verdict(deps: list[dict[str, Any]]) -> int:
    """Print what pip-audit's JSON report says; 1 if any pinned version is vulnerable."""
    vulnerable = [d for d in deps if d.get("vulns")]
    skipped = [d for d in deps if d.get("skip_reason")]
    for d in vulnerable:
        ids = ", ".join(
            f"{v['id']} (fixed in {', '.join(v['fix_versions']) or '-'})" for v in d["vulns"]
        )
        print(f"pip-audit: {d['name']} {d['version']}: {ids}")
    audited = len(deps) - len(skipped)
    print(
        f"pip-audit: {audited} of {len(deps)} pinned packages audited, {len(vulnerable)} vulnerable"
    )
    if skipped:
        print(f"pip-audit: could not audit {len(skipped)}, e.g. {skipped[0]['skip_reason']}")
    if not audited:
        print(
            "pip-audit: WARNING: NOTHING WAS AUDITED (the vulnerability data is out of reach "
            "from here); this run passes without a vulnerability check"
        )
    return 1 if vulnerable else 0


if __name__ == "__main__":
    sys.exit(main())
