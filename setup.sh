#!/usr/bin/env bash
# Set verbali up from scratch (or reuse what is already set up), then run it.
#
#   ./setup.sh run  [verbali run options]   set up, then process recordings/ into outputs/
#   ./setup.sh test [pytest options]        set up, then run the test suite
#   ./setup.sh                              set up only
#
# Needs Python 3.11 or 3.12 and the package registries (PyPI, and Debian's for ffmpeg
# when it is missing). Installs: ffmpeg, redis-server (and chromium, LibreOffice Writer, festival
# with two Italian voices and espeak-ng for the tests), a virtual environment in .venv with the
# pinned dependencies of requirements.lock, and the model weights into models/.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }

find_python() {
  for candidate in "${PYTHON:-}" python3.11 python3.12 python3; do
    [ -n "$candidate" ] || continue
    command -v "$candidate" >/dev/null 2>&1 || continue
    if "$candidate" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] <= (3, 12)))'; then
      echo "$candidate"; return
    fi
  done
  die "Python 3.11 or 3.12 is needed (set PYTHON=/path/to/python3.11)"
}

install_system_packages() {
  local missing=()
  command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)  # the broker of docs/workers.md, and its tests
  # the review app's browser tests drive Debian's Chromium (Playwright cannot download one here)
  # and the approval's PDF/A is made by LibreOffice: the tests check the real file
  if [ "${1:-}" = test ]; then
    command -v chromium >/dev/null 2>&1 || missing+=(chromium)
    command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui)
    # the synthetic plenaries' voices (scripts/synthesise_plenaries.py and its test)
    command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
    command -v text2wave >/dev/null 2>&1 || missing+=(festival)
    [ -d /usr/share/festival/voices/italian/lp_diphone ] || missing+=(festvox-italp16k)
    [ -d /usr/share/festival/voices/italian/pc_diphone ] || missing+=(festvox-itapc16k)
  fi
  [ ${#missing[@]} -eq 0 ] && return
  command -v apt-get >/dev/null 2>&1 || die "please install ${missing[*]} (no apt-get here)"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  say "installing ${missing[*]} with apt-get"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_python_packages() {
  local python stamp wanted
  python=$(find_python)
  [ -x .venv/bin/python ] || { say "creating .venv with $python"; "$python" -m venv .venv; }
  stamp=.venv/.verbali-requirements
  wanted=$(cat requirements.lock pyproject.toml | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    say "installing pinned Python packages (the first time downloads about 3 GB: torch with CUDA)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
    echo "$wanted" > "$stamp"
  fi
}

install_models() {
  say "checking model weights in models/"
  .venv/bin/verbali models install
}

install_system_packages "${1:-}"
install_python_packages
install_models

export HF_HUB_OFFLINE=1 PYANNOTE_METRICS_ENABLED=0
case "${1:-}" in
  run)  shift; exec .venv/bin/verbali run "$@" ;;
  test) shift; exec .venv/bin/python -m pytest "$@" ;;
  "")   say "ready: .venv/bin/verbali --help" ;;
  *)    die "unknown command '$1' (use: run, test)" ;;
esac
