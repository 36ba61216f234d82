#!/usr/bin/env python3
"""Differential tester: msmigrate's Dockerfile parser against BuildKit's.

What it is for
    Generates random Dockerfiles (or mutates real ones, or takes given files),
    parses each with the oracle (BuildKit v0.12.5's parser through the PyPI
    package ``dockerfile==3.4.0``, in-process, see scripts/oracle.py) and with
    our binary (``msmigrate parse --format json FILE``), and compares the JSON
    field for field. When the oracle rejects a file ours must exit with code 2
    (and, if it prints {"error": ...}, with the same message). Failing inputs
    are shrunk (lines, then characters) and printed as Python bytes reprs with
    both outputs, and saved under --save-dir for replay.

How to run
    scripts/difftest.py                          # 2,000 generated cases, seed 1
    scripts/difftest.py --seed 7 --count 10000 --bin target/release/msmigrate
    scripts/difftest.py --mutate --count 2000    # mutations of testdata/corpus files
    scripts/difftest.py --files testdata/corpus testdata/parser
        # every *.Dockerfile / Dockerfile under those paths, as is; also checks
        # that their stored expected JSON still matches the oracle
    scripts/difftest.py --case 1234 --seed 7 --show   # print one generated case
    scripts/difftest.py --dump DIR --count 50   # write generated cases, run nothing
    scripts/difftest.py --oracle-only --count 5000    # generator statistics only

Case i of seed S is generated from random.Random(f"{S}:{i}") alone, so any
case can be regenerated with --case. Exit status: 0 no mismatch, 1 mismatches
found, 3 usage or setup problem.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from oracle import oracle_bytes  # noqa: E402

REPO = Path(__file__).resolve().parent.parent

# --------------------------------------------------------------------------
# Generator
# --------------------------------------------------------------------------

KNOWN = ["FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY",
         "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL",
         "HEALTHCHECK", "SHELL"]
UNKNOWN = ["FOO", "CROSS-BUILD", "RUNX", "ENVX", "COPY_", "X", "ÄRG", "Ünknown", "run2",
           "İNCLUDE", "ΣIGMA", "ẞ", "K"]
ODD_WS = ["\u00a0", "\x0b", "\x0c", "\u2003", "\u200b", "\u0085", "\u2028", "\u3000", "\ufeff"]
UNICODE_WORDS = ["café", "日本語", "🐳", "naïve", "Ωmega", "ǅ", "\u0301x", "Straße", "İ"]

PLAIN_WORDS = [
    "alpine", "ubuntu:22.04", "golang:1.22-bookworm", "node:20", "/app", ".", "./src", "/usr/local/bin/",
    "echo", "hello", "world", "apt-get", "install", "-y", "curl", "make", "&&", "||", ";", "|", ">",
    "2>&1", "$HOME", "${VAR}", "${VAR:-default}", "$(pwd)", "`date`", "'single quoted'",
    '"double quoted"', '"with \\"escaped\\" quotes"', "key=value", "a=b=c", "=", "==", "#notacomment",
    "#", "[", "]", "[]", "{", "}", "\"unterminated", "'unterminated", "a\\ b", "\\", "\\\\", "\\$x",
    "`", "``", "C:\\Windows", "c:\\path\\to", "--not-a-flag", "-", "--", "<", "<<", "<<<", "<<-",
    "<<EOF", "*.txt", "**/*", "0755", "1000:1000", "8080/tcp", "AS", "as", "CMD", "NONE", "ONBUILD",
    "@sha256:abc", "user@host", "%PATH%", "^", "^^", "~", "!", "?", "\"\"", "''", "a'b", 'a"b',
]


class Gen:
    """Builds one random Dockerfile as text, instruction by instruction."""

    def __init__(self, rng: random.Random):
        self.r = rng
        self.esc = "\\"
        self.lines: list[str] = []  # physical lines without terminators

    # -- small helpers ------------------------------------------------------
    def chance(self, p: float) -> bool:
        return self.r.random() < p

    def pick(self, xs):
        return self.r.choice(xs)

    def case(self, name: str) -> str:
        x = self.r.random()
        if x < 0.6:
            return name.upper()
        if x < 0.8:
            return name.lower()
        return "".join(c.upper() if self.chance(0.5) else c.lower() for c in name)

    def sep(self) -> str:
        x = self.r.random()
        if x < 0.75:
            return " "
        if x < 0.85:
            return "  "
        if x < 0.93:
            return "\t"
        if x < 0.97:
            return " \t "
        return self.pick(ODD_WS)

    def word(self) -> str:
        x = self.r.random()
        if x < 0.75:
            w = self.pick(PLAIN_WORDS)
        elif x < 0.85:
            w = self.pick(UNICODE_WORDS)
        elif x < 0.9:
            w = "".join(self.pick("abcXYZ019_-./:=$\"'\\`#<>[]{},") for _ in range(self.r.randint(1, 8)))
        elif x < 0.95:
            w = self.pick(PLAIN_WORDS) + self.pick(ODD_WS) + self.pick(PLAIN_WORDS)
        else:
            w = self.pick(["a", "b", "c"]) * self.r.randint(1, 3)
        if self.esc == "`" and self.chance(0.1):
            w = w.replace("\\", "`")
        return w

    def words(self, lo=1, hi=5) -> list[str]:
        return [self.word() for _ in range(self.r.randint(lo, hi))]

    def json_string(self) -> str:
        x = self.r.random()
        if x < 0.5:
            s = self.pick(["sh", "-c", "echo hi", "/bin/bash", "npm", "start", "a b", "", "--flag=1", "$HOME"])
            return json.dumps(s)
        if x < 0.65:
            return self.pick(['"caf\\u00e9"', '"\\ud83d\\udc33"', '"\\ud800"', '"tab\\there"', '"q\\"q"',
                              '"back\\\\slash"', '"sl\\/ash"', '"nl\\nx"', '"\\u0001"', '"\\x41"', '"\\U0041"',
                              '"\\b\\f\\r"', '"\\u00E9"', '"\\uZZZZ"'])
        if x < 0.75:
            return json.dumps(self.pick(UNICODE_WORDS), ensure_ascii=self.chance(0.5))
        if x < 0.82:
            return self.pick(["1", "-2.5e3", "null", "true", "false", "[]", "[\"x\"]", "{}", "{\"a\":1}"])
        if x < 0.9:
            return self.pick(["'single'", "bare", "\"unterminated", "\"a\" \"b\"", "\"\"\"", "\"x\\"])
        return json.dumps(self.word())

    def json_array(self) -> str:
        n = self.r.choice([0, 1, 1, 2, 2, 3, 4])
        items = [self.json_string() for _ in range(n)]
        inner_sep = self.pick([", ", ",", " , ", ",\t", ",  "])
        s = "[" + self.pick(["", " ", "  "]) + inner_sep.join(items) + self.pick(["", " "]) + "]"
        x = self.r.random()
        if x < 0.06:
            s += self.pick([" extra", "x", " ]", "]", " [\"y\"]", " # c"])
        elif x < 0.1:
            s = s[:-1]  # unterminated
        elif x < 0.13:
            s = s.replace("]", ",]")
        elif x < 0.16:
            s = self.pick(["junk ", "x", " "]) + s
        return s

    def flag(self, names) -> str:
        name = self.pick(names)
        x = self.r.random()
        if x < 0.55:
            val = self.flag_value(name)
            return f"--{name}={val}"
        if x < 0.65:
            return f"--{name}"
        if x < 0.72:
            return f"--{name}=\"{self.flag_value(name)} x\""
        if x < 0.77:
            return f"--{name}='{self.flag_value(name)}'"
        if x < 0.82:
            return f"--{name}={self.flag_value(name)}\\ y"
        if x < 0.86:
            return f"--{name} {self.flag_value(name)}"
        if x < 0.9:
            return f"--{name}="
        return self.pick(["--", "--=x", "---x", "--a=b=c", "-x", "--x\\y", "--\"q\"=1", "--é=ü", "--mount=type=bind,source=\"a b\",target=/x"])

    def flag_value(self, name: str) -> str:
        vals = {
            "from": ["build", "stage-1", "0", "alpine:3.19", "$BASE"],
            "chown": ["1000:1000", "app:app", "root", "${UID}:${GID}"],
            "chmod": ["0755", "644", "u+x"],
            "link": ["true", "false"],
            "parents": ["true", "false"],
            "exclude": ["*.md", "**/node_modules", ".git"],
            "mount": ["type=cache,target=/root/.cache", "type=secret,id=npmrc,target=/root/.npmrc",
                      "type=bind,from=build,source=/out,target=/in", "type=ssh", "type=tmpfs,target=/tmp"],
            "network": ["none", "host", "default"],
            "security": ["insecure", "sandbox"],
            "platform": ["linux/amd64", "$BUILDPLATFORM", "linux/arm64/v8"],
            "checksum": ["sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d"],
            "keep-git-dir": ["true", "false"],
            "interval": ["30s", "1m", "5s"], "timeout": ["3s", "10s"], "start-period": ["5s", "0s"],
            "start-interval": ["1s"], "retries": ["3", "0", "x"],
        }
        return self.pick(vals.get(name, ["x", "1", "a=b"]))

    # -- heredocs -----------------------------------------------------------
    def heredoc_marker(self):
        """Returns (marker text, terminator name, chomp)."""
        name = self.pick(["EOF", "EOT", "FILE1", "END", "eof", "x", "E_O_F", "END2", "ÉOF"])
        chomp = self.chance(0.3)
        fd = self.pick(["", "", "", "3", "0", "12"])
        style = self.r.random()
        if style < 0.55:
            delim, term = name, name
        elif style < 0.7:
            delim, term = f'"{name}"', name
        elif style < 0.8:
            delim, term = f"'{name}'", name
        elif style < 0.87:
            delim, term = f'{name[0]}"{name[1:]}"', name
        elif style < 0.92:
            delim, term = f"{name[:1]}'{name[1:]}'", name
        elif style < 0.96:
            delim, term = f'"{name}', name  # unbalanced quote
        else:
            delim, term = f'"{name} x"', f"{name} x"
        return f"{fd}<<{'-' if chomp else ''}{delim}", term, chomp

    def heredoc_body(self, term: str, chomp: bool) -> list[str]:
        body = []
        for _ in range(self.r.choice([0, 1, 1, 2, 3, 5])):
            x = self.r.random()
            if x < 0.6:
                body.append(" ".join(self.words(1, 4)))
            elif x < 0.7:
                body.append("\t" + " ".join(self.words(1, 3)))
            elif x < 0.75:
                body.append(term + " ")  # looks like the terminator, is not
            elif x < 0.8:
                body.append(" " + term)
            elif x < 0.85:
                body.append("")
            elif x < 0.9:
                body.append(term + "\r")
            elif x < 0.95:
                body.append("echo " + self.esc)
            else:
                body.append("# not a comment in a heredoc")
        x = self.r.random()
        if x < 0.8:
            body.append(("\t" * self.r.randint(1, 3) if chomp and self.chance(0.5) else "") + term)
        elif x < 0.86:
            body.append("\t" + term)  # tab-indented terminator
        elif x < 0.9:
            body.append(term + self.pick([" ", "\t", "\r"]))
        elif x < 0.93:
            body.append(term.lower() if term != term.lower() else term.upper())
        # else: unterminated
        return body

    # -- arguments per instruction -------------------------------------------
    def args_for(self, kw: str, depth: int = 0):
        """Returns (tokens, heredoc lines) for the instruction."""
        r = self.r
        toks: list[str] = []
        here: list[str] = []
        kwu = kw.upper()
        flagnames = {
            "RUN": ["mount", "network", "security"],
            "COPY": ["from", "chown", "chmod", "link", "parents", "exclude"],
            "ADD": ["chown", "chmod", "link", "checksum", "keep-git-dir", "exclude"],
            "FROM": ["platform"],
            "HEALTHCHECK": ["interval", "timeout", "start-period", "start-interval", "retries"],
        }.get(kwu, ["foo", "from"])
        nflags = 0
        if self.chance(0.5 if kwu in ("RUN", "COPY", "ADD", "HEALTHCHECK") else 0.06):
            nflags = r.randint(1, 4)
        toks += [self.flag(flagnames) for _ in range(nflags)]
        if kwu in ("RUN", "COPY", "ADD") and self.chance(0.3):
            for _ in range(r.choice([1, 1, 2, 3])):
                marker, term, chomp = self.heredoc_marker()
                toks.append(marker)
                if self.chance(0.5):
                    toks += self.words(0, 2)
                here += self.heredoc_body(term, chomp)
            if kwu != "RUN" and self.chance(0.8):
                toks.append(self.pick(["/dest/", "/app/x.sh", "."]))
            return toks, here
        if kwu in ("CMD", "ENTRYPOINT", "RUN", "SHELL", "VOLUME", "ADD", "COPY") and self.chance(0.45):
            toks.append(self.json_array())
            return toks, here
        if kwu in ("ENV", "LABEL"):
            if self.chance(0.6):
                for _ in range(r.randint(1, 4)):
                    k = self.pick(["A", "PATH", "com.example.key", '"quoted key"', "K_2", "", "é"])
                    v = self.pick(["1", "/usr/bin:$PATH", '"two words"', "'single q'", "a\\ b", '""', "",
                                   '"esc \\" q"', "x=y", "$A", '"unterminated', "a\\=b", "日本"])
                    toks.append(f"{k}={v}")
                if self.chance(0.1):
                    toks.append(self.word())
            elif self.chance(0.85):
                toks.append(self.pick(["A", "PATH", "MSG"]))
                toks += self.words(0, 4)
            return toks, here
        if kwu == "ARG":
            for _ in range(r.choice([0, 1, 1, 1, 2, 3])):
                toks.append(self.pick(["A", "B=1", 'C="x y"', "D=", "=x", "E='q'", "F=a\\ b", "G=${X}", "H=="]))
            return toks, here
        if kwu == "FROM":
            toks.append(self.pick(["alpine", "golang:1.22 ", "scratch", "$BASE", "img@sha256:0", "build"]))
            if self.chance(0.4):
                toks += [self.pick(["AS", "as", "As", "AS"]), self.pick(["build", "final", "Stage-1", ""])]
            if self.chance(0.1):
                toks += self.words(1, 2)
            return toks, here
        if kwu == "HEALTHCHECK":
            x = r.random()
            if x < 0.5:
                toks.append(self.case("CMD"))
                if self.chance(0.5):
                    toks.append(self.json_array())
                elif self.chance(0.9):
                    toks += self.words(1, 4)
            elif x < 0.7:
                toks.append(self.case("NONE"))
                if self.chance(0.2):
                    toks += self.words(1, 2)
            elif x < 0.85:
                pass
            else:
                toks += self.words(1, 3)
            return toks, here
        if kwu == "ONBUILD" and depth < 2:
            if self.chance(0.9):
                sub = self.pick(KNOWN + ["RUN", "RUN", "COPY"] + UNKNOWN[:2])
                stoks, shere = self.args_for(sub, depth + 1)
                return toks + [self.case(sub)] + stoks, shere
            return toks, here
        if kwu == "MAINTAINER":
            toks += self.pick([["Jane", "Doe", "<jane@example.com>"], ["me"], []])
            return toks, here
        if kwu in ("SHELL",) and self.chance(0.7):
            toks.append(self.json_array())
            return toks, here
        toks += self.words(0 if self.chance(0.1) else 1, 6)
        return toks, here

    # -- physical layout -------------------------------------------------------
    def emit_logical(self, toks: list[str]):
        """Appends a logical line split over physical lines with continuations."""
        esc = self.esc
        cur = self.pick(["", "", "", "", " ", "  ", "\t"]) + toks[0]
        for t in toks[1:]:
            if self.chance(0.15):
                # continuation: escape, optional trailing whitespace, newline
                tail = self.pick(["", "", "", " ", "\t", "  ", " \t"])
                cont = esc
                if self.chance(0.05):
                    cont = esc + esc  # double escape: not a continuation
                elif self.chance(0.04):
                    cont = "\\" if esc == "`" else "`"  # the other escape
                self.lines.append(cur + self.pick(["", " "]) + cont + tail)
                while self.chance(0.2):
                    self.lines.append(self.pick(["# comment in continuation", "   # indented comment", "",
                                                 "   ", "\t", "#", "#" + esc, "# escape=`"]))
                cur = self.pick(["", "  ", "    ", "\t"]) + t
            else:
                cur += self.sep() + t
        if self.chance(0.03):
            cur += self.pick([" ", "\t", "  "])
        if self.chance(0.03):
            cur += esc  # continues into whatever comes next
        self.lines.append(cur)

    def instruction(self):
        r = self.r
        x = r.random()
        if x < 0.9:
            kw = self.pick(KNOWN)
        else:
            kw = self.pick(UNKNOWN)
        name = self.case(kw)
        toks, here = self.args_for(kw)
        if self.chance(0.02):
            name += self.pick(ODD_WS)
        self.emit_logical([name] + toks)
        self.lines.extend(here)

    def directives(self):
        r = self.r
        good = ["# syntax=docker/dockerfile:1", "#syntax=docker/dockerfile:1.6", "# escape=`", "# escape=\\",
                "#escape=`", "# escape = `", "#  ESCAPE=`  ", "# check=skip=all", "# check=error=true",
                "# foo=bar", "# just a comment", "", "  ", "# syntax = x", "# Escape=\t`", "# escape =`",
                "#\tescape=`", "# syntax=", "#", "# es cape=`", "\t# escape=`", "# escape=`\r"]
        bad = ["# escape=x", "# escape=", "# escape=``", "#escape=\\\\", "# escape=` x", "# escape=\u00a0`"]
        n = r.choice([0, 0, 0, 1, 1, 1, 1, 2, 2, 3])
        for _ in range(n):
            self.lines.append(self.pick(bad) if self.chance(0.08) else self.pick(good))
        # which escape does BuildKit most likely use? a best guess for continuations
        for line in self.lines:
            s = line.strip().lower().replace(" ", "").replace("\t", "")
            if s.startswith("#escape=`"):
                self.esc = "`"
                break
            if s.startswith("#escape=\\"):
                break
        if self.chance(0.05):
            self.esc = "`" if self.esc == "\\" else "\\"  # deliberately wrong guess

    def long_line(self):
        """A line whose byte length sits right at bufio.Scanner's 64 KiB limit."""
        r = self.r
        eol_len = r.choice([1, 2])  # approximate; the EOL is chosen later
        target = 65536 + r.randint(-4, 3) - eol_len
        kind = r.random()
        if kind < 0.6:
            prefix = self.case("RUN") + " echo "
        elif kind < 0.8:
            prefix = "# "
        else:
            prefix = self.case("LABEL") + " k="
        fill = self.pick(["x", "é", "日", "a b "])
        body = prefix
        while len(body.encode()) < target - 8:
            body += fill * 512
        body = body.encode()[: target].decode("utf-8", errors="ignore")
        while len(body.encode()) < target:
            body += "y"
        return body

    def build(self) -> bytes:
        r = self.r
        self.directives()
        if self.chance(0.7):
            self.lines.append(self.case("FROM") + " " + self.pick(["alpine", "debian:bookworm", "scratch"]))
        n = r.choice([0, 1, 2, 3, 4, 5, 6, 8, 12])
        long_at = r.randint(0, n) if self.chance(0.02) else -1
        for i in range(n):
            if i == long_at:
                self.lines.append(self.long_line())
            y = r.random()
            if y < 0.08:
                self.lines.append(self.pick(["", "", "  ", "\t"]))
            elif y < 0.14:
                self.lines.append(self.pick(["# comment", "  # indented", "#", "#" + self.esc, "# escape=`"]))
            self.instruction()
        # sprinkle odd characters
        if self.chance(0.08):
            for _ in range(r.randint(1, 3)):
                i = r.randrange(len(self.lines)) if self.lines else 0
                if self.lines:
                    ln = self.lines[i]
                    p = r.randint(0, len(ln))
                    self.lines[i] = ln[:p] + self.pick(ODD_WS + ["\r", "\\", "`", "\"", "#", "<<"]) + ln[p:]
        # line endings
        x = r.random()
        if x < 0.7:
            eols = ["\n"]
        elif x < 0.88:
            eols = ["\r\n"]
        elif x < 0.96:
            eols = ["\n", "\r\n"]
        else:
            eols = ["\n", "\r"]
        out = []
        for i, ln in enumerate(self.lines):
            out.append(ln)
            if i < len(self.lines) - 1 or not self.chance(0.2):
                out.append(self.pick(eols))
        text = "".join(out)
        if self.chance(0.04):
            text += self.pick(["\n\n", "  \n", "\\\n", "# end\n"])
        if self.chance(0.05):
            text = "\ufeff" + text
        data = text.encode("utf-8", errors="surrogatepass")
        if self.chance(0.02) and data:
            p = r.randrange(len(data))
            data = data[:p] + self.pick([b"\xff", b"\xc3", b"\xe6\x97", b"\xed\xa0\x80", b"\xf0\x9f\x90"]) + data[p:]
        return data


