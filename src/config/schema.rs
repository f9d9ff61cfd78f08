//! The typed configuration: every knob of the model, with units.
//!
//! Field names are the TOML keys users write, so the doc comment on each
//! field is also the user documentation of that key. Every struct denies
//! unknown fields: a typo in a scenario must fail loudly, not silently fall
//! back to a default and produce a plausible-looking wrong answer.

use serde::{Deserialize, Serialize};

/// The four blocs every country belongs to.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bloc {
    /// The United States.
    US,
    /// China.
    CN,
    /// US allies (EU, Japan, Korea, Taiwan, UK, Canada, Australia…).
    ALLY,
    /// The non-aligned Global South (India, Brazil, Indonesia, Gulf states…).
    NONALIGNED,
}

impl Bloc {
    /// All blocs in report order.
    pub const ALL: [Bloc; 4] = [Bloc::US, Bloc::CN, Bloc::ALLY, Bloc::NONALIGNED];

    /// The code used in scopes and config files.
    pub fn code(self) -> &'static str {
        match self {
            Bloc::US => "US",
            Bloc::CN => "CN",
            Bloc::ALLY => "ALLY",
            Bloc::NONALIGNED => "NONALIGNED",
        }
    }

    /// Position in [`Bloc::ALL`], for array indexing.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Whether a lab publishes its weights.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Release {
    /// Weights published: anyone can run and fine-tune the model.
    Open,
    /// API access only.
    Closed,
}

/// A US export rule for one chip type to one destination bloc.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ExportRule {
    /// Sold freely.
    Allow,
    /// Not sold legally; some demand leaks through smuggling.
    Ban,
    /// Sold under licence: the US government takes a revenue share, volumes may be capped.
    License,
}

/// China's stance on importing a foreign chip type.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ImportStance {
    /// Chinese buyers may buy it (if the US lets them).
    Allow,
    /// Customs stop it, whatever the US allows.
    Block,
}

/// Whether Chinese labs may rent compute in data centers abroad.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RemoteAccess {
    /// Renting abroad is allowed ("train abroad" in Singapore, Malaysia…).
    Allow,
    /// A remote-access rule forbids it.
    Ban,
}

/// The whole model configuration.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Name used in reports and the default output folder.
    pub name: String,
    /// Calendar, horizon and seed.
    pub run: RunCfg,
    /// Firm population and the Bass adoption process.
    pub firms: FirmsCfg,
    /// Coefficients of the multinomial logit firms use to pick a stack.
    pub stack_choice: StackChoiceCfg,
    /// Economic sectors firms belong to.
    pub sectors: Vec<SectorCfg>,
    /// Physical build-out parameters that differ by bloc.
    pub blocs: BlocsCfg,
    /// The countries simulated.
    pub countries: Vec<CountryCfg>,
    /// Explicit power markets (US regional markets, Chinese grids). Countries not
    /// listed here get one market named `<code>-grid` from their own fields.
    #[serde(default)]
    pub power_markets: Vec<PowerMarketCfg>,
    /// Chip types on the market.
    pub chips: Vec<ChipCfg>,
    /// Frontier and open-weight labs.
    pub labs: Vec<LabCfg>,
    /// How labs turn chips, talent and data into capability.
    pub lab_dynamics: LabDynamicsCfg,
    /// Where labs' money comes from besides inference revenue: private and corporate
    /// capital per bloc, allocated by capability.
    pub capital: CapitalCfg,
    /// How chip prices, stocks and production respond to the market.
    pub chip_market: ChipMarketCfg,
    /// Shared supply constraints (HBM, advanced-node wafers) that cap the combined
    /// output of the chips naming them.
    #[serde(default)]
    pub supply_limits: Vec<SupplyLimitCfg>,
    /// Data-center parameters shared by all countries.
    pub datacenters: DataCenterCfg,
    /// How chip buyers (labs, clouds) choose and size their orders.
    #[serde(default)]
    pub chip_buyers: ChipBuyersCfg,
    /// Who downloads open-weight models: firms, developers, hobbyists.
    #[serde(default)]
    pub downloads: DownloadsCfg,
    /// How non-aligned and allied countries drift between the stacks.
    pub alignment: AlignmentCfg,
    /// Government policy levers.
    pub policy: PolicyCfg,
    /// Policy changes at given ticks (each entry is a list of `--set`-style assignments).
    #[serde(default)]
    pub schedule: Vec<ScheduleEntry>,
}

