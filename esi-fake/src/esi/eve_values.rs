//! What EVE's values look like, by property name and the properties beside it.
//!
//! [`integer_rule`] and [`number_rule`] say where a realistic value lies (a character id
//! between 90,000,000 and 97,999,999 or past 2,100,000,000, a market order's duration in days,
//! a price in ISK with two decimals...); [`boolean_percent`] how often a flag is set. The
//! synthesiser draws from the part of a rule that the schema allows: `minimum`, `maximum` and
//! the integer format always win, and a rule the schema leaves no room for is ignored.
//!
//! Everything here is integer arithmetic on the deterministic generator, so the same seed gives
//! the same value on every machine.

use esi_codegen::model::Property;

use super::rng::Rng;

/// One weighted part of a rule: values in `lo..=hi`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    /// Smallest value (for numbers: in hundredths).
    pub lo: i64,
    /// Largest value (for numbers: in hundredths).
    pub hi: i64,
    /// Relative weight among the rule's spans.
    pub weight: u32,
    /// Spread over orders of magnitude (each power of ten equally likely) rather than evenly.
    pub spread: bool,
}

/// Values in `lo..=hi`, evenly.
const fn even(lo: i64, hi: i64, weight: u32) -> Span {
    Span {
        lo,
        hi,
        weight,
        spread: false,
    }
}

/// Values in `lo..=hi`, each order of magnitude equally likely.
const fn wide(lo: i64, hi: i64, weight: u32) -> Span {
    Span {
        lo,
        hi,
        weight,
        spread: true,
    }
}

/// Exactly `value`.
const fn just(value: i64, weight: u32) -> Span {
    even(value, value, weight)
}

/// Where realistic values lie: weighted spans (numbers count hundredths, two decimals).
pub(crate) type Rule = &'static [Span];

