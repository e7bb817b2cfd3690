//! Uses esi-store alone: its build must compile no generated ESI API.

fn main() {
    println!("token store default database: {}", esi_store::DEFAULT_DATABASE_URL);
}
