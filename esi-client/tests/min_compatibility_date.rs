//! ESI's oldest compatibility date is written twice: in the generator
//! (`esi_codegen::MIN_COMPATIBILITY_DATE`, which refuses older resource versions at build time)
//! and in the runtime (`esi_client::MIN_COMPATIBILITY_DATE`, from `esi-runtime`, which refuses
//! older dates before a request is sent). The generator is a build dependency and must not pull
//! the runtime, so each keeps its copy; this test fails when they drift apart.

#[test]
fn the_generator_and_the_runtime_agree_on_the_oldest_date() {
    assert_eq!(
        esi_codegen::MIN_COMPATIBILITY_DATE,
        esi_client::MIN_COMPATIBILITY_DATE
    );
}
