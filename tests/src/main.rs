//! `esi-fake`: runs the fake ESI and fake EVE SSO on loopback.

fn main() {
    eprintln!("esi-fake: not built yet");
    std::process::exit(2);
}
