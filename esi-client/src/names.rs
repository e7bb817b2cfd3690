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

    /// Resolves names to ids through `POST /universe/ids` (exact matches; unknown names are
    /// listed, not an error), remembered in the client's cache like [`names`](Self::names)
    /// (see [`Ids`](esi_runtime::Ids)).
    ///
    /// ```no_run
    /// # async fn demo(client: esi_client::Client) -> Result<(), esi_client::Error> {
    /// let found = client.ids().resolve(["Jita", "No Such Place"]).await?;
    /// println!("{:?}", found.ids.get("Jita")); // Some(ResolvedId { id: 30000142, category: "systems" })
    /// println!("{:?}", found.unknown); // ["No Such Place"]
    /// # Ok(()) }
    /// ```
    pub fn ids(&self) -> esi_runtime::Ids {
        self.runtime()
            .ids_with(<crate::universe::PostUniverseIds as crate::Operation>::INFO)
    }
}
