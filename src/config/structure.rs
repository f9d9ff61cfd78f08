//! What a scheduled change or a checkpoint branch may not change: the shape
//! of the world (its countries, labs, chips and power markets).

use super::schema::*;

/// A scheduled change or a checkpoint branch may change parameters, not the shape of the world.
pub fn same_structure(a: &Config, b: &Config) -> Result<(), String> {
    let names = |c: &Config| {
        (
            c.countries
                .iter()
                .map(|x| (x.code.clone(), x.bloc))
                .collect::<Vec<_>>(),
            c.power_markets
                .iter()
                .map(|m| m.id.clone())
                .collect::<Vec<_>>(),
            c.chips.iter().map(|x| x.name.clone()).collect::<Vec<_>>(),
            c.labs
                .iter()
                .map(|x| (x.name.clone(), x.country.clone()))
                .collect::<Vec<_>>(),
            c.sectors.iter().map(|x| x.name.clone()).collect::<Vec<_>>(),
        )
    };
    if a.firms.count != b.firms.count
        || a.run.seed != b.run.seed
        || a.run.start_year != b.run.start_year
    {
        return Err("firms.count, run.seed and run.start_year cannot change mid-run".into());
    }
    if names(a) != names(b) {
        return Err("countries, power markets, chips, labs and sectors cannot be added, removed or renamed mid-run".into());
    }
    Ok(())
}
