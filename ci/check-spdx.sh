#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every source file of uvbev carries an SPDX licence line near its top (uvbev
# is MIT-licensed, see LICENSE):
#   ci/check-spdx.sh          lists the tracked source files without one; exit 1 if any
#   ci/check-spdx.sh --fix    adds `SPDX-License-Identifier: MIT` to them
# Source files: C, headers, CMake, shell and Python scripts, templates (.in).
set -euo pipefail
SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fix=${1:-}
cd "$SRC"
git rev-parse --git-dir >/dev/null 2>&1 || { echo "check-spdx: not a git checkout"; exit 77; }

missing=()
while IFS= read -r f; do
  head -n 3 "$f" | grep -q 'SPDX-License-Identifier:' || missing+=("$f")
done < <(git ls-files -- '*.c' '*.h' '*.cmake' '*CMakeLists.txt' '*.sh' '*.py' '*.in' '.ci/run' |
  grep -v -e '^tests/fuzz/regressions/' -e '\.json\.in$')

add_line() { # $1 file
  local f=$1 tmp
  tmp=$(mktemp)
  case "$f" in
    *.c | *.h | *.h.in) { echo '/* SPDX-License-Identifier: MIT */'; cat "$f"; } >"$tmp" ;;
    *)
      if head -n 1 "$f" | grep -q '^#!'; then
        { head -n 1 "$f"; echo '# SPDX-License-Identifier: MIT'; tail -n +2 "$f"; } >"$tmp"
      else
        { echo '# SPDX-License-Identifier: MIT'; cat "$f"; } >"$tmp"
      fi
      ;;
  esac
  cat "$tmp" >"$f"
  rm -f "$tmp"
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "check-spdx: every source file has an SPDX licence line"
  exit 0
fi
if [ "$fix" = --fix ]; then
  for f in "${missing[@]}"; do add_line "$f"; done
  echo "check-spdx: added the SPDX line to ${#missing[@]} files"
  exit 0
fi
echo "check-spdx: source files without an SPDX licence line:" >&2
printf '  %s\n' "${missing[@]}" >&2
exit 1
