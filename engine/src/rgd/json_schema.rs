pub fn rgd_json_schema() -> serde_json::Value {
    serde_json::json!({})
}
