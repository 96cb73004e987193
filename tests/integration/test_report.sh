#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# bpfcost report and bpfcost budget, on the sample results in tests/data:
# sections, verdicts, charts (parsed and rendered), bad input, and a
# fuzz-style run of truncated and mutated JSON under AddressSanitizer.
source tests/lib.sh
D=tests/data
SECTIONS=("Summary" "Environment" "Method" "Per-probe results" "Scaling" "Applications"
  "Your tools" "Optimisation lab" "Decision matrix" "Hosts side by side" "Kernels side by side"
  "Budget validation"
  "Verdict" "Recommendations")

# ---- budget ----
out=$($BPFCOST budget --rate 50k --ns 500 --cpus 8 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q '= 0.31%' <<<"$out" && grep -q 'Falls within: Latency-sensitive' <<<"$out"; then
  ok budget_guide_example; else nok budget_guide_example "rc=$rc: $out"; fi
$BPFCOST budget --rate 50k --ns 500 --cpus 8 --json > "$TMP/b.json" 2>&1
v=$(jpy "$TMP/b.json" '(d["schema"], round(d["overhead_pct"],2), [t["fits"] for t in d["service_types"]], d["directive_cpu"]["level"])' 2>&1)
if [ "$v" = "('bpfcost.budget/1', 0.31, [True, True, True, True], 'GREEN')" ]; then ok budget_json
else nok budget_json "$v"; fi
v=$($BPFCOST budget --rate 100k --ns 1800 --cpus 2 --json | jpy /dev/stdin '([t["fits"] for t in d["service_types"]], d["directive_cpu"]["level"])' 2>&1)
if [ "$v" = "([False, False, False, True], 'RED')" ]; then ok budget_thresholds; else nok budget_thresholds "$v"; fi
err=$($BPFCOST budget --rate fast --ns 500 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ]; then ok budget_bad_rate; else nok budget_bad_rate "rc=$rc: $err"; fi
err=$($BPFCOST budget --ns 500 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ]; then ok budget_missing_rate; else nok budget_missing_rate "rc=$rc: $err"; fi

# ---- report: every section, Markdown and HTML ----
mkdir -p "$TMP/all"
$BPFCOST report $D/*.json -o "$TMP/all/report.md" > "$TMP/all.out" 2>&1; rc=$?
$BPFCOST report $D/*.json -o "$TMP/all/report.html" >> "$TMP/all.out" 2>&1; rc2=$?
if [ $rc -eq 0 ] && [ $rc2 -eq 0 ]; then ok report_runs; else nok report_runs "rc=$rc/$rc2: $(head -3 "$TMP/all.out")"; fi
missing=""
for s in "${SECTIONS[@]}"; do
  grep -q "^## $s\$" "$TMP/all/report.md" || missing="$missing md:'$s'"
  grep -q "<h2>$s</h2>" "$TMP/all/report.html" || missing="$missing html:'$s'"
done
if [ -z "$missing" ]; then ok report_every_section; else nok report_every_section "missing$missing"; fi
# the same sections when a file kind is absent (one line says what to run)
$BPFCOST report $D/bench-red.json --no-charts > "$TMP/red-only.md" 2>&1
missing=""
for s in "${SECTIONS[@]}"; do grep -q "^## $s\$" "$TMP/red-only.md" || missing="$missing '$s'"; done
if [ -z "$missing" ] && grep -q 'No sweep results' "$TMP/red-only.md"; then ok report_sections_without_data
else nok report_sections_without_data "missing$missing"; fi

# ---- verdicts ----
verdict() { # FILE HOST -> GREEN/YELLOW/RED from the summary line
  sed -n "s/^\*\*Verdict for $2 ([^)]*): \([A-Z]*\) .*/\1/p" "$1" | head -1
}
$BPFCOST report $D/bench-green.json $D/sweep-green.json --no-charts > "$TMP/g.md" 2>&1
$BPFCOST report $D/bench-yellow.json --no-charts > "$TMP/y.md" 2>&1
$BPFCOST report $D/bench-red.json --no-charts > "$TMP/r.md" 2>&1
for x in "g lab-a GREEN" "y lab-b YELLOW" "r lab-c RED"; do
  set -- $x
  got=$(verdict "$TMP/$1.md" "$2")
  if [ "$got" = "$3" ]; then ok "report_verdict_$3"; else nok "report_verdict_$3" "got '$got'"; fi