def generate(seed, i: int) -> bytes:
    return Gen(random.Random(f"{seed}:{i}")).build()


# --------------------------------------------------------------------------
# Mutations of real files
# --------------------------------------------------------------------------

MUT_SNIPPETS = [b"\\", b"`", b"\"", b"'", b"[", b"]", b"=", b" ", b"\t", b"\r", b"\n", b"\r\n", b"<<EOF",
                b"<<-EOF", b"#", b"# escape=`\n", b"--", b"--from=x ", b"\xc2\xa0", b"\x0b", b"\x0c", b"\\\n",
                b"\\ \n", b"`\n", b"\xef\xbb\xbf", b"EOF\n", b"ONBUILD ", b"HEALTHCHECK ", b"{", b"}", b"$"]


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.Dockerfile") if p.is_file())


def mutate(seed, i: int, files: list[Path]) -> bytes:
    r = random.Random(f"mut:{seed}:{i}")
    data = files[r.randrange(len(files))].read_bytes()
    for _ in range(r.choice([1, 1, 2, 3, 5])):
        lines = data.split(b"\n")
        op = r.random()
        if op < 0.15 and len(lines) > 1:
            del lines[r.randrange(len(lines))]
            data = b"\n".join(lines)
        elif op < 0.25:
            j = r.randrange(len(lines))
            lines.insert(j, lines[r.randrange(len(lines))])
            data = b"\n".join(lines)
        elif op < 0.32 and len(lines) > 1:
            a, b = r.randrange(len(lines)), r.randrange(len(lines))
            lines[a], lines[b] = lines[b], lines[a]
            data = b"\n".join(lines)
        elif op < 0.55:
            p = r.randint(0, len(data))
            data = data[:p] + r.choice(MUT_SNIPPETS) + data[p:]
        elif op < 0.7 and data:
            p = r.randrange(len(data))
            data = data[:p] + data[p + r.randint(1, 8):]
        elif op < 0.78:
            data = data.replace(b"\n", b"\r\n") if r.random() < 0.7 else data.replace(b"\n", b"\r")
        elif op < 0.86 and data:
            p = r.randrange(len(data))
            q = min(len(data), p + r.randint(1, 20))
            seg = data[p:q]
            data = data[:p] + (seg.upper() if r.random() < 0.5 else seg.lower()) + data[q:]
        elif op < 0.93:
            data = data.rstrip(b"\n") if r.random() < 0.5 else data + b"\\"
        else:
            p = r.randint(0, len(data))
            data = data[:p] + bytes([r.randrange(1, 256)]) + data[p:]
    return data.replace(b"\x00", b"")