/// Calendar and seed.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RunCfg {
    /// Calendar year of tick 0.
    pub start_year: i32,
    /// Quarter (1–4) of tick 0.
    pub start_quarter: u32,
    /// Number of quarters simulated.
    pub ticks: u32,
    /// Master seed; `--seed` overrides it.
    pub seed: u64,
}

/// Firm population and adoption dynamics.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FirmsCfg {
    /// Number of firm agents, spread over (country, sector) peer groups by GDP × sector
    /// share, after every group has received `min_per_group` agents. Each agent stands for
    /// its group's real firms divided by its agents (the group's weight).
    pub count: u64,
    /// Fewest agents in any (country, sector) peer group with firms (the Bass peer group
    /// must be big enough for its peer share to mean something). When `count` is below
    /// groups × this floor, every group gets the floor and the run has more agents than `count`.
    #[serde(default)]
    pub min_per_group: u64,
    /// Real firms per trillion USD of GDP, millions, for countries without `firms_m`.
    #[serde(default = "firms_per_usd_tn")]
    pub firms_m_per_usd_tn: f64,
    /// How the share of firms for which AI is worth adopting moves, and when firms abandon it.
    #[serde(default)]
    pub potential: PotentialCfg,
    /// Bass innovation coefficient per quarter.
    pub p: f64,
    /// Bass imitation coefficient per quarter.
    pub q: f64,
    /// Scale p and q by model utility, sentiment and policy. Off = the pure Bass model.
    pub utility_terms: bool,
    /// How strongly the best accessible model's capability scales p and q.
    pub utility_capability_weight: f64,
    /// Capability (log10 effective FLOP) at which the utility multiplier is 1.
    pub utility_reference_capability: f64,
    /// Lowest multiplier the best model's capability can put on p and q.
    #[serde(default = "utility_min")]
    pub utility_min: f64,
    /// Highest multiplier the best model's capability can put on p and q.
    #[serde(default = "utility_max")]
    pub utility_max: f64,
    /// How strongly public sentiment (share seeing more benefits than drawbacks) scales p and q.
    pub sentiment_weight: f64,
    /// Sentiment at which the sentiment multiplier is 1 (the world average).
    #[serde(default = "sentiment_reference")]
    pub sentiment_reference: f64,
    /// Probability per quarter that an adopter re-evaluates its stack.
    pub reevaluate_prob: f64,
    /// Intensity of use of a new adopter (0–1).
    pub intensity_start: f64,
    /// Per-quarter growth of intensity toward 1 when inference demand is fully served.
    pub intensity_growth: f64,
    /// World inference demand, H100-equivalents, if every firm used AI at intensity 1.
    /// Each country carries its GDP share of it, times the mean size × intensity of its
    /// (weighted) firms, so results do not depend on how many agents simulate the economy.
    pub full_adoption_demand_h100e: f64,
    /// Log-normal sigma of firm size (mean size is 1).
    pub size_sigma: f64,
}

/// The market potential m of each peer group, and abandonment.
///
/// `m = sector.market_potential × logistic(midpoint + capability_weight × (cap − ref)
///      − price_weight × ln(price / reference_price)) × served^served_elasticity`,
/// where (cap, price) is the best reachable stack's offer (the one with the highest
/// capability and price term) and `served` the share of the country's inference demand
/// its chips and power served last quarter. With `firms.utility_terms = false`,
/// m is the sector's market potential and nobody abandons (the pure Bass model).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PotentialCfg {
    /// Logit of the worth-adopting share when the best model is at the reference
    /// capability (`firms.utility_reference_capability`) and price.
    pub midpoint: f64,
    /// Per order of magnitude of capability above the reference.
    pub capability_weight: f64,
    /// Per unit of log price above the reference price (positive: dearer lowers m).
    pub price_weight: f64,
    /// Price at which the price term is 0, USD per million tokens.
    pub reference_price_usd_per_mtok: f64,
    /// Elasticity of m to the served share of the country's inference demand.
    pub served_elasticity: f64,
    /// Served share below which a quarter counts as "not served".
    pub unserved_below: f64,
    /// Consecutive quarters not served after which adopters start to abandon.
    pub abandon_after_ticks: u32,
    /// Probability per quarter that an adopter abandons AI once its country has not been
    /// served for `abandon_after_ticks` quarters.
    pub abandon_hazard: f64,
}

