#!/usr/bin/env bash
# The README's MediaStore tutorial, run for real with the aws CLI, each step
# checked. Against a running server:
#
#   TRIBUTARY_ENDPOINT=http://127.0.0.1:8080 AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… tests/tutorial.sh
#
# tests/tests/awscli_tutorial.rs runs it against a fresh server. It works in a
# temp directory and uses a container named `live`, which must not exist yet.
set -euo pipefail

: "${TRIBUTARY_ENDPOINT:?set TRIBUTARY_ENDPOINT to the server URL, e.g. http://127.0.0.1:8080}"
: "${AWS_ACCESS_KEY_ID:?set AWS_ACCESS_KEY_ID (printed by tributary serve at first start)}"
: "${AWS_SECRET_ACCESS_KEY:?set AWS_SECRET_ACCESS_KEY (printed by tributary serve at first start)}"
export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}" AWS_PAGER=""
T=$TRIBUTARY_ENDPOINT

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

step() { printf '\n== %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }

step "A container, and its data endpoint"
aws --endpoint-url $T mediastore create-container --container-name live
EP=$(aws --endpoint-url $T mediastore describe-container --container-name live \
       --query Container.Endpoint --output text)          # http://127.0.0.1:8080/store/live
[ "$EP" = "$T/store/live" ] || fail "Container.Endpoint is '$EP', expected '$T/store/live'"
status=$(aws --endpoint-url $T mediastore describe-container --container-name live \
           --query Container.Status --output text)
[ "$status" = ACTIVE ] || fail "Container.Status is '$status', expected ACTIVE"

step "Make an HLS stream with ffmpeg and upload it"
mkdir -p hls && ffmpeg -loglevel error -f lavfi -i testsrc2=size=640x360:rate=25 \
  -f lavfi -i sine=frequency=440 -t 12 -c:v libx264 -g 50 -c:a aac \
  -f hls -hls_time 4 -hls_playlist_type vod hls/index.m3u8
for f in hls/*.ts; do
  aws --endpoint-url $EP mediastore-data put-object --body $f --path show/$(basename $f) \
      --content-type video/MP2T
done
out=$(aws --endpoint-url $EP mediastore-data put-object --body hls/index.m3u8 --path show/index.m3u8 \
    --content-type application/x-mpegURL --cache-control max-age=2)
echo "$out"
sha=$(sha256sum hls/index.m3u8 | cut -d' ' -f1)
grep -q "\"ContentSHA256\": \"$sha\"" <<<"$out" || fail "PutObject did not answer ContentSHA256 $sha"

step "List and download"
aws --endpoint-url $EP mediastore-data list-items --path show
listed=$(aws --endpoint-url $EP mediastore-data list-items --path show --query 'Items[].Name' --output text \
           | tr '\t' '\n' | sort | tr '\n' ' ')
expected=$(cd hls && ls | sort | tr '\n' ' ')
[ "$listed" = "$expected" ] || fail "list-items shows '$listed', expected '$expected'"
folders=$(aws --endpoint-url $EP mediastore-data list-items --query 'Items[?Type==`FOLDER`].Name' --output text)
[ "$folders" = show ] || fail "list-items at the root shows folders '$folders', expected 'show'"
out=$(aws --endpoint-url $EP mediastore-data get-object --path show/index.m3u8 index.m3u8)
echo "$out"
cmp hls/index.m3u8 index.m3u8 || fail "the downloaded playlist differs from the uploaded one"
grep -q '"StatusCode": 200' <<<"$out" || fail "get-object did not report StatusCode 200"
grep -q '"CacheControl": "max-age=2"' <<<"$out" || fail "get-object did not report CacheControl max-age=2"
first=$(cd hls && ls *.ts | head -n1)
aws --endpoint-url $EP mediastore-data get-object --path show/$first --range bytes=0-187 first.ts >/dev/null
[ "$(stat -c %s first.ts)" = 188 ] || fail "a 188-byte range read returned $(stat -c %s first.ts) bytes"
cmp first.ts <(head -c 188 hls/$first) || fail "the range read returned other bytes"

step "Let anyone read, and let browsers from one origin fetch it"
aws --endpoint-url $T mediastore put-container-policy --container-name live --policy '{
  "Version": "2012-10-17",
  "Statement": [{"Sid": "PublicRead", "Effect": "Allow", "Principal": "*",
    "Action": ["mediastore:GetObject", "mediastore:DescribeObject"],
    "Resource": "arn:aws:mediastore:us-east-1:000000000000:container/live/*"}]}'
aws --endpoint-url $T mediastore put-cors-policy --container-name live --cors-policy \
  '[{"AllowedOrigins": ["https://player.example"], "AllowedMethods": ["GET", "HEAD"],
     "AllowedHeaders": ["*"], "MaxAgeSeconds": 3000}]'
origins=$(aws --endpoint-url $T mediastore get-cors-policy --container-name live \
            --query 'CorsPolicy[0].AllowedOrigins[0]' --output text)
[ "$origins" = https://player.example ] || fail "get-cors-policy shows AllowedOrigins '$origins'"

step "Play it back from the origin"
ffmpeg -loglevel error -xerror -i $EP/show/index.m3u8 -f null -
frames=$(ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames \
           -of csv=p=0 $EP/show/index.m3u8 | sed -n 1p)   # HLS lists the stream twice (program + streams)
[ "$frames" = 300 ] || fail "the player decoded $frames video frames, expected 300 (12 s at 25 fps)"

step "Expire live playlists and segments like MediaStore does"
aws --endpoint-url $T mediastore put-lifecycle-policy --container-name live --lifecycle-policy '{
  "rules": [{"definition": {"path": [{"wildcard": "show/*.ts"}],
             "seconds_since_create": [{"numeric": [">", 120]}]}, "action": "EXPIRE"}]}'
aws --endpoint-url $T mediastore get-lifecycle-policy --container-name live | grep -q seconds_since_create \
  || fail "get-lifecycle-policy does not return the policy"

step "Errors come back as the CLI expects"
if out=$(aws --endpoint-url $T mediastore describe-container --container-name nope 2>&1); then
  fail "describe-container of a missing container succeeded"
fi
grep -q ContainerNotFoundException <<<"$out" || fail "expected ContainerNotFoundException, got: $out"
if out=$(aws --endpoint-url $T mediastore delete-container --container-name live 2>&1); then
  fail "delete-container of a container holding objects succeeded"
fi
grep -q ContainerInUseException <<<"$out" || fail "expected ContainerInUseException, got: $out"

step "Clean up"
for f in hls/*.ts hls/index.m3u8; do
  aws --endpoint-url $EP mediastore-data delete-object --path show/$(basename $f)
done
aws --endpoint-url $T mediastore delete-container --container-name live
left=$(aws --endpoint-url $T mediastore list-containers --query 'length(Containers)')
[ "$left" = 0 ] || fail "list-containers still shows $left containers"

echo
echo "tutorial: all steps passed"