/// Player characters: the 2010–2016 block and the block used since.
const CHARACTER: Rule = &[
    even(90_000_000, 97_999_999, 2),
    even(2_112_000_000, 2_129_999_999, 3),
];
/// Player corporations, now and then an NPC corporation.
const CORPORATION: Rule = &[
    even(98_000_000, 98_799_999, 9),
    even(1_000_002, 1_000_182, 1),
];
/// NPC corporations (station owners, LP stores).
const NPC_CORPORATION: Rule = &[even(1_000_002, 1_000_182, 1)];
/// Alliances.
const ALLIANCE: Rule = &[even(99_000_000, 99_013_999, 1)];
/// A character, a corporation or an alliance (contacts, parties, assignees).
const ANY_OWNER: Rule = &[
    even(90_000_000, 97_999_999, 2),
    even(2_112_000_000, 2_129_999_999, 3),
    even(98_000_000, 98_799_999, 2),
    even(99_000_000, 99_013_999, 1),
];
/// A corporation or an alliance (war parties, sovereignty holders).
const CORP_OR_ALLIANCE: Rule = &[
    even(98_000_000, 98_799_999, 2),
    even(99_000_000, 99_013_999, 1),
];
/// Factions.
const FACTION: Rule = &[even(500_001, 500_027, 1)];
/// Item types: now and then a well-known one (minerals, PLEX, Rifter, Drake, Raven...).
const TYPE: Rule = &[
    even(18, 60_000, 12),
    even(34, 40, 3),
    just(44_992, 1),
    just(587, 1),
    just(24_698, 1),
    just(638, 1),
    just(626, 1),
    just(11_567, 1),
];
/// Skill types.
const SKILL: Rule = &[
    even(3_300, 3_455, 3),
    even(11_441, 11_584, 1),
    even(20_209, 20_533, 1),
];
/// Known-space solar systems, now and then a wormhole system.
const SOLAR_SYSTEM: Rule = &[
    even(30_000_001, 30_005_000, 9),
    even(31_000_001, 31_002_604, 1),
];
/// Constellations.
const CONSTELLATION: Rule = &[
    even(20_000_001, 20_000_838, 9),
    even(21_000_001, 21_000_335, 1),
];
/// Known-space regions.
const REGION: Rule = &[even(10_000_001, 10_000_070, 1)];
/// NPC stations.
const STATION: Rule = &[even(60_000_004, 60_015_180, 1)];
/// Player-owned structures (Upwell).
const STRUCTURE: Rule = &[even(1_020_000_000_000, 1_049_999_999_999, 1)];
/// Where things are: mostly NPC stations, often structures.
const LOCATION: Rule = &[
    even(60_000_004, 60_015_180, 7),
    even(1_020_000_000_000, 1_049_999_999_999, 3),
];
/// Celestials: planets, moons, stars, asteroid belts.
const CELESTIAL: Rule = &[even(40_000_001, 40_485_000, 1)];
/// Stargates.
const STARGATE: Rule = &[even(50_000_001, 50_014_000, 1)];
/// Items (assets, ships, containers): int64 ids past one trillion.
const ITEM: Rule = &[even(1_000_000_000_000, 1_049_999_999_999, 1)];
/// Fleets, wings and squads.
const FLEET: Rule = &[even(1_000_000_000_000, 1_199_999_999_999, 1)];
/// Wallet journal references.
const JOURNAL_REF: Rule = &[even(18_000_000_000, 22_999_999_999, 1)];
/// Market orders.
const ORDER: Rule = &[even(6_000_000_000, 6_999_999_999, 1)];
/// Market transactions.
const TRANSACTION: Rule = &[even(5_000_000_000, 6_499_999_999, 1)];
/// Contracts.
const CONTRACT: Rule = &[even(150_000_000, 229_999_999, 1)];
/// Industry jobs.
const JOB: Rule = &[even(500_000_000, 569_999_999, 1)];
/// Killmails.
const KILLMAIL: Rule = &[even(100_000_000, 129_999_999, 1)];
/// Mails.
const MAIL: Rule = &[even(300_000_000, 399_999_999, 1)];
/// Mailing lists.
const MAILING_LIST: Rule = &[even(140_000_000, 149_999_999, 1)];
/// Wars.
const WAR: Rule = &[even(1, 760_000, 1)];
/// Agents.
const AGENT: Rule = &[even(3_008_416, 3_019_500, 1)];
/// Notifications.
const NOTIFICATION: Rule = &[even(1_000_000_000, 2_199_999_999, 1)];
/// Small catalogue ids (groups, market groups, icons, graphics, dogma attributes and effects).
const GROUP: Rule = &[even(1, 4_100, 1)];
const CATEGORY: Rule = &[even(1, 91, 1)];
const MARKET_GROUP: Rule = &[even(2, 2_900, 1)];
const GRAPHIC: Rule = &[even(1, 25_000, 1)];
const DOGMA_ATTRIBUTE: Rule = &[even(1, 3_000, 1)];
const DOGMA_EFFECT: Rule = &[even(1, 8_000, 1)];
const RACE: Rule = &[just(1, 1), just(2, 1), just(4, 1), just(8, 1)];
const BLOODLINE: Rule = &[even(1, 14, 1)];
const ANCESTRY: Rule = &[even(1, 42, 1)];
const SCHEMATIC: Rule = &[even(65, 135, 1)];
/// Planetary pins.
const PIN: Rule = &[even(1_000_000_000_000, 1_049_999_999_999, 1)];

/// Market orders run 0 (immediate), 1, 3, 7, 14, 30 or 90 days; 90 most often.
const ORDER_DAYS: Rule = &[
    just(0, 1),
    just(1, 2),
    just(3, 3),
    just(7, 4),
    just(14, 4),
    just(30, 6),
    just(90, 20),
];
/// Industry jobs take minutes to weeks (seconds).
const JOB_SECONDS: Rule = &[wide(300, 3_000_000, 1)];
/// Calendar events last minutes.
const EVENT_MINUTES: Rule = &[
    just(15, 1),
    just(30, 2),
    just(60, 4),
    just(90, 2),
    just(120, 3),
    just(180, 1),
    just(240, 1),
];
/// Contracts are to be completed within days.
const CONTRACT_DAYS: Rule = &[just(1, 2), just(3, 3), just(7, 4), just(14, 3), just(30, 1)];

