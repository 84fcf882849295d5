"""``buildrace query STORE "SQL"``: DuckDB SQL over the ``draws`` and ``chunks`` views."""

from __future__ import annotations

import csv
import json
import math
import sys

from buildrace.errors import InputError


def register(subparsers) -> None:
    p = subparsers.add_parser("query", help="SQL (DuckDB) over an ensemble store's draws and chunks views")
    p.add_argument("store")
    p.add_argument("sql")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print a list of row objects")
    fmt.add_argument("--csv", action="store_true")
    p.set_defaults(func=_run)


def _clean(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def _run(args) -> int:
    import duckdb

    from buildrace.store import connect

    con = connect(args.store)
    try:
        cur = con.execute(args.sql)
        cols = [d[0] for d in cur.description or []]
        rows = cur.fetchall()
    except duckdb.Error as exc:
        raise InputError(f"SQL error: {str(exc).splitlines()[0]}") from None
    if args.json:
        print(json.dumps([{c: _clean(v) for c, v in zip(cols, r, strict=True)} for r in rows], default=str))
    else:
        w = csv.writer(sys.stdout, delimiter="," if args.csv else "\t")
        w.writerow(cols)
        w.writerows(rows)
    return 0