impl Default for PotentialCfg {
    fn default() -> Self {
        PotentialCfg {
            midpoint: 1.5,
            capability_weight: 0.3,
            price_weight: 0.3,
            reference_price_usd_per_mtok: 10.0,
            served_elasticity: 1.0,
            unserved_below: 0.5,
            abandon_after_ticks: 4,
            abandon_hazard: 0.05,
        }
    }
}

/// Starting stack shares of adopters in one bloc (normalised over the stacks available there).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StackSharesCfg {
    /// US closed models (OpenAI, Anthropic, Google…).
    pub us_closed: f64,
    /// US open weights (Llama, Nemotron…).
    pub us_open: f64,
    /// Chinese open weights (DeepSeek, Qwen…).
    pub cn_open: f64,
    /// Chinese closed models (Doubao, Ernie…).
    pub cn_closed: f64,
    /// Everyone else (Mistral, Cohere…).
    pub other: f64,
}

impl StackSharesCfg {
    /// Shares in stack order (`Stack::ALL`).
    pub fn to_array(&self) -> [f64; 5] {
        [
            self.us_closed,
            self.us_open,
            self.cn_open,
            self.cn_closed,
            self.other,
        ]
    }
}

/// Starting stack shares per bloc.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StartSharesCfg {
    /// United States.
    #[serde(rename = "US")]
    pub us: StackSharesCfg,
    /// China.
    #[serde(rename = "CN")]
    pub cn: StackSharesCfg,
    /// Allies.
    #[serde(rename = "ALLY")]
    pub ally: StackSharesCfg,
    /// Non-aligned.
    #[serde(rename = "NONALIGNED")]
    pub nonaligned: StackSharesCfg,
}

impl StartSharesCfg {
    /// Shares of `bloc`.
    pub fn get(&self, bloc: Bloc) -> &StackSharesCfg {
        match bloc {
            Bloc::US => &self.us,
            Bloc::CN => &self.cn,
            Bloc::ALLY => &self.ally,
            Bloc::NONALIGNED => &self.nonaligned,
        }
    }
}

/// Who downloads open weights, and how a download is counted.
///
/// Downloads of a stack's weights this quarter = firms running it (GDP-weighted usage,
/// more where they customise) + developers who pick it + a hobbyist/research pool that
/// follows capability. Downloads made in China count at `cn_visibility`, because the
/// published shares are Hugging Face's and Hugging Face is blocked in mainland China
/// (Chinese developers use ModelScope).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DownloadsCfg {
    /// Downloads per quarter per trillion USD of GDP running open weights at full intensity.
    pub per_usd_tn_usage: f64,
    /// Extra downloads per unit of the sector's customisation need (fine-tuning).
    pub customisation_boost: f64,
    /// Downloads per developer per quarter.
    pub per_developer: f64,
    /// Developers per trillion USD of GDP, millions, for countries without `developers_m`.
    pub developers_m_per_usd_tn: f64,
    /// Share of all downloads from hobbyists and researchers (0–1), split over open
    /// labs by capability (`lab_dynamics.download_sensitivity`).
    pub hobby_share: f64,
    /// Weight of downloads made in China in the counted (Hugging Face) total.
    pub cn_visibility: f64,
}

impl Default for DownloadsCfg {
    fn default() -> Self {
        DownloadsCfg {
            per_usd_tn_usage: 1.0,
            customisation_boost: 1.0,
            per_developer: 1.0,
            developers_m_per_usd_tn: 0.5,
            hobby_share: 0.2,
            cn_visibility: 0.2,
        }
    }
}

/// Multinomial-logit utility coefficients for stack choice.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct StackChoiceCfg {
    /// Per unit of capability (log10 effective FLOP).
    pub capability: f64,
    /// Per unit of log price (negative: dearer is worse).
    pub price: f64,
    /// Openness times the sector's customisation need.
    pub openness_customisation: f64,
    /// Openness times the country's local-cloud availability (open weights run locally):
    /// availability is `x / (x + local_cloud_half_gw_per_usd_tn)` with x the country's
    /// running AI data-center capacity per trillion USD of GDP.
    pub local_cloud: f64,
    /// Running AI data-center GW per trillion USD of GDP at which local-cloud availability is 1/2.
    #[serde(default = "local_cloud_half")]
    pub local_cloud_half_gw_per_usd_tn: f64,
    /// How far capacity built on one bloc's chips hosts the other bloc's models (0–1):
    /// 1 lets every stack use all local capacity, 0 confines each bloc's models to
    /// capacity on its own chips. Defaults to 1 (no split) for configs that omit it.
    #[serde(default = "cross_origin_hosting")]
    pub cross_origin_hosting: f64,
    /// Government alignment toward the stack's bloc (−1 … 1).
    pub alignment: f64,
    /// The stack's share among local adopters last quarter (network effect).
    pub network: f64,
    /// Penalty for leaving the current stack.
    pub switching_cost: f64,
    /// Adopters' stack shares per bloc at the start. New adopters' choice is calibrated to
    /// them (a constant per bloc and stack fitted at tick 0), so the logit's other terms
    /// move shares away from where the world starts rather than setting them.
    pub start_shares: StartSharesCfg,
}

