#!/usr/bin/env bash
# Look at the documents as a person would: every verbale/sintesi .docx through LibreOffice
# to PDF and PNG pages, every .html through headless Chromium (a screenshot of the first
# screen, and the printed pages as PNG).
#
#   scripts/preview_documents.sh OUTPUT_FOLDER [PREVIEW_FOLDER]
#
# OUTPUT_FOLDER is searched recursively (outputs/, outputs/<session-id>/, a test folder).
# PNGs go to PREVIEW_FOLDER (default OUTPUT_FOLDER/preview), named after the document.
# Needs: soffice (libreoffice-writer-nogui), pdftoppm (poppler-utils), chromium.
# Not a test dependency: CI does not have them.
set -euo pipefail

if [[ $# -lt 1 || ! -d "$1" ]]; then
  echo "usage: $0 OUTPUT_FOLDER [PREVIEW_FOLDER]" >&2
  exit 2
fi
source_dir=$(cd "$1" && pwd)
preview_dir=${2:-$source_dir/preview}
mkdir -p "$preview_dir"
preview_dir=$(cd "$preview_dir" && pwd)
resolution=${PREVIEW_DPI:-70}

missing=()
for tool in soffice pdftoppm chromium; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  echo "missing: ${missing[*]} (apt-get install -y libreoffice-writer-nogui poppler-utils chromium)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# "outputs/2021-11-22-.../verbale.docx" -> "2021-11-22-...-verbale"
name_of() {
  local relative=${1#"$source_dir"/}
  relative=${relative%.*}
  echo "${relative//\//-}"
}

mapfile -d '' documents < <(find "$source_dir" -path "$preview_dir" -prune -o \
  \( -name '*.docx' -o -name '*.html' \) -not -name '.*' -type f -print0 | sort -z)

for document in "${documents[@]}"; do
  name=$(name_of "$document")
  case "$document" in
    *.docx)
      soffice "-env:UserInstallation=file://$work/profile" --headless --convert-to pdf \
        --outdir "$work/pdf" "$document" >/dev/null 2>&1
      pdf="$work/pdf/$(basename "${document%.docx}").pdf"
      pdftoppm -png -r "$resolution" "$pdf" "$preview_dir/$name.docx"
      echo "$document -> $preview_dir/$name.docx-*.png ($(pdfinfo "$pdf" 2>/dev/null | awk '/^Pages/ {print $2}') pages)"
      ;;
    *.html)
      chromium_flags=(--headless --no-sandbox --disable-gpu --disable-background-networking
        --disable-component-update --no-first-run "--user-data-dir=$(mktemp -d -p "$work")")
      chromium "${chromium_flags[@]}" "--screenshot=$preview_dir/$name.html.png" --window-size=1200,2000 \
        "file://$document" >/dev/null 2>&1
      chromium "${chromium_flags[@]}" "--print-to-pdf=$work/$name.html.pdf" --no-pdf-header-footer \
        "file://$document" >/dev/null 2>&1
      pdftoppm -png -r "$resolution" "$work/$name.html.pdf" "$preview_dir/$name.html-print"
      echo "$document -> $preview_dir/$name.html.png, $name.html-print-*.png"
      ;;
  esac
done
