# SPDX-License-Identifier: GPL-2.0
# The source tree's layers (README "Layout"): base < core < report, top <
# cmd < main. A file includes its own folder and lower ones only, and no
# two files include each other.
. tests/lib.sh

allowed() { # folder -> folders it may include
  case $1 in
    base) echo "base" ;;
    core) echo "base core bpf" ;;
    report) echo "base core report" ;;
    top) echo "base core top" ;;
    cmd) echo "base core report top cmd bpf" ;;
  esac
}
for d in base core report top cmd; do
  bad=""
  for f in src/$d/*.[ch]; do
    for inc in $(sed -n 's/^#include "\([a-z_]*\)\/.*/\1/p' "$f" | sort -u); do
      case " $(allowed $d) " in *" $inc "*) ;; *) bad="$bad $f:$inc" ;; esac
    done
  done
  if [ -z "$bad" ]; then ok "layers_$d"; else nok "layers_$d" "includes an upper layer:$bad"; fi
done

# No pair of modules includes each other (X.c includes Y.h and Y.c X.h).
mutual=""
for f in src/*/*.c; do
  for h in $(sed -n 's/^#include "\([a-z_]*\/[a-z_]*\)\.h".*/\1/p' "$f"); do
    own=${f#src/}; own=${own%.c}
    [ "$h" = "$own" ] && continue
    [ -f "src/$h.c" ] && grep -q "^#include \"$own.h\"" "src/$h.c" && mutual="$mutual $own<->$h"
  done
done
if [ -z "$mutual" ]; then ok layers_no_mutual_includes; else nok layers_no_mutual_includes "$mutual"; fi

# Every C source and header, shell and Python script carries an SPDX line.
missing=$(for f in $(git ls-files 'src/*.c' 'src/*.h' 'tests/*.c' 'tests/*.sh' 'scripts/*.sh' 'scripts/*.py' 'apps/*' .ci/run); do
  head -3 "$f" | grep -q SPDX-License-Identifier || echo "$f"; done | tr '\n' ' ')
if [ -z "$missing" ]; then ok spdx_lines; else nok spdx_lines "no SPDX line in: $missing"; fi
