//! How the collector serves the widget bundle built by `cargo xtask dist`: a short-cached
//! loader, and content-hashed files cached for a year and sent precompressed.

use nunchi_e2e::start_demo;
use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE};

/// The hashed file names the loader points at.
fn hashed_names(loader: &str) -> Vec<String> {
    loader
        .split("/widget/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn the_bundle_is_cached_right_and_sent_precompressed() {
    let demo = start_demo().await;
    // No automatic decompression: this client sees the bytes as sent.
    let client = reqwest::Client::new();
    let loader = client
        .get(format!("{}/widget.js", demo.base))
        .send()
        .await
        .expect("the collector answers");
    assert!(
        loader.status().is_success(),
        "no widget bundle: run `cargo xtask dist` (cargo xtask test does)"
    );
    assert_eq!(loader.headers()[CACHE_CONTROL], "public, max-age=300");
    let loader = loader.text().await.expect("text");
    let names = hashed_names(&loader);
    assert_eq!(
        names.len(),
        4,
        "a module and a wasm file for host pages, and the same for the receipt page: {names:?}"
    );
    assert_eq!(
        names
            .iter()
            .filter(|n| n.starts_with("nunchi-"))
            .map(|n| n.rsplit('.').next().unwrap_or(""))
            .collect::<Vec<_>>(),
        ["js", "wasm"],
        "host pages load one module and one wasm file: {names:?}"
    );

    for name in names {
        let url = format!("{}/widget/{name}", demo.base);
        let plain = client.get(&url).send().await.expect("asset");
        assert_eq!(
            plain.headers()[CACHE_CONTROL],
            "public, max-age=31536000, immutable"
        );
        assert!(plain.headers().get(CONTENT_ENCODING).is_none());
        let expected_type = if name.ends_with(".wasm") {
            "application/wasm"
        } else {
            "text/javascript; charset=utf-8"
        };
        assert_eq!(plain.headers()[CONTENT_TYPE], expected_type);
        let plain = plain.bytes().await.expect("bytes");
        let on_disk = std::fs::read(
            concat!(env!("CARGO_MANIFEST_DIR"), "/../dist/widget/").to_owned() + &name,
        )
        .expect("dist");
        assert_eq!(plain.as_ref(), on_disk.as_slice(), "{name}: sent as built");

        for (accept, encoding) in [("gzip, deflate, br", "br"), ("gzip", "gzip")] {
            let packed = client
                .get(&url)
                .header(ACCEPT_ENCODING, accept)
                .send()
                .await
                .expect("asset");
            assert_eq!(
                packed.headers()[CONTENT_ENCODING],
                encoding,
                "{name} for {accept:?}"
            );
            let packed = packed.bytes().await.expect("bytes");
            assert!(
                packed.len() * 2 < plain.len(),
                "{name}: {encoding} is {} of {} bytes",
                packed.len(),
                plain.len()
            );
            // Compressed once, by dist: the same bytes as the file beside the original.
            let suffix = if encoding == "br" { "br" } else { "gz" };
            let file = std::fs::read(format!(
                "{}/../dist/widget/{name}.{suffix}",
                env!("CARGO_MANIFEST_DIR")
            ))
            .expect("dist");
            assert_eq!(
                packed.as_ref(),
                file.as_slice(),
                "{name}.{suffix} sent as it is"
            );
        }
    }
}