/// A sector of the economy.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SectorCfg {
    /// Sector name.
    pub name: String,
    /// Share of firms in this sector (shares sum to 1).
    pub share: f64,
    /// Models run inside physical products (manufacturing, EVs, robots, devices).
    pub embodied: bool,
    /// How much firms need to customise models (0–1); favours open weights.
    pub customisation_need: f64,
    /// Highest share of the sector's firms for which AI can be worth adopting (the ceiling
    /// of the Bass model's market potential m, which moves with `firms.potential`); 1 by default.
    #[serde(default = "one")]
    pub market_potential: f64,
}

/// Per-bloc physical parameters.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BlocsCfg {
    /// United States.
    #[serde(rename = "US")]
    pub us: BlocCfg,
    /// China.
    #[serde(rename = "CN")]
    pub cn: BlocCfg,
    /// Allies.
    #[serde(rename = "ALLY")]
    pub ally: BlocCfg,
    /// Non-aligned.
    #[serde(rename = "NONALIGNED")]
    pub nonaligned: BlocCfg,
}

impl BlocsCfg {
    /// Parameters of `bloc`.
    pub fn get(&self, bloc: Bloc) -> &BlocCfg {
        match bloc {
            Bloc::US => &self.us,
            Bloc::CN => &self.cn,
            Bloc::ALLY => &self.ally,
            Bloc::NONALIGNED => &self.nonaligned,
        }
    }
}

/// Build-out speeds and grid rules of one bloc.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BlocCfg {
    /// Quarters from interconnection approval to a running data center.
    pub dc_build_ticks: u32,
    /// Quarters from starting new generation to it being online.
    pub gen_lead_ticks: u32,
    /// Most new generation a utility can start per year, as a share of its capacity.
    pub gen_build_rate: f64,
    /// Reserve margin utilities plan for.
    pub target_margin: f64,
    /// Reserve margin below which no new data center is connected.
    pub critical_margin: f64,
    /// Most new data-center capacity a country starts per quarter, as a share of its current capacity.
    pub dc_start_rate: f64,
    /// Data-center capacity per quarter, country-wide, that developers can power with
    /// their own on-site generation when the grid cannot connect them, GW.
    #[serde(default)]
    pub onsite_power_gw_per_tick: f64,
}

/// One country.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CountryCfg {
    /// ISO-like code used as scope (e.g. `DE`).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Bloc membership.
    pub bloc: Bloc,
    /// Region, for the gravity-like trade network (same region trades more).
    pub region: String,
    /// GDP, trillions of USD.
    pub gdp_usd_tn: f64,
    /// Real firms, millions (defaults to GDP × `firms.firms_m_per_usd_tn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firms_m: Option<f64>,
    /// Software developers, millions (defaults to GDP × `downloads.developers_m_per_usd_tn`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub developers_m: Option<f64>,
    /// Share of the public seeing more benefits than drawbacks in AI (0–1).
    pub sentiment: f64,
    /// Initial alignment: +1 fully with the US stack, −1 with the Chinese.
    pub alignment: f64,
    /// Huawei's presence in the country's digital infrastructure (0–1).
    pub huawei_presence: f64,
    /// Share of firms already using AI at the start.
    pub initial_adoption: f64,
    /// Data-center capacity at the start, GW.
    pub dc_gw: f64,
    /// AI data-center capacity already connected and under construction at the start, GW;
    /// it comes online evenly over the bloc's build time.
    #[serde(default)]
    pub dc_pipeline_gw: f64,
    /// Generating capacity, GW (only for countries without explicit power markets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity_gw: Option<f64>,
    /// Base peak load, GW (only for countries without explicit power markets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peak_gw: Option<f64>,
    /// Base load growth per year (only for countries without explicit power markets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load_growth: Option<f64>,
}