/// Item counts: mostly a few, sometimes millions.
const COUNT: Rule = &[wide(1, 10_000_000, 1)];
/// A market order's volume.
const ORDER_VOLUME: Rule = &[wide(1, 50_000_000, 1)];
/// Blueprint quantities: -1 an original, -2 a copy, or a stack of originals.
const BLUEPRINT_QUANTITY: Rule = &[just(-1, 6), just(-2, 3), wide(1, 100, 1)];
/// Blueprint runs: -1 an original, else a copy's runs.
const BLUEPRINT_RUNS: Rule = &[just(-1, 2), wide(1, 1_500, 1)];
/// A market order's minimum volume: almost always 1.
const MIN_VOLUME: Rule = &[just(1, 9), wide(2, 1_000, 1)];
/// A character's skill points.
const TOTAL_SP: Rule = &[wide(5_000_000, 350_000_000, 1)];
const UNALLOCATED_SP: Rule = &[just(0, 3), wide(1, 2_000_000, 1)];
/// Skill points in one skill (up to level 5 of a rank-16 skill).
const SKILL_SP: Rule = &[wide(250, 4_096_000, 1)];
const SKILL_LEVEL: Rule = &[even(0, 5, 1)];
/// Character attributes.
const ATTRIBUTE: Rule = &[even(17, 32, 1)];
/// Loyalty points and LP store costs.
const LOYALTY: Rule = &[wide(100, 2_000_000, 1)];
/// Whole ISK (LP store prices, project costs).
const WHOLE_ISK: Rule = &[wide(1_000, 5_000_000_000, 1)];
/// A star's age in years.
const STAR_AGE: Rule = &[wide(100_000_000, 15_000_000_000, 1)];
/// A star's temperature in kelvin.
const STAR_TEMPERATURE: Rule = &[even(2_000, 40_000, 1)];
/// Members of a corporation or an alliance.
const MEMBERS: Rule = &[wide(1, 12_000, 1)];
/// Pilots or kills per hour in a system.
const ACTIVITY: Rule = &[wide(1, 2_000, 1)];

/// ISK, in hundredths: prices from a hundredth to ten billion.
const ISK: Rule = &[wide(1, 1_000_000_000_000, 1)];
/// ISK held: a wallet's balance up to fifty billion.
const BALANCE: Rule = &[wide(10_000, 5_000_000_000_000, 1)];
/// A wallet journal entry: money in or out.
const ISK_CHANGE: Rule = &[wide(1, 100_000_000_000, 3), wide(-100_000_000_000, -1, 2)];
/// Character security status and standings, two decimals.
const TEN: Rule = &[even(-1_000, 1_000, 1)];
/// Solar system security status.
const SYSTEM_SECURITY: Rule = &[even(-100, 100, 1)];
/// Rates and fractions in `0..=1`.
const FRACTION: Rule = &[even(0, 100, 1)];
/// Tax rates: usually a few percent.
const TAX_RATE: Rule = &[even(0, 25, 4), even(26, 100, 1)];
/// Cubic metres.
const CUBIC_METRES: Rule = &[wide(1, 100_000_000, 1)];
/// Kilograms.
const KILOGRAMS: Rule = &[wide(100_000, 200_000_000_000, 1)];
/// Activity defence multipliers and occupancy levels.
const ADM: Rule = &[even(100, 600, 1)];

/// The properties around a value: the names of the object it is a property of.
pub(crate) trait Siblings {
    /// Whether the object has a property of this name.
    fn has(&self, name: &str) -> bool;
}

impl Siblings for [&str] {
    fn has(&self, name: &str) -> bool {
        self.contains(&name)
    }
}

impl Siblings for [Property] {
    fn has(&self, name: &str) -> bool {
        self.iter().any(|p| p.name == name)
    }
}

