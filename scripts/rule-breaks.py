#!/usr/bin/env python3
"""The hand-made breaks of docs/testing.md ("Rules broken by hand"): each is applied to src/ alone, the
named test file run, the file restored; prints CAUGHT or MISSED with the failing tests. Run from the
repository root: python3 scripts/rule-breaks.py [name filter...]. Not in CI (it edits src/ in place).
Each break: its name, the file, (old, new) replacements (each `old` must occur once; "ALL:" before
it replaces every occurrence), the test files to run. A break whose text is gone prints SKIP."""
import re, subprocess, sys
B = [
 ("keep-alive cap counts all connections", "src/pool/pool.ts",
  [("while (this.idle.size > this.limits.maxKeepAliveConnections) {", "while (this.connections.size > this.limits.maxKeepAliveConnections && this.idle.size > 0) {")],
  ["test/pool/assign.test.ts"]),
 ("safe retry without beforeResponse", "src/pool/pool.ts",
  [("if (f.reused && f.beforeResponse && f.dropped) {", "if (f.reused && f.dropped) {")], ["test/pool/assign.test.ts"]),
 ("safe retry without dropped", "src/pool/pool.ts",
  [("if (f.reused && f.beforeResponse && f.dropped) {", "if (f.reused && f.beforeResponse) {")], ["test/pool/assign.test.ts"]),
 ("retry ignores notBefore (idle and waiting)", "src/pool/pool.ts",
  [("const idle = this.takeIdle(this.entryFor(origin), job.retry?.notBefore);", "const idle = this.takeIdle(this.entryFor(origin));"),
   ("const notBefore = job.retry?.notBefore ?? -Infinity;", "const notBefore = -Infinity;")], ["test/pool/assign.test.ts"]),
 ("retry ignores notBefore (waiter choice)", "src/pool/origin-entry.ts",
  [("if (job.retry === undefined || conn.createdAt >= job.retry.notBefore) return job;", "return job;")], ["test/pool/assign.test.ts"]),
 ("body back-pressure removed", "src/net/connection.ts",
  [("  pause(): void {\n    this.socket.pause();", "  pause(): void {")], ["test/client/streaming.test.ts"]),
 ("redirect-loop detection removed", "src/client/client.ts",
  [("if (visited.has(`${next.method} ${next.url.href}`)) {", "if (false && visited.has(`${next.method} ${next.url.href}`)) {")], ["test/client/client.test.ts"]),
 ("pipelining switched off", "src/pool/pool.ts",
  [('this.pipelining = wholeNumber("pipelining", options.pipelining ?? 1, 1);', 'this.pipelining = 1; wholeNumber("pipelining", options.pipelining ?? 1, 1);')], ["test/pool/pipelining.test.ts"]),
 ("ReadError loses its cause", "src/net/connection.ts",
  [("new ReadError(`read failed: ${err.message}`, { cause: err })", "new ReadError(`read failed: ${err.message}`)")], ["test/reliability/catalogue.test.ts"]),
 ("FIN and close on an idle connection ignored", "src/net/connection.ts",
  [('    if (this.exchanges.length === 0) {\n      this.close("server closed");\n      return;\n    }', '    if (this.exchanges.length === 0) {\n      return;\n    }'),
   ('    if (this.state === "closed") return;\n    this.fail(new ReadError("connection closed unexpectedly")', '    if (this.state === "closed" || this.exchanges.length === 0) return;\n    this.fail(new ReadError("connection closed unexpectedly")')],
  ["test/lessons/lessons.test.ts"]),
 ("one busy origin blocks the others", "src/pool/pool.ts",
  [("ALL:const wantsSlot = entry.waiters.size > 0 && entry.connections.size < this.limits.maxConnectionsPerHost;", "const wantsSlot = entry.waiters.size > 0;")], ["test/pool/assign.test.ts"]),
 ("one FIFO for all origins (a waiter of A holds back B)", "src/pool/pool.ts",
  [("const conn = entry.waiters.size === 0 ? (this.open(entry, job)", "const conn = this.waiting === 0 ? (this.open(entry, job)")], ["test/pool/assign.test.ts"]),
]
only = sys.argv[1:]
for name, f, reps, tests in B:
    if only and not any(o in name for o in only): continue
    src = open(f).read()
    mut = src
    ok = True
    for old, new in reps:
        every = old.startswith("ALL:")
        if every: old = old[4:]
        if mut.count(old) == 0 or (not every and mut.count(old) != 1): print("SKIP", name, mut.count(old), old[:60]); ok = False; break
        mut = mut.replace(old, new)
    if not ok: continue
    open(f, "w").write(mut)
    try:
        r = subprocess.run(["npx", "vitest", "run", *tests], capture_output=True, text=True, timeout=900)
        out = re.sub(r"\x1b\[[0-9;]*m", "", r.stdout + r.stderr)
        failed = [l.strip() for l in out.splitlines() if l.strip().startswith("×") or l.strip().startswith("FAIL ")]
        print("CAUGHT " if r.returncode != 0 else "MISSED ", "|", name, "|", " ; ".join(failed[:6]), flush=True)
    finally:
        open(f, "w").write(src)
