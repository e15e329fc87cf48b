#!/usr/bin/env bash
# The README's first command after set-up: import the sample catalog (reference images),
# import the sample planograms and assign them to store SAMPLE, scan the sample shelf
# photos into one visit, then print and write its report (KPIs, share of shelf, actions).
#
#   scripts/demo.sh            # uses .venv/bin/shelfscan, writes sample.db and sample_report/
#
# Re-running starts from a fresh sample.db, so the output is the same every time.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=".venv/bin/shelfscan"
[ -x "$bin" ] || bin="shelfscan"
db="sample.db"
rm -f "$db" "$db-wal" "$db-shm"
rm -rf sample_report
run() { "$bin" "$@" --db "$db"; }
run catalog import sample_images/catalog
run planogram import sample_images/planograms --store SAMPLE
run catalog must-have SAMPLE SKU0016 SKU0059 SKU0066 SKU0082 SKU0119
run scan sample_images --store SAMPLE --rep demo --visit SAMPLE-VISIT
run report SAMPLE-VISIT --html sample_report/report.html --images sample_report
echo "Open sample_report/report.html in a browser (sample photos are renders, not real photos)."