/// The name an item of an array property stands for (`character_ids` → `character_id`).
pub(crate) fn singular(name: &str) -> &str {
    name.strip_suffix("_ids")
        .map(|stem| &name[..stem.len() + 3])
        .unwrap_or(name)
}

/// Where a realistic integer named `name` lies, in an object with `siblings`.
pub(crate) fn integer_rule(name: &str, siblings: &(impl Siblings + ?Sized)) -> Option<Rule> {
    let name = singular(name);
    if let Some(rule) = id_rule(name, siblings) {
        return Some(rule);
    }
    let blueprint = siblings.has("material_efficiency") || siblings.has("time_efficiency");
    let order = siblings.has("is_buy_order") || siblings.has("volume_total");
    Some(match name {
        "duration" if order || siblings.has("escrow") || siblings.has("range") => ORDER_DAYS,
        "duration" if siblings.has("job_id") || siblings.has("activity_id") => JOB_SECONDS,
        "duration" if siblings.has("event_id") || siblings.has("importance") => EVENT_MINUTES,
        "days_to_complete" => CONTRACT_DAYS,
        "quantity" if blueprint => BLUEPRINT_QUANTITY,
        "runs" | "licensed_runs" => BLUEPRINT_RUNS,
        "volume_total" | "volume_remain" => ORDER_VOLUME,
        "min_volume" => MIN_VOLUME,
        "quantity" | "quantity_destroyed" | "quantity_dropped" | "raw_quantity" | "volume" => COUNT,
        "total_sp" => TOTAL_SP,
        "unallocated_sp" => UNALLOCATED_SP,
        "skillpoints_in_skill" | "level_start_sp" | "level_end_sp" | "training_start_sp" => {
            SKILL_SP
        }
        "active_skill_level" | "trained_skill_level" | "finished_level" => SKILL_LEVEL,
        "charisma" | "intelligence" | "memory" | "perception" | "willpower" => ATTRIBUTE,
        "loyalty_points" | "lp_cost" | "ak_cost" => LOYALTY,
        "isk_cost" | "approved_cost" => WHOLE_ISK,
        "age" if siblings.has("spectral_class") || siblings.has("luminosity") => STAR_AGE,
        "temperature" if siblings.has("spectral_class") => STAR_TEMPERATURE,
        "member_count" => MEMBERS,
        "ship_kills" | "npc_kills" | "pod_kills" | "ship_jumps" => ACTIVITY,
        _ => return None,
    })
}

