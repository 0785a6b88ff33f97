#!/usr/bin/env python3
"""Gradle self-check: how close fundament's resolution of a Gradle build from its declarations
alone comes to the build's own lockfiles (docs/benchmarks.md).

For each project of SOURCES.tsv: its sources at the commit named are copied from a git mirror
($MIRRORS, default /work/.mirror, `<owner>+<repo>/repo`) into a scratch folder; the versions
its gradle.lockfile files lock are read; every lockfile is deleted; `fundament audit --format
json` resolves the build from the declarations (online, no configuration: central is the one
the installed Maven names); the two sets of group:artifact:version are compared.

Compared are the lockfiles' entries of the classpaths fundament resolves (compile and runtime
classpaths, test ones, annotation processors); entries only of other configurations (code
quality tools, agents, the build script's classpath) are counted apart.

Usage: benches/gradle-selfcheck/selfcheck.py [path/to/fundament]   (needs git, the network,
an installed Maven; default binary target/release/fundament)
"""
import json, os, re, subprocess, sys, tarfile, tempfile, io, time
from collections import defaultdict

here = os.path.dirname(os.path.abspath(__file__))
checkout = os.path.abspath(os.path.join(here, "..", ".."))
binary = sys.argv[1] if len(sys.argv) > 1 else os.path.join(checkout, "target/release/fundament")
mirrors = os.environ.get("MIRRORS", "/work/.mirror")
work = tempfile.mkdtemp(prefix="gradle-selfcheck.")
cache = os.path.join(work, "cache")
CLASSPATH = re.compile(r"(?i)(compileclasspath|runtimeclasspath|annotationprocessor)$")


def locked(root):
    """(group:artifact, version) of the lockfiles' classpath entries, and of the others."""
    ours, others = set(), set()
    for folder, _, files in os.walk(root):
        for f in files:
            if not f.endswith("gradle.lockfile") or f.startswith(("buildscript-", "settings-")):
                continue
            for line in open(os.path.join(folder, f), encoding="utf-8"):
                line = line.strip()
                if not line or line.startswith("#") or line.startswith("empty="):
                    continue
                coordinate, _, configurations = line.partition("=")
                parts = coordinate.split(":")
                if len(parts) != 3:
                    continue
                key = (parts[0] + ":" + parts[1], parts[2])
                if any(CLASSPATH.search(c) for c in configurations.split(",")):
                    ours.add(key)
                else:
                    others.add(key)
    return ours, others - ours


def unlock(root):
    for folder, _, files in os.walk(root):
        for f in files:
            if f.endswith(".lockfile"):
                os.remove(os.path.join(folder, f))


def main():
    rows = []
    for line in open(os.path.join(here, "SOURCES.tsv"), encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        name, mirror, commit, _ = line.rstrip("\n").split("\t")
        src = os.path.join(work, name)
        os.makedirs(src)
        archive = subprocess.run(
            ["git", "-C", os.path.join(mirrors, mirror, "repo"), "archive", commit],
            check=True, capture_output=True).stdout
        tarfile.open(fileobj=io.BytesIO(archive)).extractall(src, filter="data")
        lock, tools = locked(src)
        unlock(src)
        env = dict(os.environ, FUNDAMENT_CACHE_DIR=cache)
        env.pop("FUNDAMENT_NO_REGISTRY", None)
        start = time.time()
        out = subprocess.run([binary, "audit", "--format", "json", src],
                             capture_output=True, env=env).stdout
        elapsed = time.time() - start
        report = json.loads(out)
        got = {(p["name"], p["version"]) for p in report["packages"]
               if p["ecosystem"] == "maven" and not p.get("root")}
        by_module = defaultdict(set)
        for module, version in got:
            by_module[module].add(version)
        same = lock & got
        other_version = {(m, v) for (m, v) in lock - got if m in by_module}
        missing = lock - got - other_version
        extra = {(m, v) for (m, v) in got - lock if m not in {x for x, _ in lock}}
        rows.append((name, len(lock), len(same), len(other_version), len(missing), len(extra),
                     len(tools), elapsed))
        detail = os.path.join(work, name + ".diff.txt")
        with open(detail, "w") as f:
            for m, v in sorted(other_version):
                f.write(f"other version: {m} locked {v}, fundament {sorted(by_module[m])}\n")
            for m, v in sorted(missing):
                f.write(f"only the lockfile: {m}:{v}\n")
            for m, v in sorted(extra):
                f.write(f"only fundament: {m}:{v}\n")
    print("| project | locked (classpaths) | same version | other version | only the lockfile | only fundament | agreement | tool configurations (not compared) | audit, cold |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, lock, same, other, missing, extra, tools, elapsed in rows:
        share = 100.0 * same / lock if lock else 0.0
        print(f"| {name} | {lock} | {same} | {other} | {missing} | {extra} | {share:.1f} % | {tools} | {elapsed:.1f} s |")
    print(f"\ndetails: {work}/*.diff.txt", file=sys.stderr)


main()