impl CountryCfg {
    /// Real firms, millions: the sourced count, or GDP × `per_usd_tn`.
    pub fn firms_m(&self, per_usd_tn: f64) -> f64 {
        self.firms_m.unwrap_or(self.gdp_usd_tn * per_usd_tn)
    }

    /// Developers, millions: the sourced count, or GDP × `per_usd_tn`.
    pub fn developers_m(&self, per_usd_tn: f64) -> f64 {
        self.developers_m.unwrap_or(self.gdp_usd_tn * per_usd_tn)
    }
}

/// An explicit power market (utility).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PowerMarketCfg {
    /// Scope id, prefixed by the country code (e.g. `US-PJM`).
    pub id: String,
    /// Country code.
    pub country: String,
    /// Firm generating capacity, GW.
    pub capacity_gw: f64,
    /// Base (non-data-center) peak load, GW.
    pub peak_gw: f64,
    /// Base load growth per year.
    pub load_growth: f64,
    /// Share of the country's data centers sited in this market (shares per country sum to 1).
    pub dc_share: f64,
}

/// A chip type.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChipCfg {
    /// Name (e.g. `H200`).
    pub name: String,
    /// Bloc of the designer; US chips are subject to US export rules.
    pub designer: Bloc,
    /// Dense BF16 training TFLOPS.
    pub train_tflops: f64,
    /// Effective inference TFLOPS.
    pub infer_tflops: f64,
    /// Power per chip including its share of the server, W.
    pub watts: f64,
    /// List price, USD.
    pub price_usd: f64,
    /// Units produced per quarter when introduced.
    pub capacity_per_tick: f64,
    /// Growth of production capacity per year.
    pub capacity_growth: f64,
    /// First tick it is produced.
    pub intro_tick: u32,
    /// Share of peak training FLOPs usable in practice (software stack, interconnect,
    /// yields), relative to Nvidia's mature stack; 1 by default.
    #[serde(default = "one")]
    pub software_efficiency: f64,
    /// Experience curve: share of the price shed per doubling of cumulative output (0 = none).
    #[serde(default)]
    pub learning_rate: f64,
    /// Designer (Nvidia, AMD, Huawei, Cambricon…), for reports.
    #[serde(default)]
    pub vendor: String,
    /// Name of the shared supply limit (see `supply_limits`) this chip's output counts against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supply_limit: Option<String>,
    /// A part made for one bloc's market only (the A800, H800 and H20 were sold to China
    /// alone): buyers elsewhere cannot order it. None: sold to anyone rules allow.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub only_for: Option<Bloc>,
}

/// A shared supply constraint: the chips naming it can together produce at most
/// `units_per_tick` (growing at `growth` a year, plus Beijing's import-substitution
/// push when `import_substitution` is set).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SupplyLimitCfg {
    /// Name chips refer to.
    pub name: String,
    /// Units (chips) per quarter at the start.
    pub units_per_tick: f64,
    /// Growth of the limit per year.
    pub growth: f64,
    /// Beijing's subsidies and protection add to this limit's growth.
    #[serde(default)]
    pub import_substitution: bool,
}

fn one() -> f64 {
    1.0
}

fn firms_per_usd_tn() -> f64 {
    0.2
}

fn local_cloud_half() -> f64 {
    0.2
}

fn cross_origin_hosting() -> f64 {
    1.0
}

fn utility_min() -> f64 {
    0.1
}

fn utility_max() -> f64 {
    2.0
}

fn sentiment_reference() -> f64 {
    0.5
}

pub(super) fn yes() -> bool {
    true
}

/// A lab.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LabCfg {
    /// Name.
    pub name: String,
    /// Home country code.
    pub country: String,
    /// Open or closed weights.
    pub release: Release,
    /// Money for compute at the start (about one quarter's spending), USD. Later budgets
    /// come from inference revenue and capital (see `[capital]`).
    pub budget_usd_per_tick: f64,
    /// Research talent index (US frontier labs = 1).
    pub talent: f64,
    /// Data quality index (1 = frontier practice).
    pub data_quality: f64,
    /// Algorithmic efficiency multiplier at the start (1 = best US practice in 2026Q1).
    pub algo_efficiency: f64,
    /// Owned compute at the start, H100-equivalents.
    pub chips_h100e: f64,
    /// Quarters between releases.
    pub release_every: u32,
}

