//! AddFlowOutputs, UpdateFlowOutput, RemoveFlowOutput.

use super::*;

fn outputs_path(flow_arn: &str) -> String {
    format!("{}/outputs", flow_path(flow_arn))
}

fn output_path(flow_arn: &str, output_arn: &str) -> String {
    format!("{}/outputs/{}", flow_path(flow_arn), label(output_arn))
}

#[test]
fn outputs_are_added_updated_and_removed() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let (status, v) = w.ok(
        "POST",
        &outputs_path(&arn),
        Some(json!({"outputs": [
            {"name": "a", "protocol": "rtp", "destination": "198.51.100.7", "port": 6000,
             "description": "to the truck", "smoothingLatency": 100, "outputStatus": "DISABLED"},
            output("b", 6001),
        ]})),
    );
    assert_eq!(status, 201);
    assert_eq!(v["flowArn"], arn.as_str());
    let a = &v["outputs"][0];
    assert_eq!(a["name"], "a");
    assert_eq!(a["destination"], "198.51.100.7");
    assert_eq!(a["port"], 6000);
    assert_eq!(a["outputStatus"], "DISABLED");
    assert_eq!(
        a["transport"],
        json!({"protocol": "rtp", "smoothingLatency": 100})
    );
    assert_eq!(v["outputs"][1]["outputStatus"], "ENABLED");
    let a_arn = a["outputArn"].as_str().unwrap().to_owned();
    assert_eq!(
        w.describe(&arn)["flow"]["outputs"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let (status, v) = w.ok(
        "PUT",
        &output_path(&arn, &a_arn),
        Some(json!({"port": 6100, "outputStatus": "ENABLED", "destination": "2001:db8::7"})),
    );
    assert_eq!(status, 202);
    assert_eq!(v["output"]["port"], 6100);
    assert_eq!(v["output"]["destination"], "2001:db8::7");
    assert_eq!(v["output"]["outputStatus"], "ENABLED");
    assert_eq!(v["output"]["description"], "to the truck");
    assert_eq!(v["output"]["transport"]["protocol"], "rtp");

    let (status, v) = w.ok("DELETE", &output_path(&arn, &a_arn), None);
    assert_eq!(
        (status, v),
        (202, json!({"flowArn": arn, "outputArn": a_arn}))
    );
    let names: Vec<_> = w.describe(&arn)["flow"]["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].clone())
        .collect();
    assert_eq!(names, [json!("b")]);
    assert_error(
        &w.fails("DELETE", &output_path(&arn, &a_arn), None),
        404,
        "NotFoundException",
    );
    assert_error(
        &w.fails("PUT", &output_path(&arn, &a_arn), Some(json!({"port": 1}))),
        404,
        "NotFoundException",
    );
}

#[test]
fn output_validation_names_the_member() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let cases = [
        (
            json!({"name": "o", "protocol": "udp", "port": 6000}),
            "outputs[0].destination: is required",
        ),
        (
            json!({"name": "o", "protocol": "udp", "destination": "10.0.0.1"}),
            "outputs[0].port: is required",
        ),
        (
            json!({"name": "o", "destination": "10.0.0.1", "port": 6000}),
            "outputs[0].protocol: is required",
        ),
        (
            json!({"name": "o", "protocol": "srt-caller", "destination": "10.0.0.1", "port": 6000}),
            "outputs[0].protocol: protocol srt-caller is not supported",
        ),
        (
            json!({"name": "o", "protocol": "udp", "destination": "host.example", "port": 6000}),
            "outputs[0].destination:",
        ),
        (
            json!({"name": "o", "protocol": "udp", "destination": "10.0.0.1", "port": 6000, "outputStatus": "PAUSED"}),
            "outputs[0].outputStatus:",
        ),
        (
            json!({"name": "o", "protocol": "udp", "destination": "10.0.0.1", "port": 6000, "encryption": {"roleArn": "r"}}),
            "outputs[0].encryption: is not supported",
        ),
        (
            json!({"name": "o", "protocol": "udp", "destination": "10.0.0.1", "port": 6000, "vpcInterfaceAttachment": {}}),
            "outputs[0].vpcInterfaceAttachment: is not supported",
        ),
        (
            json!({"name": "o", "protocol": "udp", "destination": "10.0.0.1", "port": 6000, "ndiProgramName": "x"}),
            "outputs[0].ndiProgramName: is not supported",
        ),
    ];
    for (body, want) in cases {
        let f = w.fails(
            "POST",
            &outputs_path(&arn),
            Some(json!({"outputs": [body]})),
        );
        assert_error(&f, 400, "BadRequestException");
        assert!(f.message.starts_with(want), "want {want}: {}", f.message);
    }
    w.ok(
        "POST",
        &outputs_path(&arn),
        Some(json!({"outputs": [output("o", 6000)]})),
    );
    let f = w.fails(
        "POST",
        &outputs_path(&arn),
        Some(json!({"outputs": [output("o", 6001)]})),
    );
    assert!(f.message.contains("output named o"), "{}", f.message);
}

#[test]
fn more_than_fifty_outputs_is_the_quota_error() {
    let mut w = world();
    let arn = w.flow("f", 5000);
    let batch = |from: u16, n: u16| -> Value {
        json!({"outputs": (from..from + n).map(|i| output(&format!("o{i}"), 6000 + i)).collect::<Vec<_>>()})
    };
    w.ok("POST", &outputs_path(&arn), Some(batch(0, 50)));
    let f = w.fails("POST", &outputs_path(&arn), Some(batch(50, 1)));
    assert_error(&f, 420, "AddFlowOutputs420Exception");
    let many: Vec<Value> = (0..51)
        .map(|i| output(&format!("o{i}"), 6000 + i))
        .collect();
    let f = w.fails(
        "POST",
        "/v1/flows",
        Some(json!({"name": "g", "source": rtp_source("s", 5001), "outputs": many})),
    );
    assert_error(&f, 420, "CreateFlow420Exception");
}
