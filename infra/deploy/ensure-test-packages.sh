#!/usr/bin/env bash
# What the test-suite needs from the system, found or installed from Debian's packages:
# the PostgreSQL server binaries (the tests start their own throwaway cluster), pdftoppm and
# pdftotext (poppler-utils) and tesseract to read a rendered report back, and the Pango
# libraries and a font WeasyPrint renders PDFs with. Installed when we are root and allowed to;
# else each missing one is named with what to do.
set -eu
find_initdb() {
  command -v initdb 2>/dev/null && return 0
  ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 | grep . && return 0
  return 1
}
has_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
missing=""
find_initdb >/dev/null || missing="$missing postgresql"
command -v pdftoppm >/dev/null || missing="$missing poppler-utils"
command -v tesseract >/dev/null || missing="$missing tesseract-ocr tesseract-ocr-eng"
has_lib libpango-1.0.so.0 || missing="$missing libpango-1.0-0"
has_lib libpangoft2-1.0.so.0 || missing="$missing libpangoft2-1.0-0"
has_lib libharfbuzz-subset.so.0 || missing="$missing libharfbuzz-subset0"
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null && [ "${HUB_NO_APT:-}" != "1" ]; then
  echo "installing Debian's$missing for the tests" >&2
  # shellcheck disable=SC2086
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
  exit 0
fi
echo "error: the tests need Debian's$missing, which are missing." >&2
echo "       install them (apt-get install$missing) and run make test again." >&2
exit 1