/// How labs turn compute into capability.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LabDynamicsCfg {
    /// Natural-log growth of algorithmic efficiency per quarter at talent 1.
    pub algo_growth_per_tick: f64,
    /// Elasticity of that growth to talent.
    pub talent_elasticity: f64,
    /// Distillation: share of the gap to the best open-weight model a lab closes per quarter
    /// while that model is new (the pull decays with the model's age).
    pub open_spillover: f64,
    /// Quarters over which the distillation pull of an open model decays by e.
    pub distill_decay_ticks: f64,
    /// Most a lab's capability can exceed what it trained itself, by distillation
    /// (orders of magnitude of effective compute).
    pub distill_margin: f64,
    /// Tokens served per quarter by one H100e of inference at algorithmic efficiency 1;
    /// a lab's tokens scale with its efficiency (revenue = price × tokens).
    pub tokens_per_h100e_tick: f64,
    /// Within a stack, how sharply users concentrate on the best model (per capability point).
    pub revenue_capability_sensitivity: f64,
    /// Model FLOP utilisation of powered chips.
    pub mfu: f64,
    /// Share of a lab's compute that goes into the frontier training run.
    pub training_fraction: f64,
    /// Yearly growth of the length of frontier training runs (in release cycles of compute).
    pub run_duration_growth: f64,
    /// Ceiling on that lengthening, as a multiple of one release cycle.
    pub max_run_duration_factor: f64,
    /// Capability points (log10 FLOP) per unit of log10 data quality.
    pub data_weight: f64,
    /// Quarters a chip stays in service.
    pub chip_life_ticks: u32,
    /// Inference price at the start for a frontier model, USD per million tokens.
    pub price_usd_per_mtok: f64,
    /// Discount of self-hosted open weights relative to API prices.
    pub open_price_discount: f64,
    /// Margin of rental over the owner's cost (capital over the chip's life plus power).
    pub rental_margin: f64,
    /// Share of allied and non-aligned countries' inference compute offered for rent to
    /// foreign labs.
    pub rental_share_of_host_compute: f64,
    /// Elasticity of a lab's rent-or-own split to the cost ratio of the two.
    pub rent_elasticity: f64,
    /// How sharply open-model downloads concentrate on the best models (per capability point).
    pub download_sensitivity: f64,
    /// Frontier pace before the start, capability points per year: the documented
    /// pre-2026 history the gap in months is read from.
    pub prehistory_pace_per_year: f64,
}

/// Capital per bloc, USD per quarter at the start.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BlocCapital {
    /// United States.
    #[serde(rename = "US")]
    pub us: f64,
    /// China.
    #[serde(rename = "CN")]
    pub cn: f64,
    /// Allies.
    #[serde(rename = "ALLY")]
    pub ally: f64,
    /// Non-aligned.
    #[serde(rename = "NONALIGNED")]
    pub nonaligned: f64,
}

impl BlocCapital {
    /// Value for `bloc`.
    pub fn get(&self, bloc: Bloc) -> f64 {
        match bloc {
            Bloc::US => self.us,
            Bloc::CN => self.cn,
            Bloc::ALLY => self.ally,
            Bloc::NONALIGNED => self.nonaligned,
        }
    }
}

/// Private and corporate capital for labs.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct CapitalCfg {
    /// Capital flowing to each bloc's labs per quarter at the start (venture and corporate).
    pub private_usd_per_tick: BlocCapital,
    /// Elasticity of a bloc's capital inflow to its labs' inference revenue (relative to the start).
    pub revenue_elasticity: f64,
    /// Most a bloc's capital inflow can grow over its start value (a ceiling).
    pub max_growth_multiple: f64,
    /// How sharply capital goes to the bloc's best labs (per capability point behind).
    pub rank_sensitivity: f64,
    /// Share of revenue and capital spent on compute (the rest pays staff and other costs).
    pub compute_share: f64,
    /// Labs raise capital only up to this many quarters of last quarter's spending in cash.
    pub cash_buffer_ticks: f64,
}

