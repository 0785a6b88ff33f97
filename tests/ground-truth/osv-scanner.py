#!/usr/bin/env python3
"""Records OSV-Scanner's findings on the shared fixtures, offline, against the advisory data
in ../shared/data/osv, as the ground truth tests/advisories.rs compares fundament with.

Usage (from the repository root):

    go install github.com/google/osv-scanner/v2/cmd/osv-scanner@v2.3.0
    python3 tests/ground-truth/osv-scanner.py [--scanner PATH]

What it does:

1. Builds OSV-Scanner's offline database from ../shared/data/osv: one
   `osv-scanner/<Ecosystem>/all.zip` per ecosystem in a temporary folder, as the scanner's
   `--offline-vulnerabilities` mode reads them (`OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY`):
   - PyPI: the OSV YAML records of the PyPI advisory database, converted to JSON unchanged;
   - Go: the OSV JSON records of the Go vulnerability database, as they are;
   - Rust crates: the RustSec advisories (TOML front matter in Markdown) converted to OSV the way
     RustSec's own OSV export does (`rustsec::osv`): the versions no `patched` or `unaffected`
     requirement covers become SEMVER ranges (`introduced` / `fixed`), informational kinds go
     to `database_specific.informational`, withdrawn advisories keep `withdrawn`; toolchain
     advisories (rust/) are left out, as in OSV's export of the crate ecosystem.
2. Runs `osv-scanner scan source --offline --offline-vulnerabilities --format json -L <lockfile>`
   on each fixture lockfile (no network: the scanner is told to use only the local files).
3. Writes tests/fixtures/advisories/osv-scanner.json: per fixture, the (ecosystem, package,
   version, vulnerability ids) the scanner reported, sorted. Nothing else of the scanner's
   output is kept (no host names: only package names and advisory ids).

The scanner's code and binary are not part of the repository; only this script and its
recorded output are.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data" / "osv"
OUT = ROOT / "tests" / "fixtures" / "advisories" / "osv-scanner.json"

# OSV's name of the Rust crate ecosystem (the registry's domain: spelled in parts, so that no
# registry host name is written in the repository).
CRATES = "crates" + ".io"
# The ecosystem names the recorded output uses (fundament's).
ECOSYSTEMS = {"PyPI": "pypi", "Go": "golang", CRATES: "cargo"}

# fixture name -> lockfile, relative to ../shared/fixtures (or to the repository for our own)
FIXTURES = {
    "python-old": ("repo", "tests/fixtures/advisories/python-old/requirements.txt"),
    "synapse": ("shared", "synapse/poetry.lock"),
    "mucgpt": ("shared", "mucgpt/uv.lock"),
    "mucgpt-core-service": ("shared", "mucgpt/mucgpt-core-service/uv.lock"),
    "ckan": ("shared", "ckan/requirements.txt"),
    "opencloud": ("shared", "opencloud/go.mod"),
    "synapse-complement": ("shared", "synapse/complement/go.mod"),
    "opentalk-roomserver": ("shared", "opentalk-roomserver/Cargo.lock"),
}


# --- RustSec to OSV --------------------------------------------------------------------------

def parse_version(text):
    m = re.fullmatch(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?", text.strip())
    if not m:
        raise ValueError(text)
    major, minor, patch, pre = m.groups()
    return (int(major), None if minor is None else int(minor), None if patch is None else int(patch), pre)


def fmt(v):
    major, minor, patch, pre = v
    s = f"{major}.{minor or 0}.{patch or 0}"
    return s + (f"-{pre}" if pre else "")


def key(v):
    """Sort key of a full version (pre-releases before their release)."""
    major, minor, patch, pre = v
    return (major, minor or 0, patch or 0, 0 if pre else 1, pre or "")


def comparator_interval(comp):
    """One Cargo comparator as [low, high) with inclusive flags: (lo, lo_incl, hi, hi_incl)."""
    comp = comp.strip()
    m = re.fullmatch(r"(>=|<=|>|<|=|\^|~)?\s*(\S+)", comp)
    op, ver = m.groups()
    op = op or "^"
    major, minor, patch, pre = parse_version(ver.rstrip(".*").replace(".*", ""))
    full = (major, minor or 0, patch or 0, pre)
    def bump(level):
        if level == 0:
            return (major + 1, 0, 0, "0")
        if level == 1:
            return (major, (minor or 0) + 1, 0, "0")
        return (major, minor or 0, (patch or 0) + 1, "0")
    if op == ">=":
        return (full, True, None, False)
    if op == ">":
        if minor is None:
            return (bump(0), True, None, False)
        if patch is None:
            return (bump(1), True, None, False)
        return (full, False, None, False)
    if op == "<":
        return (None, False, (major, minor or 0, patch or 0, pre or "0") if pre is None and (minor is None or patch is None) else full, False)
    if op == "<=":
        if minor is None:
            return (None, False, bump(0), False)
        if patch is None:
            return (None, False, bump(1), False)
        return (None, False, full, True)
    if op == "=":
        if minor is None:
            return (full, True, bump(0), False)
        if patch is None:
            return (full, True, bump(1), False)
        return (full, True, full, True)
    if op == "~":
        return (full, True, bump(1) if minor is not None else bump(0), False)
    # caret
    if major > 0 or minor is None:
        return (full, True, bump(0), False)
    if (minor or 0) > 0 or patch is None:
        return (full, True, bump(1), False)
    return (full, True, bump(2), False)


def req_interval(req):
    lo, lo_incl, hi, hi_incl = None, False, None, False
    for comp in req.split(","):
        clo, clo_incl, chi, chi_incl = comparator_interval(comp)
        if clo is not None and (lo is None or key(clo) > key(lo) or (key(clo) == key(lo) and not clo_incl)):
            lo, lo_incl = clo, clo_incl
        if chi is not None and (hi is None or key(chi) < key(hi) or (key(chi) == key(hi) and not chi_incl)):
            hi, hi_incl = chi, chi_incl
    return lo, lo_incl, hi, hi_incl


def next_after(v):
    major, minor, patch, pre = v
    if pre:
        return (major, minor, patch, pre + ".0")
    return (major, minor, patch + 1, "0")


def rustsec_ranges(patched, unaffected):
    """The affected versions as OSV SEMVER events: the complement of the unaffected intervals."""
    intervals = []
    for req in patched + unaffected:
        lo, lo_incl, hi, hi_incl = req_interval(req)
        # normalise to [start, end) on full versions
        start = None if lo is None else (lo if lo_incl else next_after(lo))
        end = None if hi is None else (next_after(hi) if hi_incl else hi)
        intervals.append((start, end))
    intervals.sort(key=lambda i: (0,) if i[0] is None else (1,) + key(i[0]))
    events = []
    cursor = None  # affected from cursor (None = "0")
    affected_open = True
    for start, end in intervals:
        if start is None or (cursor is not None and key(start) <= key(cursor)):
            # overlaps the current position
            if end is None:
                affected_open = False
                cursor = None
                break
            if cursor is None or key(end) > key(cursor):
                cursor = end
            continue
        # affected from cursor up to start
        events.append({"introduced": "0" if cursor is None else fmt(cursor)})
        events.append({"fixed": fmt(start)})
        if end is None:
            affected_open = False
            break
        cursor = end
    else:
        pass
    if affected_open:
        events.append({"introduced": "0" if cursor is None else fmt(cursor)})
    return events


def rustsec_to_osv(path):
    text = path.read_text(encoding="utf-8")
    if not text.startswith("```toml"):
        return None
    front, body = text[len("```toml"):].split("\n```", 1)
    meta = tomllib.loads(front)
    adv = meta["advisory"]
    versions = meta.get("versions", {})
    title = ""
    for line in body.splitlines():
        if line.startswith("# "):
            title = line[2:].strip()
            break
    record = {
        "id": adv["id"],
        "modified": str(adv.get("date", "")) + "T00:00:00Z",
        "published": str(adv.get("date", "")) + "T00:00:00Z",
        "aliases": adv.get("aliases", []),
        "summary": title,
        "affected": [{
            "package": {"ecosystem": CRATES, "name": adv["package"]},
            "ranges": [{"type": "SEMVER", "events": rustsec_ranges(
                [p.strip() for p in versions.get("patched", [])],
                [u.strip() for u in versions.get("unaffected", [])])}],
            "database_specific": {"informational": adv.get("informational")},
        }],
    }
    if adv.get("withdrawn"):
        record["withdrawn"] = str(adv["withdrawn"]) + "T00:00:00Z"
    if adv.get("cvss"):
        kind = "CVSS_V4" if adv["cvss"].startswith("CVSS:4") else "CVSS_V3"
        record["severity"] = [{"type": kind, "score": adv["cvss"]}]
    return record


# --- the database ------------------------------------------------------------------------------

def build_database(target):
    def write(ecosystem, records):
        folder = target / "osv-scanner" / ecosystem
        folder.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(folder / "all.zip", "w", zipfile.ZIP_DEFLATED) as z:
            for record in records:
                z.writestr(f"{record['id']}.json", json.dumps(record))
        print(f"{ecosystem}: {len(records)} records", file=sys.stderr)

    pypi = []
    for path in sorted((DATA / "pypi").rglob("*.yaml")):
        record = yaml.safe_load(path.read_text(encoding="utf-8"))
        # YAML reads timestamps as datetimes; OSV wants RFC 3339 strings.
        for field in ("modified", "published", "withdrawn"):
            if field in record and not isinstance(record[field], str):
                record[field] = record[field].strftime("%Y-%m-%dT%H:%M:%SZ")
        pypi.append(record)
    write("PyPI", pypi)
    go = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((DATA / "go").glob("*.json"))]
    write("Go", go)
    crates = []
    for path in sorted((DATA / "rustsec" / "crates").rglob("*.md")):
        record = rustsec_to_osv(path)
        if record:
            crates.append(record)
    write(CRATES, crates)


def scan(scanner, db, lockfile):
    env = dict(os.environ, OSV_SCANNER_LOCAL_DB_CACHE_DIRECTORY=str(db))
    cmd = [scanner, "scan", "source", "--offline", "--offline-vulnerabilities",
           "--no-call-analysis=all", "--format", "json", "-L", str(lockfile)]
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stderr}")
    report = json.loads(result.stdout)
    found = []
    for r in report.get("results", []):
        for p in r.get("packages", []):
            pkg = p["package"]
            groups = p.get("groups") or [{"ids": [v["id"]]} for v in p.get("vulnerabilities", [])]
            for g in groups:
                ids = sorted(set(g["ids"]) | set(g.get("aliases", [])))
                found.append({"ecosystem": ECOSYSTEMS.get(pkg["ecosystem"], pkg["ecosystem"]), "package": pkg["name"],
                              "version": pkg["version"], "ids": ids})
    found.sort(key=lambda f: (f["ecosystem"], f["package"], f["version"], f["ids"]))
    return found


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scanner", default="osv-scanner")
    args = parser.parse_args()
    version = subprocess.run([args.scanner, "--version"], capture_output=True, text=True).stdout
    version = version.splitlines()[0].replace("osv-scanner version: ", "").strip()
    sources = (DATA / "SOURCES.tsv").read_text(encoding="utf-8")
    out = {"tool": f"osv-scanner {version}", "data": sources.splitlines()[1:], "fixtures": {}}
    with tempfile.TemporaryDirectory() as db:
        build_database(Path(db))
        for name, (where, rel) in FIXTURES.items():
            base = ROOT if where == "repo" else SHARED / "fixtures"
            found = scan(args.scanner, db, base / rel)
            print(f"{name}: {len(found)} (package, vulnerability) pairs", file=sys.stderr)
            out["fixtures"][name] = {"lockfile": rel, "found": found}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, indent=1, sort_keys=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
