#!/usr/bin/env python3
"""Reference output for msmigrate's Dockerfile parser, from BuildKit's own parser.

What it is for
    The PyPI package ``dockerfile`` (3.4.0, ``pip install dockerfile==3.4.0``)
    wraps BuildKit v0.12.5's Go parser. This script turns its result into the
    JSON contract that ``msmigrate parse --format json FILE`` also prints, so
    the two can be compared field for field. It is a test-time oracle only.

The contract (one object per instruction, in file order)
    {"cmd": "run", "sub_cmd": null, "json": false, "original": "RUN x",
     "start_line": 2, "end_line": 2, "flags": ["--mount=..."],
     "value": ["x"], "heredocs": [{"name": "EOF", "file_descriptor": 0,
                                   "content": "..."}]}
    ``cmd`` and ``sub_cmd`` are lower-cased (str.lower(); the oracle keeps
    the case as written). ``sub_cmd`` is null except for ``ONBUILD X``. On a
    parse error the output is {"error": "<BuildKit's message>"}.

How input is read
    Files are read as bytes and decoded as UTF-8 with errors="replace"
    (invalid bytes become U+FFFD, as Rust's from_utf8_lossy does). The text is
    given to the Go parser raw: a UTF-8 BOM, CRLF and lone CR are left for
    BuildKit to handle. The binding passes text as a C string, so a NUL byte
    would silently truncate the input: such files are refused (exit 3)
    rather than given a wrong answer. Likewise when BuildKit's result is not
    valid UTF-8 (it splits a multi-byte character whose last byte is 0x85 or
    0xA0 in HEALTHCHECK's first word, testing single bytes as runes): the
    binding cannot return such strings, and the file is refused (exit 3).
    Files containing the JSON escape \u0000 are refused too: BuildKit decodes
    it to NUL and the binding truncates the string there.

How to run
    scripts/oracle.py FILE                 # JSON array (or {"error"}) on stdout
    scripts/oracle.py FILE1 FILE2 ...      # one JSON document per line, in order
    scripts/oracle.py --jsonl FILE...      # {"file": F, "result": R} per line
    scripts/oracle.py --dir DIR [--out-suffix .expected.json] [--glob '*.Dockerfile']
        # writes <file><suffix> next to every matching file under DIR (recursive)
    scripts/oracle.py --pretty FILE        # indented output
    scripts/oracle.py --fixtures testdata/parser [--check]
        # for every testdata/parser/<case>/Dockerfile writes <case>/expected.json

Exit status: 0 all parsed; 2 if any file was rejected by the parser (the
error object is printed); 3 if any file could not be given to the oracle
(NUL byte, unreadable). In --dir mode, rejected files still get their
{"error": ...} expected file and the exit status is 0 unless some file was
unsupported.

As a module: ``from oracle import oracle_bytes`` returns (status, result)
where status is "ok", "error" or "unsupported".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

try:
    import dockerfile  # the oracle: BuildKit's parser via cgo
except ImportError:  # pragma: no cover
    sys.stderr.write("oracle.py: the 'dockerfile' package is missing: pip install dockerfile==3.4.0\n")
    raise

import re

_JSON_NUL = re.compile(r"\\u0000", re.IGNORECASE)

__all__ = ["oracle_bytes", "oracle_text", "decode", "dumps_expected"]


def decode(data: bytes) -> str:
    """Bytes to the text both parsers see: UTF-8, invalid bytes -> U+FFFD."""
    return data.decode("utf-8", errors="replace")


def _lower(s):
    return None if s is None else s.lower()


def _command_to_obj(c) -> dict:
    return {
        "cmd": _lower(c.cmd) if c.cmd is not None else "",
        "sub_cmd": _lower(c.sub_cmd),
        "json": bool(c.json),
        "original": c.original if c.original is not None else "",
        "start_line": c.start_line,
        "end_line": c.end_line,
        "flags": list(c.flags),
        "value": list(c.value),
        "heredocs": [
            {
                "name": h.name if h.name is not None else "",
                "file_descriptor": h.file_descriptor,
                "content": h.content if h.content is not None else "",
            }
            for h in c.heredocs
        ],
    }


def oracle_text(text: str):
    """Parse already-decoded text. Returns (status, result)."""
    if "\x00" in text:
        return "unsupported", {"unsupported": "input contains a NUL byte; the oracle binding truncates at NUL"}
    if _JSON_NUL.search(text):
        # a JSON-form argument may decode to a string with NUL, which the
        # binding's C strings truncate: the oracle's value would be wrong
        return "unsupported", {"unsupported": "input contains a \\u0000 escape; the oracle binding truncates strings at NUL"}
    try:
        cmds = dockerfile.parse_string(text)
    except dockerfile.GoParseError as e:
        return "error", {"error": str(e)}
    except UnicodeDecodeError:
        # BuildKit cut a multi-byte character in two (e.g. HEALTHCHECK tests
        # single bytes 0x85 / 0xA0 with unicode.IsSpace) and the binding
        # cannot turn the resulting non-UTF-8 Go string into Python text.
        return "unsupported", {"unsupported": "the oracle's output is not valid UTF-8 (BuildKit split a multi-byte character)"}
    return "ok", [_command_to_obj(c) for c in cmds]


def oracle_bytes(data: bytes):
    """Parse raw file bytes. Returns (status, result)."""
    return oracle_text(decode(data))


def dumps_expected(result) -> str:
    """The on-disk form of an expected file: indented, ASCII-only, newline-terminated."""
    return json.dumps(result, indent=2, ensure_ascii=True) + "\n"


def _dumps(result, pretty: bool) -> str:
    if pretty:
        return json.dumps(result, indent=2, ensure_ascii=False)
    return json.dumps(result, ensure_ascii=False, separators=(",", ":"))


def _read(path: str):
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        return e


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="Dockerfiles to parse")
    ap.add_argument("--dir", help="process every matching file under DIR, writing <file><suffix>")
    ap.add_argument("--out-suffix", default=".expected.json", help="suffix for --dir output files")
    ap.add_argument("--glob", default="*.Dockerfile", help="file pattern for --dir (default *.Dockerfile)")
    ap.add_argument("--fixtures", metavar="DIR",
                    help="write DIR/<case>/expected.json for every DIR/<case>/Dockerfile")
    ap.add_argument("--jsonl", action="store_true", help='print {"file", "result"} per line')
    ap.add_argument("--pretty", action="store_true", help="indent the JSON")
    ap.add_argument("--check", action="store_true",
                    help="with --dir: do not write, report files whose expected output differs")
    args = ap.parse_args(argv)

    # Go's runtime may print to fd 2; keep our stdout clean and unbuffered enough.
    out = sys.stdout
    worst = 0

    if args.dir or args.fixtures:
        if args.fixtures:
            root = Path(args.fixtures)
            files = sorted(p for p in root.glob("*/Dockerfile") if p.is_file())
        else:
            root = Path(args.dir)
            files = sorted(p for p in root.rglob(args.glob) if p.is_file())
        n_ok = n_err = n_unsup = n_diff = 0
        for p in files:
            data = _read(str(p))
            if isinstance(data, OSError):
                sys.stderr.write(f"{p}: {data}\n")
                n_unsup += 1
                continue
            status, result = oracle_bytes(data)
            if status == "unsupported":
                sys.stderr.write(f"{p}: {result['unsupported']}\n")
                n_unsup += 1
                continue
            n_ok += status == "ok"
            n_err += status == "error"
            target = p.with_name("expected.json") if args.fixtures else Path(str(p) + args.out_suffix)
            text = dumps_expected(result)
            if args.check:
                old = target.read_text(encoding="utf-8") if target.exists() else None
                if old != text:
                    n_diff += 1
                    sys.stderr.write(f"{target}: differs from the oracle\n")
            else:
                target.write_text(text, encoding="utf-8", newline="\n")
        sys.stderr.write(
            f"oracle: {len(files)} files: {n_ok} parsed, {n_err} rejected, {n_unsup} unsupported"
            + (f", {n_diff} stale" if args.check else "") + "\n"
        )
        return 3 if n_unsup else (1 if n_diff else 0)

    if not args.files:
        ap.error("give FILE arguments or --dir DIR")

    for path in args.files:
        data = _read(path)
        if isinstance(data, OSError):
            status, result = "unsupported", {"unsupported": str(data)}
        else:
            status, result = oracle_bytes(data)
        if args.jsonl:
            out.write(json.dumps({"file": path, "status": status, "result": result}, ensure_ascii=False) + "\n")
        else:
            out.write(_dumps(result, args.pretty) + "\n")
        if status == "error":
            worst = max(worst, 2)
        elif status == "unsupported":
            sys.stderr.write(f"{path}: {result['unsupported']}\n")
            worst = max(worst, 3)
    out.flush()
    return worst


if __name__ == "__main__":
    sys.exit(main())