# --------------------------------------------------------------------------
# Running ours and comparing
# --------------------------------------------------------------------------

def run_ours(binary: str, path: str, timeout: float = 20.0):
    """Returns (exit code, parsed stdout or None, raw stdout, stderr)."""
    try:
        p = subprocess.run([binary, "parse", "--format", "json", path], capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return -999, None, b"", b"timeout"
    out = None
    try:
        out = json.loads(p.stdout.decode("utf-8", errors="replace")) if p.stdout.strip() else None
    except json.JSONDecodeError:
        out = None
    return p.returncode, out, p.stdout, p.stderr


def first_diff(a, b, path="$"):
    """Path and both values of the first difference between JSON values a and b, or None."""
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))
                                       and not isinstance(a, bool) and not isinstance(b, bool)):
        return path, a, b
    if isinstance(a, dict):
        for k in list(a.keys()) + [k for k in b.keys() if k not in a]:
            if k not in a or k not in b:
                return f"{path}.{k}", a.get(k, "<missing>"), b.get(k, "<missing>")
            d = first_diff(a[k], b[k], f"{path}.{k}")
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, f"{path}[{i}]")
            if d:
                return d
        if len(a) != len(b):
            return f"{path}.length", len(a), len(b)
        return None
    return None if a == b else (path, a, b)