/// How the chip market adjusts.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChipMarketCfg {
    /// Elasticity of a chip's price to its demand / supply ratio, per quarter.
    pub price_elasticity: f64,
    /// Largest price change in one quarter (share).
    pub max_price_step: f64,
    /// Lowest price as a share of the chip's cost trend (makers stop selling below cost).
    pub price_floor: f64,
    /// Highest price as a multiple of the chip's cost trend.
    pub price_cap: f64,
    /// Share of unsold stock that becomes obsolete each quarter.
    pub obsolescence_per_tick: f64,
    /// Most unsold stock a maker keeps, in quarters of its production capacity.
    pub max_inventory_ticks: f64,
    /// Years for price-performance (FLOP/s per dollar) to double, every vendor.
    pub price_performance_doubling_years: f64,
    /// Electricity price data centers pay, USD per kWh.
    pub electricity_usd_per_kwh: f64,
    /// Quarters ahead over which buyers count data centers under construction as capacity.
    pub power_plan_ticks: u32,
}

/// Data-center parameters.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct DataCenterCfg {
    /// Power usage effectiveness (facility power / IT power).
    pub pue: f64,
    /// Average load of a data center relative to its capacity.
    pub load_factor: f64,
    /// Share of each country's initial DC capacity that hosts AI chips.
    pub ai_share_start: f64,
    /// Headroom developers aim for above the power their chips need.
    pub headroom: f64,
    /// Weight of the latest quarter in the smoothed growth of chip power developers plan with.
    #[serde(default = "default_plan_growth_smoothing")]
    pub plan_growth_smoothing: f64,
    /// Highest quarterly chip-power growth developers extrapolate.
    #[serde(default = "default_plan_growth_cap")]
    pub plan_growth_cap_per_tick: f64,
    /// Most developers plan ahead, as a multiple of today's chip power.
    #[serde(default = "default_plan_ahead_cap")]
    pub plan_ahead_cap: f64,
    /// Data-center capacity a country may start per quarter even from nothing, GW.
    #[serde(default = "default_start_floor_gw")]
    pub start_floor_gw: f64,
}

fn default_plan_growth_smoothing() -> f64 {
    0.3
}
fn default_plan_growth_cap() -> f64 {
    0.2
}
fn default_plan_ahead_cap() -> f64 {
    3.0
}
fn default_start_floor_gw() -> f64 {
    0.05
}

/// How chip buyers choose and size their orders.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChipBuyersCfg {
    /// Elasticity of a chip's share of a buyer's budget to its cost per unit of performance.
    pub cost_elasticity: f64,
    /// Headroom inference buyers keep above current demand.
    pub inference_headroom: f64,
    /// Price inference buyers budget per H100e when sizing orders, USD.
    pub inference_budget_per_h100e_usd: f64,
    /// Share of their inference demand countries can serve at the start.
    pub start_inference_cover: f64,
    /// How strongly a country's alignment tilts its inference buyers toward chips of the
    /// aligned bloc (weight `exp(tilt × alignment × side)`).
    #[serde(default = "default_alignment_tilt")]
    pub alignment_tilt: f64,
    /// Domestic share of China's AI-chip purchases by value in the quarter before the start
    /// (what the adaptive import rule sees at tick 0).
    #[serde(default)]
    pub start_cn_domestic_share: f64,
}

fn default_alignment_tilt() -> f64 {
    0.5
}

impl Default for ChipBuyersCfg {
    fn default() -> Self {
        ChipBuyersCfg {
            cost_elasticity: 3.0,
            inference_headroom: 0.2,
            inference_budget_per_h100e_usd: 25_000.0,
            start_inference_cover: 0.8,
            alignment_tilt: default_alignment_tilt(),
            start_cn_domestic_share: 0.0,
        }
    }
}

/// Alignment dynamics of allied and non-aligned countries.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AlignmentCfg {
    /// Share of the gap to the target alignment closed per quarter.
    pub speed: f64,
    /// Weight of the country's own starting stance.
    pub w_home: f64,
    /// Weight of trade partners' alignment.
    pub w_trade: f64,
    /// Weight of local firms' stack shares (US stacks minus Chinese stacks).
    pub w_stacks: f64,
    /// Pull toward China per unit of Huawei presence.
    pub w_huawei: f64,
    /// Pull away from the US per unit of US friction times US trade exposure.
    pub w_friction: f64,
    /// Alignment beyond ±threshold counts as aligned with that stack.
    pub threshold: f64,
    /// Log-normal noise of the synthetic trade network.
    pub trade_noise_sigma: f64,
    /// Trade multiplier for partners in the same region.
    pub same_region_boost: f64,
}

pub use super::policy::*;
