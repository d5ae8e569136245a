//! Runs the test world by hand: every scenario of the catalogue on loopback, until Ctrl-C.
//!
//! ```text
//! cargo run -p mtasts-testkit
//! ```

use mtasts_testkit::{catalogue, World};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let scenarios = catalogue();
    let world = World::start(&scenarios).await?;
    let ca = world.write_ca(&std::env::temp_dir())?;
    println!(
        "mtasts test world: {} scenarios on loopback (demo data, not the internet)",
        scenarios.len()
    );
    println!("  DNS        {} (UDP and TCP)", world.dns);
    println!("  DoH        http://{}/dns-query", world.doh);
    println!(
        "  HTTPS port {}   SMTP port {}",
        world.https_port, world.smtp_port
    );
    println!("  test CA    {}", ca.display());
    println!();
    for s in &scenarios {
        println!("  {:<28} {}", s.domain(), s.description);
    }
    println!();
    println!(
        "check one:  mtasts check --allow-private-addresses --resolver {} --ca-file {} --policy-port {} --smtp-port {} enforce-good.test",
        world.dns,
        ca.display(),
        world.https_port,
        world.smtp_port
    );
    tokio::signal::ctrl_c().await?;
    Ok(())
}
