#!/usr/bin/env bash
# One 95 MB attachment uploaded over OpenRosa, then downloaded twice over REST; prints the server's RSS
# before and its peak during the downloads.   Benchmarks/tools/download_rss.sh .build/release/ingest
set -euo pipefail
bin=$1; dir=$(mktemp -d); port=$((20000 + RANDOM % 20000))
if $bin user-create --help | grep -q -- '--password-stdin'; then INGEST_PASSWORD='download test pw' $bin user-create --db $dir/g.sqlite --email a@x.org --admin >/dev/null
else $bin user-create --db $dir/g.sqlite --email a@x.org --password 'download test pw' --admin >/dev/null; fi
extra=""; $bin serve --help | grep -q scratch-dir && extra="--scratch-dir $dir/s"; $bin serve --db $dir/g.sqlite --port $port $extra > $dir/log 2>&1 &
pid=$!; trap "kill $pid; rm -rf $dir" EXIT
for i in $(seq 50); do curl -sf localhost:$port/healthz >/dev/null && break; sleep 0.2; done
tok=$(curl -s -X POST localhost:$port/v1/sessions -H 'Content-Type: application/json' -d '{"email":"a@x.org","password":"download test pw"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
curl -s -X POST localhost:$port/v1/projects -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' -d '{"name":"P"}' >/dev/null
curl -s -X POST "localhost:$port/v1/projects/1/forms?publish=true" -H "Authorization: Bearer $tok" -H 'Content-Type: application/xml' --data-binary @SampleForms/xforms/site_photo.xml >/dev/null
head -c 95000000 /dev/urandom > $dir/photo.jpg
curl -s -X POST localhost:$port/v1/projects/1/submission -H "Authorization: Bearer $tok" -H 'X-OpenRosa-Version: 1.0' -F "xml_submission_file=@SampleForms/submissions/site_photo/site-1.xml;type=text/xml" -F "tree.jpg=@$dir/photo.jpg;type=image/jpeg" >/dev/null
sleep 1; echo 5 > /proc/$pid/clear_refs; before=$(grep VmRSS /proc/$pid/status)
for i in 1 2; do curl -s -H "Authorization: Bearer $tok" localhost:$port/v1/projects/1/forms/site_photo/submissions/uuid:55550000-0000-4000-8000-000000000001/attachments/tree.jpg -o $dir/back.jpg; done
cmp $dir/photo.jpg $dir/back.jpg && echo "download byte-identical"
echo "$before; during downloads $(grep VmHWM /proc/$pid/status)"