done
# each verdict names the numbers that decided it
if grep -q '^\*\*Verdict for lab-a .*GREEN - munmap tp/ringbuf: p99 added 290 ns < 1000 ns; CPU at 10K/s 0.061% < 1%; loss at 10K/s 0.000% < 0.01%' "$TMP/g.md" &&
   grep -q 'p99 added 1390 ns <= 2000 ns' "$TMP/y.md" && grep -q 'p99 added 2650 ns > 2000 ns' "$TMP/r.md"; then
  ok report_verdict_numbers; else nok report_verdict_numbers "verdict lines lack their numbers"; fi
# the combined report keeps each host's verdict
got="$(verdict "$TMP/all/report.md" lab-a) $(verdict "$TMP/all/report.md" lab-b) $(verdict "$TMP/all/report.md" lab-c)"
if [ "$got" = "GREEN YELLOW RED" ]; then ok report_verdict_per_host; else nok report_verdict_per_host "$got"; fi
# --budget moves the bounds
$BPFCOST report $D/bench-green.json $D/sweep-green.json --no-charts --budget p99=100,p99y=150 > "$TMP/gb.md" 2>&1
got=$(verdict "$TMP/gb.md" lab-a)
if [ "$got" = "RED" ] && grep -q 'p99 added 290 ns > 150 ns' "$TMP/gb.md"; then ok report_budget_spec
else nok report_budget_spec "got '$got'"; fi
err=$($BPFCOST report $D/bench-green.json --budget p99=fast 2>&1 >/dev/null); rc=$?
if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ]; then ok report_bad_budget; else nok report_bad_budget "rc=$rc: $err"; fi

# ---- content: knee, side by side, emulated, apps ----
check report_knee grep -q 'munmap tp/perfbuf: knee at 100K/s \[90K, 110K\] by loss' "$TMP/all/report.md"
if sed -n '/^## Hosts side by side/,/^## /p' "$TMP/all/report.md" | grep -q '^| Configuration | lab-a (6.18.44-cloud-amd64) mean +ns | tcg-guest .* | lab-b (5.15.0-91-generic) mean +ns |' &&
   sed -n '/^## Hosts side by side/,/^## /p' "$TMP/all/report.md" | grep -q '^| getpid tp/ringbuf | 166.7 (p99 +240) | .* | 659.7 (p99 +1480), +493.0 ns (+296%) |'; then
  ok report_side_by_side; else nok report_side_by_side "hosts not in columns with differences"; fi
if grep -q 'tcg-guest .*EMULATED' "$TMP/all/report.md" && grep -q 'Verdict for tcg-guest .*: NONE - the CPU is emulated, timings are not representative' "$TMP/all/report.md"; then
  ok report_emulated_labelled; else nok report_emulated_labelled "emulated host not labelled"; fi
check report_app_never_fired grep -q 'python-gc .*probe never fired' "$TMP/all/report.md"
check report_app_prediction_disagrees grep -q 'rawtp/hash .*| -2.10 \[-2.4, -1.8\] |.*measured and predicted change disagree: an event cost the application 220 ns, bench 60 ns' "$TMP/all/report.md"
check report_matrix_loss_100k grep -q '^| munmap tp/perfbuf | +199 | +350 | 0.26% | 0.076% |' "$TMP/all/report.md"

# ---- kernels side by side: make vmtest's guests (5.10; 6.12 booted with
# lockdown=confidentiality), check and bench files ----
$BPFCOST report $D/check-vm510.json $D/bench-vm510.json $D/check-vm612.json $D/bench-vm612.json \
  --no-charts > "$TMP/k.md" 2>&1
sed -n '/^## Kernels side by side/,/^## /p' "$TMP/k.md" > "$TMP/k-sec.md"
# one column per kernel (the guests share a hostname), both emulated
check report_kernels_columns grep -q '^| Hook, map or stat | 5.10.0-46-amd64 \* | 6.12.117+deb12-amd64 \* |$' "$TMP/k-sec.md"
if grep -q '^| tp | yes | no (1) |$' "$TMP/k-sec.md" && grep -q '^| kprobe | yes | no (2) |$' "$TMP/k-sec.md" &&
   grep -q '^- (1) kernel lockdown (confidentiality) leaves tracefs empty' "$TMP/k-sec.md" &&
   grep -q '^- (2) kernel lockdown (confidentiality) forbids kprobes$' "$TMP/k-sec.md" &&
   grep -q '^| fentry | yes | yes |$' "$TMP/k-sec.md" && grep -q '^| BPF_ENABLE_STATS | yes | yes |$' "$TMP/k-sec.md"; then
  ok report_kernels_can_do; else nok report_kernels_can_do "$(grep -E '^\| (kprobe|tp|fentry) |^- \(' "$TMP/k-sec.md" | tr '\n' '|')"; fi
