//! Compiles the `.proto` files with protox (pure Rust), so no system `protoc` is needed.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files = vec![
        "proto/sanxiang/raft.proto".to_string(),
        "proto/sanxiang/region.proto".to_string(),
        "proto/sanxiang/federation.proto".to_string(),
        "proto/sanxiang/cluster.proto".to_string(),
    ];
    // The typed API: generated from the domain's types (see node/src/api/typed), plus the
    // ledger's service.
    println!("cargo:rerun-if-changed=proto/sanxiang/api/v1");
    let mut api: Vec<String> = std::fs::read_dir("proto/sanxiang/api/v1")?
        .filter_map(|e| e.ok())
        .map(|e| e.path().display().to_string())
        .filter(|p| p.ends_with(".proto"))
        .collect();
    api.sort();
    files.extend(api);
    for f in &files {
        println!("cargo:rerun-if-changed={f}");
    }
    let fds = protox::compile(&files, ["proto"])?;
    // The encoded descriptors, for gRPC server reflection and the typed API's transcoder.
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(
        out.join("sanxiang_descriptor.bin"),
        prost::Message::encode_to_vec(&fds),
    )?;
    tonic_prost_build::configure().compile_fds(fds)?;
    Ok(())
}