/// Where a realistic id named `name` lies.
fn id_rule(name: &str, siblings: &(impl Siblings + ?Sized)) -> Option<Rule> {
    Some(match name {
        "character_id"
        | "ceo_id"
        | "creator_id"
        | "installer_id"
        | "bidder_id"
        | "seller_id"
        | "issuer_id"
        | "issued_by"
        | "fleet_boss_id"
        | "completed_character_id"
        | "sender_character_id"
        | "from"
        | "created_by" => CHARACTER,
        "corporation_id"
        | "executor_corporation_id"
        | "creator_corporation_id"
        | "recorded_corporation_id"
        | "issuer_corporation_id" => CORPORATION,
        "militia_corporation_id" | "owner" => NPC_CORPORATION,
        "alliance_id" => ALLIANCE,
        "faction_id" | "occupier_faction_id" | "owner_faction_id" => FACTION,
        "contact_id"
        | "acceptor_id"
        | "assignee_id"
        | "first_party_id"
        | "second_party_id"
        | "recipient_id"
        | "owner_id"
        | "client_id"
        | "tax_receiver_id"
        | "sender_id"
        | "to_corp_or_alliance_id" => ANY_OWNER,
        "against_id" | "defender_id" | "aggressor_id" | "ally_id" => CORP_OR_ALLIANCE,
        "skill_id" | "skill_type_id" => SKILL,
        "solar_system_id" | "system_id" | "staging_solar_system_id" => SOLAR_SYSTEM,
        "constellation_id" => CONSTELLATION,
        "region_id" => REGION,
        "station_id" => STATION,
        "structure_id" => STRUCTURE,
        "location_id"
        | "start_location_id"
        | "end_location_id"
        | "blueprint_location_id"
        | "output_location_id"
        | "facility_id"
        | "home_station_id" => LOCATION,
        "planet_id" | "moon_id" | "star_id" | "asteroid_belt_id" => CELESTIAL,
        "stargate_id" | "destination_stargate_id" => STARGATE,
        "item_id" | "blueprint_id" | "ship_item_id" | "container_id" | "observer_id"
        | "starbase_id" | "jump_clone_id" => ITEM,
        "fleet_id" | "wing_id" | "squad_id" => FLEET,
        "journal_ref_id" => JOURNAL_REF,
        "id" if siblings.has("ref_type") => JOURNAL_REF,
        "order_id" => ORDER,
        "transaction_id" => TRANSACTION,
        "contract_id" => CONTRACT,
        "job_id" => JOB,
        "killmail_id" => KILLMAIL,
        "mail_id" => MAIL,
        "mailing_list_id" | "to_mailing_list_id" => MAILING_LIST,
        "war_id" => WAR,
        "agent_id" => AGENT,
        "notification_id" => NOTIFICATION,
        "group_id" | "parent_group_id" => GROUP,
        "category_id" => CATEGORY,
        "market_group_id" => MARKET_GROUP,
        "graphic_id" | "icon_id" => GRAPHIC,
        "attribute_id" => DOGMA_ATTRIBUTE,
        "effect_id" => DOGMA_EFFECT,
        "race_id" => RACE,
        "bloodline_id" => BLOODLINE,
        "ancestry_id" => ANCESTRY,
        "schematic_id" => SCHEMATIC,
        "pin_id" | "source_pin_id" | "destination_pin_id" => PIN,
        _ if name == "type_id" || name.ends_with("_type_id") => TYPE,
        _ => return None,
    })
}

/// Where a realistic number named `name` lies, in hundredths (two decimals).
pub(crate) fn number_rule(name: &str, siblings: &(impl Siblings + ?Sized)) -> Option<Rule> {
    let journal = siblings.has("ref_type");
    Some(match name {
        "amount" if journal => ISK_CHANGE,
        "balance" => BALANCE,
        "price" | "isk" | "amount" | "buyout" | "collateral" | "reward" | "escrow" | "cost"
        | "tax" | "isk_destroyed" | "payout" | "average" | "highest" | "lowest" => ISK,
        _ if name.ends_with("_price") || name.ends_with("_cost") => ISK,
        "security_status" if siblings.has("star_id") || siblings.has("constellation_id") => {
            SYSTEM_SECURITY
        }
        "security_status" | "standing" => TEN,
        "tax_rate" => TAX_RATE,
        _ if name.ends_with("_tax_rate") => TAX_RATE,
        "probability"
        | "reprocessing_efficiency"
        | "reprocessing_stations_take"
        | "influence"
        | "cost_index" => FRACTION,
        "volume" | "packaged_volume" | "capacity" | "max_dockable_ship_volume" => CUBIC_METRES,
        "quantity" => COUNT,
        "mass" => KILOGRAMS,
        "vulnerability_occupancy_level" | "activity_defense_multiplier" => ADM,
        _ => return None,
    })
}

/// Percent of values of a boolean named `name` that are `true`, if EVE has a typical one.
pub(crate) fn boolean_percent(name: &str) -> Option<u64> {
    Some(match name {
        "is_buy_order" | "is_buy" => 35,
        "is_singleton" => 15,
        "is_blueprint_copy" => 30,
        "is_corporation" | "for_corporation" => 10,
        "is_read" | "read" => 70,
        "is_included" => 90,
        _ => return None,
    })
}