def compare(status, expected, rc, ours, strict_messages=True):
    """None when they agree, otherwise a short description (its first word is the category)."""
    if rc == -999:
        return "timeout: ours did not finish"
    if rc == 101 or rc < 0:
        return f"crash: ours exited {rc} (panic or signal); oracle {'parsed' if status == 'ok' else 'rejected'}"
    if status == "ok":
        if rc != 0:
            return f"rejected: oracle parsed, ours exited {rc}"
        if not isinstance(ours, list):
            return "output: ours printed no JSON array"
        d = first_diff(expected, ours)
        if d:
            p, x, y = d
            field = p.split(".")[-1].split("[")[0] if "." in p else p
            return f"field:{field} at {p}: oracle={x!r} ours={y!r}"
        return None
    # oracle error
    if rc == 0:
        return f"accepted: oracle rejected ({expected['error']!r}), ours exited 0"
    if rc != 2:
        return f"exitcode: oracle rejected, ours exited {rc} (want 2)"
    if strict_messages and isinstance(ours, dict) and "error" in ours and ours["error"] != expected["error"]:
        return f"message: oracle={expected['error']!r} ours={ours['error']!r}"
    return None


def category(desc: str) -> str:
    return desc.split(" ", 1)[0]


class Runner:
    def __init__(self, binary: str, tmp: Path, strict_messages: bool):
        self.binary = binary
        self.tmp = tmp
        self.strict = strict_messages
        self.n = 0

    def check(self, data: bytes):
        """(oracle status, oracle result, rc, ours, stderr, mismatch description or None)."""
        status, expected = oracle_bytes(data)
        if status == "unsupported":
            return status, expected, None, None, b"", None
        self.n += 1
        path = self.tmp / f"m{os.getpid()}_{self.n}.Dockerfile"
        path.write_bytes(data)
        rc, ours, _, err = run_ours(self.binary, str(path))
        path.unlink()
        return status, expected, rc, ours, err, compare(status, expected, rc, ours, self.strict)

    def minimize(self, data: bytes, want: str, budget: int) -> bytes:
        """Greedy shrinking: drop line chunks, then single lines, then byte chunks,
        keeping the same mismatch category."""
        def still(d: bytes) -> bool:
            nonlocal budget
            if budget <= 0:
                return False
            budget -= 1
            st, _, _, _, _, desc = self.check(d)
            return st != "unsupported" and desc is not None and category(desc) == category(want) and \
                (not want.startswith("field:") or desc.split(" ", 1)[0] == want.split(" ", 1)[0])

        best = data
        # lines (keeping their terminators)
        chunk = max(1, len(best.splitlines(keepends=True)) // 2)
        while chunk >= 1 and budget > 0:
            lines = best.splitlines(keepends=True)
            i, changed = 0, False
            while i < len(lines) and budget > 0:
                cand = b"".join(lines[:i] + lines[i + chunk:])
                if cand != best and still(cand):
                    best, lines, changed = cand, lines[:i] + lines[i + chunk:], True
                else:
                    i += chunk
            if not changed:
                chunk //= 2
        # bytes
        chunk = max(1, len(best) // 4)
        while chunk >= 1 and budget > 0:
            i, changed = 0, False
            while i < len(best) and budget > 0:
                cand = best[:i] + best[i + chunk:]
                # keep UTF-8 sequences whole where possible
                try:
                    cand.decode("utf-8")
                    ok_utf8 = True
                except UnicodeDecodeError:
                    ok_utf8 = False
                if (ok_utf8 or not _is_utf8(best)) and still(cand):
                    best, changed = cand, True
                else:
                    i += chunk
            if not changed:
                chunk //= 2
        return best


def _is_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def short(x, limit=600) -> str:
    s = json.dumps(x, ensure_ascii=False)
    return s if len(s) <= limit else s[:limit] + f"... ({len(s)} chars)"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="Differential tester: msmigrate parse vs BuildKit's parser.")
    ap.add_argument("--seed", default="1", help="generator seed (any string; default 1)")
    ap.add_argument("--count", type=int, default=2000, help="number of cases (default 2000)")
    ap.add_argument("--start", type=int, default=0, help="first case index")
    ap.add_argument("--bin", default=str(REPO / "target/release/msmigrate"), help="our binary")
    ap.add_argument("--mutate", nargs="?", const=str(REPO / "testdata/corpus"), metavar="DIR",
                    help="mutate files from DIR (default testdata/corpus) instead of generating")
    ap.add_argument("--files", nargs="+", metavar="PATH",
                    help="use these files / every *.Dockerfile and */Dockerfile under these dirs")
    ap.add_argument("--max-failures", type=int, default=20, help="stop after this many mismatches (0: never)")
    ap.add_argument("--jobs", type=int, default=max(2, (os.cpu_count() or 2) * 2), help="parallel runs of our binary")
    ap.add_argument("--no-minimize", action="store_true", help="print failing inputs as they are")
    ap.add_argument("--minimize-budget", type=int, default=400, help="binary runs allowed per minimization")
    ap.add_argument("--ignore-messages", action="store_true", help="do not compare error messages")
    ap.add_argument("--ignore-category", action="append", default=[], metavar="CAT",
                    help="do not count mismatches of this category (crash, rejected, accepted, exitcode, "
                         "message, output, timeout, field:NAME); repeatable")
    ap.add_argument("--save-dir", default=None, help="write failing inputs (original and minimized) here")
    ap.add_argument("--case", type=int, help="only case N (with --seed); with --show prints it")
    ap.add_argument("--show", action="store_true", help="print the generated case(s) and the oracle's output")
    ap.add_argument("--dump", metavar="DIR", help="write the generated cases to DIR and stop")
    ap.add_argument("--oracle-only", action="store_true", help="only run the oracle; print statistics")
    args = ap.parse_args(argv)

    # ---- the cases -------------------------------------------------------
    if args.case is not None:
        args.start, args.count = args.case, 1
    if args.files:
        paths = []
        for f in args.files:
            p = Path(f)
            if p.is_dir():
                paths += sorted(q for q in p.rglob("*") if q.is_file() and (q.suffix == ".Dockerfile" or q.name == "Dockerfile"))
            else:
                paths.append(p)
        cases = [(str(p), p.read_bytes()) for p in paths]
    elif args.mutate:
        files = corpus_files(Path(args.mutate))
        if not files:
            print(f"difftest: no *.Dockerfile under {args.mutate}", file=sys.stderr)
            return 3
        cases = [(f"mutate seed={args.seed} case={i}", mutate(args.seed, i, files))
                 for i in range(args.start, args.start + args.count)]
    else:
        cases = [(f"seed={args.seed} case={i}", generate(args.seed, i))
                 for i in range(args.start, args.start + args.count)]

    if args.show:
        for name, data in cases:
            st, res = oracle_bytes(data)
            print(f"== {name}\n{data!r}\n-- oracle ({st}): {short(res, 4000)}")
        return 0
    if args.dump:
        d = Path(args.dump)
        d.mkdir(parents=True, exist_ok=True)
        for i, (name, data) in enumerate(cases):
            (d / f"case{args.start + i:06d}.Dockerfile").write_bytes(data)
        print(f"wrote {len(cases)} cases to {d}")
        return 0
    if args.oracle_only:
        t0 = time.perf_counter()
        stats: dict[str, int] = {}
        for _, data in cases:
            st, res = oracle_bytes(data)
            key = st if st != "error" else "error: " + re.sub(r"(['\"]).*\1", r"\1...\1", res["error"])[:70]
            stats[key] = stats.get(key, 0) + 1
        dt = time.perf_counter() - t0
        for k, v in sorted(stats.items(), key=lambda kv: -kv[1]):
            print(f"{v:7d}  {k}")
        print(f"{len(cases)} cases through the oracle in {dt:.2f}s")
        return 0

    binary = args.bin
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        print(f"difftest: our binary {binary!r} is missing; build it (cargo build --release) or pass --bin", file=sys.stderr)
        return 3

    # stored expectations of given files must still match the oracle
    stale = []
    if args.files:
        for name, data in cases:
            p = Path(name)
            exp = p.with_name("expected.json") if p.name == "Dockerfile" else Path(name + ".expected.json")
            if exp.exists():
                st, res = oracle_bytes(data)
                if st != "unsupported" and json.loads(exp.read_text(encoding="utf-8")) != res:
                    stale.append(str(exp))
        for s in stale:
            print(f"STALE expected file (differs from the oracle): {s}")

    tmp = Path(tempfile.mkdtemp(prefix="difftest-"))
    save = Path(args.save_dir) if args.save_dir else None
    if save:
        save.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    failures = []
    n_ok = n_err = n_unsup = n_ignored = 0
    runner = Runner(binary, tmp, not args.ignore_messages)
    try:
        # oracle first, in-process; then our binary over all files in parallel
        prepared = []
        for idx, (name, data) in enumerate(cases):
            st, res = oracle_bytes(data)
            if st == "unsupported":
                n_unsup += 1
                continue
            n_ok += st == "ok"
            n_err += st == "error"
            path = tmp / f"c{idx:07d}.Dockerfile"
            path.write_bytes(data)
            prepared.append((name, data, st, res, str(path)))

        def job(item):
            name, data, st, res, path = item
            rc, ours, raw, err = run_ours(binary, path)
            return item, rc, ours, raw, err

        stop = False
        with cf.ThreadPoolExecutor(max_workers=args.jobs) as ex:
            for item, rc, ours, raw, err in ex.map(job, prepared):
                if stop:
                    continue
                name, data, st, res, path = item
                desc = compare(st, res, rc, ours, not args.ignore_messages)
                if desc is None:
                    continue
                if category(desc).rstrip(":") in args.ignore_category or category(desc) in args.ignore_category:
                    n_ignored += 1
                    continue
                failures.append((name, data, st, res, rc, ours, raw, err, desc))
                if args.max_failures and len(failures) >= args.max_failures:
                    stop = True
        elapsed = time.perf_counter() - t0

        # report (minimizing each failure)
        cats: dict[str, int] = {}
        for k, (name, data, st, res, rc, ours, raw, err, desc) in enumerate(failures, 1):
            cats[category(desc)] = cats.get(category(desc), 0) + 1
            small = data
            if not args.no_minimize:
                small = runner.minimize(data, desc, args.minimize_budget)
            st2, res2, rc2, ours2, err2, desc2 = runner.check(small)
            if desc2 is None:  # should not happen; fall back to the original
                small, st2, res2, rc2, ours2, err2, desc2 = data, st, res, rc, ours, err, desc
            print(f"\n=== MISMATCH {k}: {name}")
            print(f"    {desc2}")
            print(f"    input ({len(data)} bytes{', minimized to %d' % len(small) if small != data else ''}):")
            print(f"    {small!r}")
            print(f"    oracle ({st2}): {short(res2)}")
            ours_txt = short(ours2) if ours2 is not None else "<no JSON on stdout>"
            print(f"    ours (exit {rc2}): {ours_txt}")
            if err2 and err2.strip():
                print(f"    ours stderr: {err2.decode('utf-8', 'replace').strip()[:400]!r}")
            if save:
                (save / f"fail{k:04d}.Dockerfile").write_bytes(data)
                (save / f"fail{k:04d}.min.Dockerfile").write_bytes(small)
        total = n_ok + n_err
        print(f"\ndifftest: {total} cases ({n_ok} parsed by the oracle, {n_err} rejected, {n_unsup} skipped as "
              f"unsupported by the oracle) in {elapsed:.1f}s: {len(failures)} mismatches"
              + (" (stopped early)" if args.max_failures and len(failures) >= args.max_failures else ""))
        if cats:
            print("by category: " + ", ".join(f"{k} {v}" for k, v in sorted(cats.items())))
        if n_ignored:
            print(f"{n_ignored} further mismatches in ignored categories: {', '.join(args.ignore_category)}")
        if stale:
            print(f"{len(stale)} stale expected files")
        print(f"difftest: {total - len(failures)} passed, {len(failures)} failed")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if failures or stale else 0


if __name__ == "__main__":
    sys.exit(main())
