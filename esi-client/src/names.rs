//! `client.names()`: the runtime's resolver of ids to names ([`Names`](esi_runtime::Names)), given the root API's
//! `PostUniverseNames` so that the runtime never names generated code.

#[cfg(feature = "universe")]
impl crate::Client {
    /// Resolves ids to names through `POST /universe/names`: remembered names (and refused
    /// ids) from the client's cache first, the rest in chunks of 1000, a batch ESI refuses
    /// over a bad id halved until the bad ids stand alone, never spending the client's error
    /// reserve (see [`Names`](esi_runtime::Names)).
    ///
    /// ```no_run
    /// # async fn demo(client: esi_client::Client) -> Result<(), esi_client::Error> {
    /// let resolved = client.names().resolve([30000142, 95465499, 0]).await?;
    /// println!("{:?}", resolved.name(30000142)); // Some("Jita")
    /// for (id, why) in &resolved.unresolved {
    ///     println!("{id}: {why:?}"); // 0: Invalid
    /// }
    /// # Ok(()) }
    /// ```
    pub fn names(&self) -> esi_runtime::Names {
        self.runtime()
            .names_with(<crate::universe::PostUniverseNames as crate::Operation>::INFO)
    }
}