/// Draws from the part of `rule` inside `lo..=hi`; `None` when the rule has nothing there.
pub(crate) fn draw(rule: Rule, lo: i64, hi: i64, rng: &mut Rng) -> Option<i64> {
    let allowed: Vec<(i64, i64, Span)> = rule
        .iter()
        .filter_map(|span| {
            let (a, b) = (span.lo.max(lo), span.hi.min(hi));
            (a <= b).then_some((a, b, *span))
        })
        .collect();
    let total: u64 = allowed.iter().map(|(_, _, s)| u64::from(s.weight)).sum();
    let mut pick = rng.below(total);
    for (a, b, span) in allowed {
        let weight = u64::from(span.weight);
        if pick >= weight {
            pick -= weight;
            continue;
        }
        return Some(if span.spread {
            spread(a, b, rng)
        } else {
            rng.range_i64(a, b)
        });
    }
    None
}

/// A value in `lo..=hi` with every order of magnitude equally likely (and the sign kept).
fn spread(lo: i64, hi: i64, rng: &mut Rng) -> i64 {
    if lo < 0 && hi <= 0 {
        return -spread(-hi, lo.saturating_neg(), rng);
    }
    if lo < 1 {
        return rng.range_i64(lo, hi);
    }
    let (first, last) = (digits(lo), digits(hi));
    let decade = first + rng.below(u64::from(last - first) + 1) as u32;
    let floor = 10_i64.saturating_pow(decade - 1);
    let ceiling = 10_i64.saturating_pow(decade).saturating_sub(1);
    rng.range_i64(lo.max(floor), hi.min(ceiling))
}

/// Decimal digits of a positive number.
fn digits(n: i64) -> u32 {
    n.checked_ilog10().map_or(1, |d| d + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: &[&str] = &[];

    #[test]
    fn order_duration_is_in_days_and_job_duration_in_seconds() {
        let order: &[&str] = &["duration", "is_buy_order", "price"];
        let job: &[&str] = &["duration", "job_id", "activity_id"];
        assert_eq!(integer_rule("duration", order), Some(ORDER_DAYS));
        assert_eq!(integer_rule("duration", job), Some(JOB_SECONDS));
        assert_eq!(integer_rule("duration", NONE), None);
    }

    #[test]
    fn plural_id_lists_take_the_singular_rule() {
        assert_eq!(singular("character_ids"), "character_id");
        assert_eq!(singular("price"), "price");
        assert_eq!(integer_rule("alliance_ids", NONE), Some(ALLIANCE));
        assert_eq!(integer_rule("ship_type_id", NONE), Some(TYPE));
    }

    #[test]
    fn draw_keeps_inside_the_allowed_part() {
        let mut rng = Rng::new(5);
        for _ in 0..2_000 {
            let v = draw(LOCATION, 0, i64::from(i32::MAX), &mut rng).expect("stations fit");
            assert!((60_000_004..=60_015_180).contains(&v));
            let d = draw(ORDER_DAYS, 1, 30, &mut rng).expect("some days fit");
            assert!([1, 3, 7, 14, 30].contains(&d));
            let c = draw(ISK_CHANGE, -500, 500, &mut rng).expect("both signs fit");
            assert!((-500..=500).contains(&c) && c != 0);
        }
        assert_eq!(draw(REGION, 0, 100, &mut rng), None);
    }

    #[test]
    fn spread_reaches_every_order_of_magnitude() {
        let mut rng = Rng::new(9);
        let mut seen = [false; 8];
        for _ in 0..2_000 {
            let v = spread(1, 10_000_000, &mut rng);
            assert!((1..=10_000_000).contains(&v));
            seen[digits(v) as usize - 1] = true;
        }
        assert!(seen.iter().all(|s| *s), "{seen:?}");
    }

    #[test]
    fn every_rule_is_well_formed() {
        let names = [
            "character_id",
            "corporation_id",
            "type_id",
            "location_id",
            "price",
            "balance",
            "security_status",
            "volume_total",
            "min_volume",
            "total_sp",
        ];
        for name in names {
            let rule = integer_rule(name, NONE)
                .or_else(|| number_rule(name, NONE))
                .unwrap_or_else(|| panic!("{name} has a rule"));
            assert!(rule.iter().all(|s| s.lo <= s.hi && s.weight > 0), "{name}");
        }
    }
}
