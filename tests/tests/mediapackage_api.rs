//! The MediaPackage (v1) control plane driven by the real aws CLI (v1), as
//! the AWS tutorials drive it: a channel with its two ingest endpoints, an
//! HLS origin endpoint, DASH and CMAF endpoints, listing and paging, updates, credential rotation,
//! tags, the refusals, and deletion in the order MediaPackage requires —
//! with the CLI's JSON output checked field by field.

use anyhow::{Context, Result, ensure};
use serde_json::{Value, json};
use tributary_tests::awscli::{AwsCli, SERVICE_ERROR_EXIT};
use tributary_tests::{ACCOUNT_ID, REGION, Server};

fn str_at<'a>(v: &'a Value, pointer: &str) -> Result<&'a str> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .with_context(|| format!("no string at {pointer} in {v}"))
}

fn is_hex32(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn ids(v: &Value, list: &str) -> Vec<String> {
    v[list]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["Id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_and_its_hls_endpoint_are_built_changed_and_deleted_with_the_aws_cli()
-> Result<()> {
    let mut server = Server::start().await?;
    let aws = AwsCli::new(&server)?;
    let base = server.base_url();
    let mp = |args: &[&str]| -> Result<Value> {
        let mut all = vec!["mediapackage"];
        all.extend_from_slice(args);
        aws.json(&all)
    };

    // create-channel: two ingest endpoints, each with its own credentials.
    let channel = mp(&[
        "create-channel",
        "--id",
        "live-1",
        "--description",
        "main feed",
        "--tags",
        "team=news",
    ])?;
    ensure!(
        channel["Arn"] == format!("arn:aws:mediapackage:{REGION}:{ACCOUNT_ID}:channels/live-1"),
        "{channel}"
    );
    ensure!(
        channel["Id"] == "live-1" && channel["Description"] == "main feed",
        "{channel}"
    );
    ensure!(channel["Tags"] == json!({"team": "news"}), "{channel}");
    let ingest = channel["HlsIngest"]["IngestEndpoints"]
        .as_array()
        .context("no ingest endpoints")?
        .clone();
    ensure!(ingest.len() == 2, "{channel}");
    for e in &ingest {
        let (id, url) = (str_at(e, "/Id")?, str_at(e, "/Url")?);
        ensure!(is_hex32(id), "{e}");
        ensure!(
            url == format!("{base}/in/v1/live-1/{id}/channel"),
            "{url} is not under {base}/in/v1/"
        );
        ensure!(
            is_hex32(str_at(e, "/Username")?) && is_hex32(str_at(e, "/Password")?),
            "{e}"
        );
    }
    ensure!(ingest[0]["Id"] != ingest[1]["Id"] && ingest[0]["Password"] != ingest[1]["Password"]);

    // describe-channel answers the same channel.
    let described = mp(&["describe-channel", "--id", "live-1"])?;
    ensure!(described == channel, "{described} != {channel}");

    // list-channels, whole and paged.
    for id in ["live-2", "live-3"] {
        mp(&["create-channel", "--id", id])?;
    }
    let all = mp(&["list-channels", "--page-size", "1"])?;
    ensure!(
        ids(&all, "Channels") == ["live-1", "live-2", "live-3"],
        "{all}"
    );
    let first = mp(&["list-channels", "--max-items", "2", "--page-size", "2"])?;
    ensure!(ids(&first, "Channels") == ["live-1", "live-2"], "{first}");
    let token = str_at(&first, "/NextToken")?.to_owned();
    let rest = mp(&[
        "list-channels",
        "--page-size",
        "2",
        "--starting-token",
        &token,
    ])?;
    ensure!(ids(&rest, "Channels") == ["live-3"], "{rest}");
    ensure!(rest.get("NextToken").is_none(), "{rest}");

    // update-channel changes the description, nothing else.
    let updated = mp(&[
        "update-channel",
        "--id",
        "live-1",
        "--description",
        "renamed",
    ])?;
    ensure!(updated["Description"] == "renamed", "{updated}");
    ensure!(updated["HlsIngest"] == channel["HlsIngest"], "{updated}");

    // create-origin-endpoint with an HLS package: defaults filled in.
    let endpoint = mp(&[
        "create-origin-endpoint",
        "--channel-id",
        "live-1",
        "--id",
        "hls-web",
        "--hls-package",
        "SegmentDurationSeconds=2,PlaylistWindowSeconds=30,StreamSelection={StreamOrder=VIDEO_BITRATE_DESCENDING}",
        "--whitelist",
        "127.0.0.0/8",
        "10.0.0.0/8",
        "--startover-window-seconds",
        "3600",
    ])?;
    let endpoint_arn = str_at(&endpoint, "/Arn")?.to_owned();
    ensure!(
        endpoint_arn
            == format!("arn:aws:mediapackage:{REGION}:{ACCOUNT_ID}:origin_endpoints/hls-web"),
        "{endpoint}"
    );
    ensure!(endpoint["ChannelId"] == "live-1", "{endpoint}");
    ensure!(endpoint["ManifestName"] == "index", "{endpoint}");
    ensure!(endpoint["Origination"] == "ALLOW", "{endpoint}");
    ensure!(endpoint["StartoverWindowSeconds"] == 3600, "{endpoint}");
    ensure!(
        endpoint["Whitelist"] == json!(["127.0.0.0/8", "10.0.0.0/8"]),
        "{endpoint}"
    );
    let url = str_at(&endpoint, "/Url")?;
    ensure!(
        url == format!("{base}/out/v1/hls-web/index.m3u8")
            && url.ends_with("/out/v1/hls-web/index.m3u8"),
        "{url}"
    );
    let hls = &endpoint["HlsPackage"];
    ensure!(
        hls["SegmentDurationSeconds"] == 2
            && hls["PlaylistWindowSeconds"] == 30
            && hls["PlaylistType"] == "NONE"
            && hls["AdMarkers"] == "NONE"
            && hls["ProgramDateTimeIntervalSeconds"] == 0
            && hls["StreamSelection"]["StreamOrder"] == "VIDEO_BITRATE_DESCENDING",
        "{endpoint}"
    );
    ensure!(mp(&["describe-origin-endpoint", "--id", "hls-web"])? == endpoint);

    // A second endpoint on another channel: list filters by channel.
    mp(&[
        "create-origin-endpoint",
        "--channel-id",
        "live-2",
        "--id",
        "hls-other",
        "--hls-package",
        "SegmentDurationSeconds=6",
    ])?;
    let of_live_1 = mp(&["list-origin-endpoints", "--channel-id", "live-1"])?;
    ensure!(
        ids(&of_live_1, "OriginEndpoints") == ["hls-web"],
        "{of_live_1}"
    );
    let every = mp(&["list-origin-endpoints", "--page-size", "1"])?;
    ensure!(
        ids(&every, "OriginEndpoints") == ["hls-web", "hls-other"],
        "{every}"
    );

    // update-origin-endpoint: manifest name (and so the URL), delay, DENY.
    let changed = mp(&[
        "update-origin-endpoint",
        "--id",
        "hls-web",
        "--manifest-name",
        "main",
        "--time-delay-seconds",
        "10",
        "--origination",
        "DENY",
    ])?;
    ensure!(
        changed["Url"] == format!("{base}/out/v1/hls-web/main.m3u8"),
        "{changed}"
    );
    ensure!(
        changed["TimeDelaySeconds"] == 10 && changed["Origination"] == "DENY",
        "{changed}"
    );
    ensure!(changed["HlsPackage"] == endpoint["HlsPackage"], "{changed}");
    ensure!(changed["Whitelist"] == endpoint["Whitelist"], "{changed}");

    // rotate-ingest-endpoint-credentials changes that endpoint only.
    let second = str_at(&ingest[1], "/Id")?.to_owned();
    let rotated = mp(&[
        "rotate-ingest-endpoint-credentials",
        "--id",
        "live-1",
        "--ingest-endpoint-id",
        &second,
    ])?;
    let after = &rotated["HlsIngest"]["IngestEndpoints"];
    ensure!(after[0] == ingest[0], "{rotated}");
    ensure!(
        after[1]["Id"] == ingest[1]["Id"] && after[1]["Url"] == ingest[1]["Url"],
        "{rotated}"
    );
    ensure!(
        after[1]["Username"] != ingest[1]["Username"]
            && after[1]["Password"] != ingest[1]["Password"],
        "{rotated}"
    );
    ensure!(mp(&["describe-channel", "--id", "live-1"])?["HlsIngest"] == rotated["HlsIngest"]);

    // Tags on both kinds of ARN.
    let channel_arn = str_at(&channel, "/Arn")?.to_owned();
    for arn in [&channel_arn, &endpoint_arn] {
        ensure!(
            mp(&[
                "tag-resource",
                "--resource-arn",
                arn,
                "--tags",
                "env=prod,tier=gold"
            ])?
            .is_null()
        );
        ensure!(
            mp(&[
                "untag-resource",
                "--resource-arn",
                arn,
                "--tag-keys",
                "tier"
            ])?
            .is_null()
        );
    }
    let tags = mp(&["list-tags-for-resource", "--resource-arn", &channel_arn])?;
    ensure!(
        tags["Tags"] == json!({"team": "news", "env": "prod"}),
        "{tags}"
    );
    let tags = mp(&["list-tags-for-resource", "--resource-arn", &endpoint_arn])?;
    ensure!(tags["Tags"] == json!({"env": "prod"}), "{tags}");

    // Refusals: exit 255 with the service's code.
    let dup = aws.run(&["mediapackage", "create-channel", "--id", "live-1"])?;
    ensure!(dup.status.code() == Some(SERVICE_ERROR_EXIT), "{dup:?}");
    let stderr = String::from_utf8_lossy(&dup.stderr);
    ensure!(stderr.contains("UnprocessableEntityException"), "{stderr}");
    let e = aws.error(&["mediapackage", "describe-channel", "--id", "nope"])?;
    ensure!(
        e.code == "NotFoundException" && e.operation == "DescribeChannel",
        "{e:?}"
    );
    let e = aws.error(&["mediapackage", "describe-origin-endpoint", "--id", "nope"])?;
    ensure!(e.code == "NotFoundException", "{e:?}");
    let e = aws.error(&["mediapackage", "list-channels", "--no-sign-request"])?;
    ensure!(e.code == "ForbiddenException", "{e:?}");
    // DASH and CMAF endpoints: the model's shapes through the CLI, AWS's
    // defaults filled in, the URLs `.mpd` and one per HLS manifest.
    let dash = mp(&[
        "create-origin-endpoint",
        "--channel-id",
        "live-1",
        "--id",
        "dash",
        "--dash-package",
        r#"{"SegmentDurationSeconds": 2, "SegmentTemplateFormat": "TIME_WITH_TIMELINE", "UtcTiming": "HTTP-ISO", "UtcTimingUri": "https://time.example/iso"}"#,
    ])?;
    ensure!(
        dash["Url"] == format!("{base}/out/v1/dash/index.mpd") && dash.get("HlsPackage").is_none(),
        "{dash}"
    );
    let d = &dash["DashPackage"];
    ensure!(
        d["SegmentDurationSeconds"] == 2
            && d["SegmentTemplateFormat"] == "TIME_WITH_TIMELINE"
            && d["ManifestWindowSeconds"] == 60
            && d["MinBufferTimeSeconds"] == 30
            && d["MinUpdatePeriodSeconds"] == 15
            && d["SuggestedPresentationDelaySeconds"] == 25
            && d["Profile"] == "NONE"
            && d["UtcTiming"] == "HTTP-ISO"
            && d["UtcTimingUri"] == "https://time.example/iso",
        "{dash}"
    );
    let cmaf = mp(&[
        "create-origin-endpoint",
        "--channel-id",
        "live-1",
        "--id",
        "cmaf",
        "--cmaf-package",
        r#"{"SegmentPrefix": "seg", "HlsManifests": [{"Id": "main", "PlaylistWindowSeconds": 30}, {"Id": "alt", "ManifestName": "short"}]}"#,
    ])?;
    let manifests = &cmaf["CmafPackage"]["HlsManifests"];
    ensure!(
        manifests[0]["Url"] == format!("{base}/out/v1/cmaf/main.m3u8")
            && manifests[0]["PlaylistWindowSeconds"] == 30
            && manifests[1]["Url"] == format!("{base}/out/v1/cmaf/short.m3u8")
            && manifests[1]["PlaylistWindowSeconds"] == 60
            && cmaf["CmafPackage"]["SegmentDurationSeconds"] == 6
            && cmaf["Url"] == manifests[0]["Url"],
        "{cmaf}"
    );
    ensure!(
        mp(&["describe-origin-endpoint", "--id", "cmaf"])? == cmaf,
        "describe differs from {cmaf}"
    );
    for id in ["dash", "cmaf"] {
        mp(&["delete-origin-endpoint", "--id", id])?;
    }
    let e = aws.error(&[
        "mediapackage",
        "create-origin-endpoint",
        "--channel-id",
        "live-1",
        "--id",
        "cmaf",
        "--cmaf-package",
        r#"{"SegmentDurationSeconds": 6}"#,
    ])?;
    ensure!(
        e.code == "UnprocessableEntityException" && e.message.contains("cmafPackage.hlsManifests"),
        "{e:?}"
    );
    let e = aws.error(&[
        "mediapackage",
        "create-origin-endpoint",
        "--channel-id",
        "live-1",
        "--id",
        "two",
        "--hls-package",
        "SegmentDurationSeconds=6",
        "--dash-package",
        "SegmentDurationSeconds=6",
    ])?;
    ensure!(
        e.code == "UnprocessableEntityException" && e.message.contains("exactly one package"),
        "{e:?}"
    );
    let e = aws.error(&[
        "mediapackage",
        "create-origin-endpoint",
        "--channel-id",
        "live-1",
        "--id",
        "bad-cidr",
        "--hls-package",
        "SegmentDurationSeconds=6",
        "--whitelist",
        "10.0.0.0/33",
    ])?;
    ensure!(
        e.code == "UnprocessableEntityException" && e.message.contains("whitelist[0]"),
        "{e:?}"
    );
    let e = aws.error(&[
        "mediapackage",
        "create-origin-endpoint",
        "--channel-id",
        "live-1",
        "--id",
        "hls-web",
        "--hls-package",
        "SegmentDurationSeconds=6",
    ])?;
    ensure!(e.code == "UnprocessableEntityException", "{e:?}");
    let listed = mp(&["list-origin-endpoints"])?;
    ensure!(
        ids(&listed, "OriginEndpoints") == ["hls-web", "hls-other"],
        "{listed}"
    );

    // delete-channel is refused while an endpoint plays it; endpoint first.
    let e = aws.error(&["mediapackage", "delete-channel", "--id", "live-1"])?;
    ensure!(
        e.code == "UnprocessableEntityException" && e.message.contains("hls-web"),
        "{e:?}"
    );
    mp(&["delete-origin-endpoint", "--id", "hls-web"])?;
    mp(&["delete-channel", "--id", "live-1"])?;
    let e = aws.error(&["mediapackage", "describe-channel", "--id", "live-1"])?;
    ensure!(e.code == "NotFoundException", "{e:?}");
    let e = aws.error(&[
        "mediapackage",
        "describe-origin-endpoint",
        "--id",
        "hls-web",
    ])?;
    ensure!(e.code == "NotFoundException", "{e:?}");
    let left = mp(&["list-channels"])?;
    ensure!(ids(&left, "Channels") == ["live-2", "live-3"], "{left}");
    server.assert_healthy().await
}