# each kernel's rows relative to its own baseline and its own rawtp/empty
if grep -q '^| getpid rawtp/empty | +[0-9]*% +-[0-9]*, 1.00x | +[0-9]*% +-[0-9]*, 1.00x |$' "$TMP/k-sec.md" &&
   grep -q '^| getpid uretprobe/empty | +[0-9]*% +-[0-9]*, [0-9.]*x | +[0-9]*% +-[0-9]*, [0-9.]*x |$' "$TMP/k-sec.md" &&
   grep -q '^| getpid kprobe/empty | +[0-9]*% +-[0-9]*, [0-9.]*x | unsupported (1) |$' "$TMP/k-sec.md" &&
   grep -q '^- 6.12.117+deb12-amd64 \*: uretprobe/empty costs [0-9.]*x uprobe/empty (.*, emulated)\.$' "$TMP/k-sec.md"; then
  ok report_kernels_ratios; else nok report_kernels_ratios "$(grep -E 'rawtp/empty|uretprobe/empty' "$TMP/k-sec.md" | tr '\n' '|')"; fi
# emulated guests never get a verdict
if grep -q '^\*\*Verdict for vmtest (5.10.0-46-amd64): NONE - the CPU is emulated' "$TMP/k.md" &&
   grep -q '^\*\*Verdict for vmtest (6.12.117+deb12-amd64): NONE - the CPU is emulated' "$TMP/k.md"; then
  ok report_kernels_no_verdict; else nok report_kernels_no_verdict "$(grep -m2 'Verdict for vmtest' "$TMP/k.md")"; fi

# ---- charts: files, XML, PNG, embedded in HTML ----
svgs=$(ls "$TMP/all"/report-*.svg 2>/dev/null)
n=$(wc -w <<<"$svgs")
if [ "$n" -ge 5 ]; then ok "report_charts_written ($n)"; else nok report_charts_written "$n SVG files"; fi
bad=""
for f in $svgs; do python3 -c 'import sys,xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); assert r.tag.endswith("svg")' "$f" 2>/dev/null || bad="$bad $(basename "$f")"; done
if [ -z "$bad" ]; then ok report_svg_parse; else nok report_svg_parse "$bad"; fi
if command -v rsvg-convert >/dev/null; then
  bad=""
  for f in $svgs; do
    rsvg-convert "$f" -o "${f%.svg}.png" 2>"$TMP/rsvg.err" && [ -s "${f%.svg}.png" ] &&
      python3 -c 'import sys; sys.exit(open(sys.argv[1],"rb").read(8)!=b"\x89PNG\r\n\x1a\n")' "${f%.svg}.png" || bad="$bad $(basename "$f")"
  done
  if [ -z "$bad" ]; then ok report_svg_render_png; else nok report_svg_render_png "$bad: $(head -1 "$TMP/rsvg.err")"; fi
else
  skip report_svg_render_png "rsvg-convert not installed (Debian librsvg2-bin)"
fi
imgs=$(grep -o '<img src="[^"]*"' "$TMP/all/report.html" | sed 's/<img src="//;s/"$//')
bad=""
for i in $imgs; do [ -s "$TMP/all/$i" ] || bad="$bad $i"; done
if [ -n "$imgs" ] && [ -z "$bad" ] && [ "$(wc -w <<<"$imgs")" -eq "$n" ]; then ok report_html_embeds_charts
else nok report_html_embeds_charts "imgs: $imgs missing:$bad"; fi
if grep -q '](report-scaling-h1.svg)' "$TMP/all/report.md"; then ok report_md_links_charts; else nok report_md_links_charts "no chart link"; fi
python3 - "$TMP/all/report.html" <<'EOF' && ok report_html_well_formed || nok report_html_well_formed "unbalanced tags"
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    void = {"meta", "img", "br", "hr", "link"}
    def __init__(s): super().__init__(); s.stack = []; s.bad = 0
    def handle_starttag(s, t, a):
        if t not in s.void: s.stack.append(t)
    def handle_endtag(s, t):
        if not s.stack or s.stack.pop() != t: s.bad += 1
p = P(); p.feed(open(sys.argv[1]).read())
sys.exit(1 if p.bad or p.stack else 0)
EOF

