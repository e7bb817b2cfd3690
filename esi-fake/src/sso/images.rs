//! Placeholder images in the shape of EVE's image server (`images.evetech.net`), under
//! [`IMAGES_PATH`]: `characters/<id>/portrait`, `corporations/<id>/logo` and
//! `alliances/<id>/logo`, each a small SVG whose colour follows the id, so pages that show
//! portraits stay on 127.0.0.1 in tests and offline examples. Never faulted, never logged.

use axum::extract::Path;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Base path of the placeholder images: point an image base URL at `<sso base><IMAGES_PATH>`.
pub const IMAGES_PATH: &str = "/_fake/images";

/// `GET /_fake/images/characters/{id}/portrait`.
pub(crate) async fn portrait(Path(id): Path<String>) -> Response {
    placeholder(&id, "C")
}

/// `GET /_fake/images/corporations/{id}/logo`.
pub(crate) async fn corporation_logo(Path(id): Path<String>) -> Response {
    placeholder(&id, "K")
}

/// `GET /_fake/images/alliances/{id}/logo`.
pub(crate) async fn alliance_logo(Path(id): Path<String>) -> Response {
    placeholder(&id, "A")
}

/// A square SVG with `letter` on a colour derived from the id; 404 for a non-numeric id.
fn placeholder(id: &str, letter: &str) -> Response {
    let Ok(n) = id.parse::<u64>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let hue = n.wrapping_mul(47) % 360;
    let svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"64\" height=\"64\" viewBox=\"0 0 64 64\">\
         <rect width=\"64\" height=\"64\" fill=\"hsl({hue},45%,40%)\"/>\
         <text x=\"32\" y=\"42\" font-family=\"sans-serif\" font-size=\"28\" fill=\"#fff\" \
         text-anchor=\"middle\">{letter}</text></svg>"
    );
    let mut resp = svg.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("max-age=3600"),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn placeholders_are_svg_and_refuse_non_numeric_ids() {
        let ok = portrait(Path("90000001".to_owned())).await;
        assert_eq!(ok.status(), StatusCode::OK);
        assert_eq!(ok.headers()[header::CONTENT_TYPE], "image/svg+xml");
        let bad = alliance_logo(Path("x/../y".to_owned())).await;
        assert_eq!(bad.status(), StatusCode::NOT_FOUND);
    }
}
