//! Names for merged shapes that the generator's inference gets wrong: the documented naming
//! table of the shaping stage (beside [`fixes`](crate::fixes), which fixes the specs
//! themselves).
//!
//! The shaping stage merges models of byte-identical shape into one type, and names it from
//! what the copies share: a named schema of the spec, a common `title`, the property they are
//! the value of (`position` → `Position`), or the words all their names share
//! (`UniverseIdsPostAgentsItem`, `UniverseIdsPostAlliancesItem`... → `UniverseIdsPostItem`).
//! When that reads badly, an entry here names the group: it applies to the group holding
//! the type named in its first column (under its name before merging, so an entry keeps
//! working whichever copies a new spec adds).

/// `(a type of the group, before merging; the name of the merged type)`.
pub const SHAPE_NAMES: &[(&str, &str)] = &[
    // `{x, y, z}` and `{start, end}`... whose copies share no telling word.
    (
        "CorporationsCorporationIdStarbasesStarbaseIdGetFuelsItem",
        "TypeQuantity",
    ),
    (
        "GetCorporationsCorporationIdStarbasesStarbaseIdResponseFuelsItem",
        "TypeQuantity",
    ),
    ("SkyhooksRaidableTheftvulnerability", "TimeWindow"),
    (
        "CorporationsStructuresSkyhooksDetailReinforcementtimer",
        "ReinforcementTimer",
    ),
    (
        "CorporationsStructuresSovereigntyHubsDetailResourcepower",
        "SovereigntyHubResource",
    ),
    (
        "CharactersStructuresMercenaryDensDetailEvolutionanarchy",
        "MercenaryDenEvolution",
    ),
    ("CorporationsProjectsDetailProgress", "ProjectProgress"),
    ("CorporationsProjectsDetailReward", "ProjectReward"),
    ("PutFleetsFleetIdSquadsSquadIdBody", "FleetGroupRename"),
    // Copies named after a word ESI uses in every path (`Item`, `Kills`, `Aggressor`).
    (
        "CharactersCharacterIdFittingsGetItemItemsItem",
        "FittingItem",
    ),
    (
        "GetCharactersCharacterIdFittingsItemItemsItem",
        "FittingItem",
    ),
    ("GetCharactersCharacterIdBookmarksItemItem", "BookmarkItem"),
    ("CharactersCharacterIdKillmailsRecentGetItem", "KillmailRef"),
    ("GetCharactersCharacterIdKillmailsRecentItem", "KillmailRef"),
    ("WarsWarIdGetAggressor", "WarParty"),
    ("GetWarsWarIdResponseAggressor", "WarParty"),
    ("CharactersCharacterIdFwStatsGetKills", "FwStatsTotals"),
    (
        "GetCharactersCharacterIdFwStatsResponseKills",
        "FwStatsTotals",
    ),
    ("FwLeaderboardsGetKills", "FwLeaderboardsRankings"),
    ("GetFwLeaderboardsResponseKills", "FwLeaderboardsRankings"),
    (
        "FwLeaderboardsCharactersGetKills",
        "FwLeaderboardsCharactersRankings",
    ),
    (
        "GetFwLeaderboardsCharactersResponseKills",
        "FwLeaderboardsCharactersRankings",
    ),
    (
        "FwLeaderboardsCorporationsGetKills",
        "FwLeaderboardsCorporationsRankings",
    ),
    (
        "GetFwLeaderboardsCorporationsResponseKills",
        "FwLeaderboardsCorporationsRankings",
    ),
];

/// The name [`SHAPE_NAMES`] gives the group holding `member`, if any.
pub fn name_for(member: &str) -> Option<&'static str> {
    SHAPE_NAMES
        .iter()
        .find(|(m, _)| *m == member)
        .map(|(_, name)| *name)
}