# ---- gnuplot missing: the report still renders and says so in one line ----
mkdir -p "$TMP/nogp"
BPFCOST_GNUPLOT=/nonexistent/gnuplot $BPFCOST report $D/bench-green.json -o "$TMP/nogp/r.html" > /dev/null 2> "$TMP/nogp.err"; rc=$?
if [ $rc -eq 0 ] && [ -s "$TMP/nogp/r.html" ] && ! ls "$TMP/nogp"/*.svg >/dev/null 2>&1 &&
   [ "$(grep -c 'gnuplot not found' "$TMP/nogp/r.html")" -eq 1 ] && [ "$(wc -l < "$TMP/nogp.err")" -eq 1 ]; then
  ok report_without_gnuplot; else nok report_without_gnuplot "rc=$rc: $(cat "$TMP/nogp.err")"; fi

# ---- bad input: non-zero, one line ----
one_line_fail() { # NAME WANT_RC FILE...
  local name=$1 want=$2 err rc; shift 2
  err=$($BPFCOST report --no-charts "$@" 2>&1 >/dev/null); rc=$?
  if [ $rc -eq "$want" ] && [ "$(wc -l <<<"$err")" -eq 1 ] && [ -n "$err" ]; then ok "$name"
  else nok "$name" "rc=$rc (want $want): $err"; fi
}
head -c 700 $D/bench-green.json > "$TMP/trunc.json"
printf '{"schema": "bpfcost.nope/9", "results": []}' > "$TMP/unknown.json"
printf '[1, 2, 3]' > "$TMP/array.json"
printf '{"schema": "bpfcost.bench/1", "results": 7}' > "$TMP/shape.json"
printf '{"results": []}' > "$TMP/noschema.json"
: > "$TMP/empty.json"
one_line_fail report_truncated_json 1 "$TMP/trunc.json"
one_line_fail report_unknown_schema 1 $D/bench-green.json "$TMP/unknown.json"
one_line_fail report_not_an_object 1 "$TMP/array.json"
one_line_fail report_bad_shape 1 "$TMP/shape.json"
one_line_fail report_no_schema 1 "$TMP/noschema.json"
one_line_fail report_empty_file 1 "$TMP/empty.json"
one_line_fail report_missing_file 1 "$TMP/does-not-exist.json"
one_line_fail report_no_files 2
check report_unknown_schema_named sh -c "$BPFCOST report $TMP/unknown.json 2>&1 | grep -q \"unknown schema 'bpfcost.nope/9'\""

# ---- input strings cannot reach gnuplot's shell ----
python3 - "$D/bench-green.json" "$TMP/inject.json" "$TMP/pwned" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d["results"]:
    r["hook"] = "tp`touch %s`'; system('touch %s')" % (sys.argv[3], sys.argv[3])
    r["body"] = "<script>alert(1)</script>|\"x"
d["env"]["hostname"] = "h\n`touch %s`" % sys.argv[3]
json.dump(d, open(sys.argv[2], "w"))
EOF
mkdir -p "$TMP/inj"
$BPFCOST report "$TMP/inject.json" -o "$TMP/inj/r.html" > /dev/null 2>&1; rc=$?
if [ $rc -eq 0 ] && [ ! -e "$TMP/pwned" ] && ! grep -q '<script>' "$TMP/inj/r.html"; then ok report_input_escaped
else nok report_input_escaped "rc=$rc, pwned=$([ -e "$TMP/pwned" ] && echo yes || echo no)"; fi

# ---- fuzz: truncated and mutated JSON under ASan/UBSan never crashes ----
ASAN_BIN=build/asan/bpfcost
if ! make -s asan > "$TMP/asan.log" 2>&1 || [ ! -x "$ASAN_BIN" ]; then
  skip report_fuzz_asan "make asan failed: $(tail -1 "$TMP/asan.log")"
else
  # LeakSanitizer needs ptrace; where it cannot run, check memory errors only
  leaks=1
  ASAN_OPTIONS=detect_leaks=1 $ASAN_BIN report --no-charts $D/bench-green.json 2>&1 >/dev/null |
    grep -q 'LeakSanitizer has encountered a fatal error' && leaks=0
  ASAN_OPTIONS=detect_leaks=$leaks:abort_on_error=0:exitcode=99 UBSAN_OPTIONS=halt_on_error=1:exitcode=98 \
  python3 - "$ASAN_BIN" "$D" "$TMP/fuzz" <<'EOF'
import json, os, random, subprocess, sys, glob
binp, data, work = sys.argv[1:4]
os.makedirs(work, exist_ok=True)
rnd = random.Random(5)
seeds = {os.path.basename(p): open(p, "rb").read() for p in sorted(glob.glob(data + "/*.json"))}
names = sorted(seeds)
cases = []
def add(kind, blob):
    cases.append((kind, blob))
for i in range(60):   # truncated at a random byte
    s = seeds[rnd.choice(names)]; add("truncate", s[: rnd.randrange(len(s))])
for i in range(60):   # random bytes replaced
    s = bytearray(seeds[rnd.choice(names)])
    for _ in range(rnd.randint(1, 8)):
        s[rnd.randrange(len(s))] = rnd.choice(b'{}[]":,0123456789-+.eEnulltrfa \x00\xff\\')
    add("flip", bytes(s))
for i in range(30):   # a random range deleted
    s = seeds[rnd.choice(names)]; a = rnd.randrange(len(s)); b = min(len(s), a + rnd.randint(1, 200))
    add("delete", s[:a] + s[b:])
weird = [None, True, False, 0, -1, -1e308, 1e308, 2**63, -2**63, 1.5, "", "x" * 5000, "%s%n%x",
         "\u00e9\u4e2d\U0001F600", [], {}, [None, None], [1], [1, 2, 3], {"a": 1}, "NaN",
         [[[[[[[[[[]]]]]]]]]]]
def paths(o, p=()):
    yield p
    if isinstance(o, dict):
        for k, v in o.items(): yield from paths(v, p + (k,))
    elif isinstance(o, list):
        for i, v in enumerate(o): yield from paths(v, p + (i,))
def setp(o, p, v):
    for k in p[:-1]: o = o[k]
    o[p[-1]] = v
for i in range(150):  # values replaced by values of other types
    n = rnd.choice(names); d = json.loads(seeds[n])
    for _ in range(rnd.randint(1, 6)):
        ps = [p for p in paths(d) if p]
        setp(d, rnd.choice(ps), rnd.choice(weird))
    add("retype", json.dumps(d).encode())
add("deep", b'{"schema":"bpfcost.bench/1","results":' + b"[" * 5000 + b"]" * 5000 + b"}")
add("deep-open", b"[" * 100000)
add("nan", b'{"schema":"bpfcost.sweep/1","env":{"cpus_online":NaN},"points":[{"target_rate":Infinity,"achieved_rate":-Infinity,"loss_pct":NaN,"hook":"tp","body":"ringbuf"}],"knee":{"rate":1e999}}')
add("empty", b"")
add("garbage", bytes(rnd.randrange(256) for _ in range(4096)))
big = json.loads(seeds["bench-green.json"])
big["results"] = [dict(big["results"][i % len(big["results"])], hook="h%d" % i, body="b%d" % (i % 40), workload="w%d" % (i % 7)) for i in range(3000)]
add("many-rows", json.dumps(big).encode())
big = json.loads(seeds["sweep-green.json"])
big["points"] = [dict(big["points"][i % len(big["points"])], hook="h%d" % (i % 50), target_rate=1000 * (i % 13 + 1)) for i in range(2000)]
big["knee"] = [{"hook": "h%d" % i, "rate": 1000 * i} for i in range(60)]
add("many-points", json.dumps(big).encode())

bad = []
for i, (kind, blob) in enumerate(cases):
    f = os.path.join(work, "c%03d.json" % i)
    open(f, "wb").write(blob)
    # most cases without charts (fast); every tenth with gnuplot, to an output dir
    if i % 10 == 0:
        args = [binp, "report", f, os.path.join(data, "bench-yellow.json"), "-o", os.path.join(work, "r%03d.html" % i)]
    else:
        args = [binp, "report", "--no-charts", f, os.path.join(data, "bench-yellow.json")]
    try:
        p = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
    except subprocess.TimeoutExpired:
        bad.append("%s %s: timeout" % (f, kind)); continue
    err = p.stderr.decode("utf-8", "replace")
    lines = [l for l in err.splitlines() if l.strip() and "warning:" not in l]
    if p.returncode not in (0, 1) or "Sanitizer" in err or "runtime error" in err or (p.returncode == 1 and len(lines) != 1):
        bad.append("%s %s: rc=%d %s" % (f, kind, p.returncode, (err.strip().splitlines() or [""])[0][:200]))
if bad:
    print("not ok report_fuzz_asan: %d of %d cases: %s" % (len(bad), len(cases), "; ".join(bad[:3])))
else:
    print("ok report_fuzz_asan (%d cases)" % len(cases))
EOF
fi
