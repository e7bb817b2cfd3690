//! URLs of EVE's image server: character portraits, corporation and alliance logos.
//! [`ImageServer::default`] is `https://images.evetech.net`; tests and offline sites point it
//! elsewhere ([`crate::WebConfig::image_base_url`]), for example at the fake SSO's placeholders.

/// EVE's image server.
pub const EVE_IMAGE_SERVER: &str = "https://images.evetech.net";

/// Sizes the image server serves, in pixels.
pub const IMAGE_SIZES: [u32; 6] = [32, 64, 128, 256, 512, 1024];

/// Builds image URLs under a base URL.
///
/// ```
/// use esi_web::images::ImageServer;
/// let images = ImageServer::default();
/// assert_eq!(
///     images.character_portrait(90_000_001, 64),
///     "https://images.evetech.net/characters/90000001/portrait?size=64"
/// );
/// let local = ImageServer::new("http://127.0.0.1:9000/_fake/images/");
/// assert_eq!(
///     local.alliance_logo(99_000_001, 100),
///     "http://127.0.0.1:9000/_fake/images/alliances/99000001/logo?size=128"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageServer {
    base: String,
}

impl Default for ImageServer {
    fn default() -> Self {
        Self::new(EVE_IMAGE_SERVER)
    }
}

impl ImageServer {
    /// Image URLs under `base` (a trailing `/` is ignored).
    pub fn new(base: impl Into<String>) -> Self {
        let mut base = base.into();
        while base.ends_with('/') {
            base.pop();
        }
        Self { base }
    }

    /// The base URL, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A character's portrait, `size` pixels square (rounded up to a served size).
    pub fn character_portrait(&self, character_id: i64, size: u32) -> String {
        self.url("characters", character_id, "portrait", size)
    }

    /// A corporation's logo, `size` pixels square (rounded up to a served size).
    pub fn corporation_logo(&self, corporation_id: i64, size: u32) -> String {
        self.url("corporations", corporation_id, "logo", size)
    }

    /// An alliance's logo, `size` pixels square (rounded up to a served size).
    pub fn alliance_logo(&self, alliance_id: i64, size: u32) -> String {
        self.url("alliances", alliance_id, "logo", size)
    }

    fn url(&self, kind: &str, id: i64, what: &str, size: u32) -> String {
        format!(
            "{}/{kind}/{id}/{what}?size={}",
            self.base,
            served_size(size)
        )
    }
}

/// The smallest served size at least `size` (the largest when none is).
pub fn served_size(size: u32) -> u32 {
    IMAGE_SIZES
        .into_iter()
        .find(|s| *s >= size)
        .unwrap_or(IMAGE_SIZES[IMAGE_SIZES.len() - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_up_to_served_ones() {
        assert_eq!(served_size(0), 32);
        assert_eq!(served_size(32), 32);
        assert_eq!(served_size(33), 64);
        assert_eq!(served_size(1024), 1024);
        assert_eq!(served_size(5000), 1024);
    }

    #[test]
    fn urls_of_each_kind() {
        let i = ImageServer::new("http://127.0.0.1:1/img//");
        assert_eq!(i.base(), "http://127.0.0.1:1/img");
        assert_eq!(
            i.character_portrait(1, 64),
            "http://127.0.0.1:1/img/characters/1/portrait?size=64"
        );
        assert_eq!(
            i.corporation_logo(98_000_001, 32),
            "http://127.0.0.1:1/img/corporations/98000001/logo?size=32"
        );
        assert_eq!(
            i.alliance_logo(99_000_001, 256),
            "http://127.0.0.1:1/img/alliances/99000001/logo?size=256"
        );
        assert_eq!(
            ImageServer::default().character_portrait(90_000_001, 128),
            "https://images.evetech.net/characters/90000001/portrait?size=128"
        );
    }
}
