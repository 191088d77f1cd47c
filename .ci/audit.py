"""Supply-chain checks, run by `make audit` and by CI.

bandit     risky patterns in our own code, medium severity and up. An accepted finding
           carries `# nosec BXXX` on its line, with the reason in a comment above it.
pip-audit  every installed package against PyPI's known-vulnerability data.

A real finding fails the run. When PyPI's vulnerability data cannot be reached (an
offline machine, or a package mirror without PyPI's JSON API), one probe finds that out,
a clear notice says the packages were NOT checked, and the run goes on: an unreachable
service is not a finding, and is never reported as "no known vulnerabilities" either.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
OUR_CODE = [
    "radicals",
    "members",
    "communities",
    "pledges",
    "stories",
    "learning",
    "reports",
    "notifications",
]
PROBE_PACKAGE = "django"


def notice(*lines: str) -> None:
    for line in lines:
        print(f"NOTICE: {line}")


def run_bandit() -> bool:
    print("== bandit (medium severity and up)", flush=True)
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [str(BIN / "bandit"), "-q", "-ll", "-r", *OUR_CODE], cwd=ROOT, check=False
    )
    if result.returncode == 0:
        print("bandit: no issues")
    return result.returncode == 0


def pip_audit(*args: str) -> tuple[int, dict | None, str]:
    """Run pip-audit with a JSON report; (exit status, report or None, stderr)."""
    with tempfile.TemporaryDirectory() as tmp:
        report_path = Path(tmp) / "report.json"
        result = subprocess.run(  # noqa: S603 - fixed arguments
            [
                str(BIN / "pip-audit"),
                *args,
                "--progress-spinner",
                "off",
                "--timeout",
                "20",
                "--format",
                "json",
                "--output",
                str(report_path),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        report = json.loads(report_path.read_text()) if report_path.exists() else None
    return result.returncode, report, result.stderr


def service_unreachable_reason() -> str | None:
    """Ask about one package we depend on; None if PyPI's vulnerability data answered."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as requirement:
        requirement.write(f"{PROBE_PACKAGE}=={metadata.version(PROBE_PACKAGE)}\n")
        requirement.flush()
        status, report, errors = pip_audit("-r", requirement.name, "--no-deps", "--disable-pip")
    if report is None:
        return errors.strip().splitlines()[-1] if errors.strip() else f"pip-audit exit {status}"
    skipped = [dep["skip_reason"] for dep in report["dependencies"] if dep.get("skip_reason")]
    return skipped[0] if skipped else None


def run_pip_audit() -> bool:
    print("== pip-audit (installed packages against known vulnerabilities)", flush=True)
    unreachable = service_unreachable_reason()
    if unreachable:
        notice(
            "PyPI's vulnerability data could not be reached from this machine, so the",
            "installed packages were NOT checked for known vulnerabilities on this run.",
            f"pip-audit said: {unreachable}",
        )
        return True
    status, report, errors = pip_audit("--local", "--skip-editable")
    if report is None:
        print(errors, file=sys.stderr)
        print(f"pip-audit failed (exit {status}) without a report.", file=sys.stderr)
        return False
    found = [
        (dep["name"], dep["version"], vuln)
        for dep in report["dependencies"]
        for vuln in dep.get("vulns", [])
    ]
    for name, version, vuln in found:
        fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
        print(f"{name} {version}: {vuln['id']} (fixed in {fixed})", file=sys.stderr)
    skipped = [dep for dep in report["dependencies"] if dep.get("skip_reason")]
    for dep in skipped:
        notice(f"not checked: {dep['name']}: {dep['skip_reason']}")
    if found:
        print(f"pip-audit: known vulnerabilities found: {len(found)}.", file=sys.stderr)
        return False
    checked = len(report["dependencies"]) - len(skipped)
    print(f"pip-audit: no known vulnerabilities in {checked} installed packages")
    return True


def main() -> int:
    bandit_ok = run_bandit()
    audit_ok = run_pip_audit()
    return 0 if bandit_ok and audit_ok else 1


if __name__ == "__main__":
    sys.exit(main())
