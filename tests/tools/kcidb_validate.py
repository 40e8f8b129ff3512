#!/usr/bin/python3
"""Checks a KCIDB export: the v5.3 schema rules (tests/tools/kcidb-v5.3.schema.json) with a
real JSON-Schema validator, plus what the schema cannot say: no null anywhere (misc included),
no control characters in text, unique ids per object type, links that resolve inside the
document, and the id prefix equal to the object's origin.

usage: kcidb_validate.py SCHEMA DOCUMENT   (exit 0: valid; 1: invalid, one line per problem)
"""
import json
import sys

import jsonschema


def walk(v, where, problems):
    if v is None:
        problems.append(f"{where}: null")
    elif isinstance(v, dict):
        for k, m in v.items():
            walk(m, f"{where}.{k}", problems)
    elif isinstance(v, list):
        for i, m in enumerate(v):
            walk(m, f"{where}[{i}]", problems)
    elif isinstance(v, str):
        bad = [c for c in v if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f]
        if bad:
            problems.append(f"{where}: control character {ord(bad[0]):#04x}")


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    with open(sys.argv[2], "rb") as f:
        raw = f.read()
    try:
        doc = json.loads(raw.decode("utf-8", errors="strict"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        print(f"not UTF-8 JSON: {e}")
        return 1
    validator = jsonschema.Draft7Validator(schema)
    problems = [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
                for e in validator.iter_errors(doc)]
    walk(doc, "$", problems)
    if isinstance(doc, dict):
        ids = {}
        for kind in ("checkouts", "builds", "tests", "issues", "incidents"):
            seen = set()
            for i, o in enumerate(doc.get(kind) or []):
                if not isinstance(o, dict):
                    continue
                oid = o.get("id")
                if oid in seen:
                    problems.append(f"{kind}[{i}]: duplicate id {oid}")
                seen.add(oid)
                if isinstance(oid, str) and isinstance(o.get("origin"), str) \
                        and not oid.startswith(o["origin"] + ":"):
                    problems.append(f"{kind}[{i}]: id {oid} does not start with its origin")
            ids[kind] = seen
        links = (("builds", "checkout_id", "checkouts"), ("tests", "build_id", "builds"),
                 ("incidents", "issue_id", "issues"), ("incidents", "build_id", "builds"))
        for kind, field, target in links:
            for i, o in enumerate(doc.get(kind) or []):
                if isinstance(o, dict) and field in o and o[field] not in ids.get(target, ()):
                    problems.append(f"{kind}[{i}].{field}: {o[field]} is not in {target}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
