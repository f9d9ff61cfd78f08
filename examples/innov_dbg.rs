use airace::config;
use airace::model::World;
fn main() {
    let lc = config::load(
        std::path::Path::new("configs/baseline.toml"),
        &["firms.count=3000".to_string()],
    )
    .unwrap();
    let cfg = lc.config;
    let mut w = World::new(&cfg, 1);
    for t in 0..20u32 {
        let r = w.step(&cfg);
        let _ = r;
        if t % 3 == 0 || t == 19 {
            print!("t{t:2} ");
            for (c, st) in cfg.chips.iter().zip(&w.chips) {
                if st.capacity > 0.0
                    && [
                        "B200",
                        "B300",
                        "Rubin",
                        "RubinUltra",
                        "MI450",
                        "Ascend910C",
                        "Ascend950",
                        "Ascend960",
                        "MLU590",
                        "H20",
                    ]
                    .contains(&c.name.as_str())
                {
                    print!(
                        "{}:p{:.0}k d/o{:.2} inv{:.2} | ",
                        c.name,
                        st.price_usd / 1e3,
                        st.demand / st.offered.max(1.0),
                        st.inventory / st.capacity.max(1.0)
                    );
                }
            }
            println!();
            let top = w
                .labs
                .iter()
                .max_by(|a, b| a.capability.total_cmp(&b.capability))
                .unwrap();
            let us: Vec<_> = w
                .labs
                .iter()
                .filter(|l| l.bloc == airace::config::Bloc::US)
                .take(3)
                .map(|l| {
                    format!(
                        "{} cap{:.2} own{:.2} h{:.2e} rent{:.2e} bud{:.2e} rev{:.2e} capi{:.2e}",
                        l.name,
                        l.capability,
                        l.own_capability,
                        l.train_h100e,
                        l.rented_h100e,
                        l.budget_usd,
                        l.revenue_usd,
                        l.capital_usd
                    )
                })
                .collect();
            println!(
                "   top {} {:.2}; {:?}; powered {:?} limits {:?}",
                top.name,
                top.capability,
                us,
                &w.powered_share[..2],
                w.supply_limits
            );
        }
    }
}
