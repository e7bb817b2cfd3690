//! [`Fleet`]: what to keep fresh, declared once, and matched against the token store's tokens:
//! "for every character whose token has scope S: these jobs", "for this corporation, with its
//! director's token: these jobs", and one-off jobs of one subject.
//!
//! A job runs while its acting character has a token holding the needed scopes; once the token
//! is gone (deleted, revoked, refused by the SSO) the job is paused with the reason, and it
//! resumes when a token comes back.

use std::collections::BTreeMap;

use esi_store::TokenStore;

use crate::error::SyncError;
use crate::job::Job;
use crate::subject::Subject;

/// What to keep fresh.
///
/// ```
/// # fn example(api: esi_client::Client) {
/// # use esi_sync::{Change, Job, handler};
/// # let job = |name: &str| {
/// #     let api = api.clone();
/// #     Job::single(
/// #         name,
/// #         move |id| api.wallet().get_characters_character_id_wallet(id).operation().clone(),
/// #         handler(|change: Change<f64>| async move { println!("{}", change.data); Ok(()) }),
/// #     )
/// # };
/// # let (wallet_job, corporation_wallets_job, skills_job) = (job("a"), job("b"), job("c"));
/// let fleet = esi_sync::Fleet::new()
///     .characters_with_scope("esi-wallet.read_character_wallet.v1", [wallet_job])
///     .corporation(98_000_001, 90_000_001, [corporation_wallets_job])
///     .one_off(esi_sync::Subject::Character(90_000_002), skills_job);
/// # let _ = fleet;
/// # }
/// ```
#[derive(Debug, Clone, Default)]
pub struct Fleet {
    rules: Vec<Rule>,
}

#[derive(Debug, Clone)]
enum Rule {
    /// Every character whose token holds `scope`.
    Characters { scope: String, jobs: Vec<Job> },
    /// One subject, acting with a token that holds the jobs' scopes.
    Subject { subject: Subject, jobs: Vec<Job> },
}

/// One job of one subject that should exist, with why it cannot run now (no token).
#[derive(Debug, Clone)]
pub(crate) struct Wanted {
    pub key: String,
    pub subject: Subject,
    pub job: Job,
    /// Why it is paused, when it is.
    pub paused: Option<String>,
}

/// A job's key: `character:90000001/wallet`.
pub(crate) fn job_key(subject: &Subject, name: &str) -> String {
    format!("{subject}/{name}")
}

impl Fleet {
    /// An empty fleet.
    pub fn new() -> Self {
        Self::default()
    }

    /// For every character whose token holds `scope`: these jobs (built from the character's
    /// id). A character whose last such token goes has its jobs paused.
    pub fn characters_with_scope(
        mut self,
        scope: impl Into<String>,
        jobs: impl IntoIterator<Item = Job>,
    ) -> Self {
        self.rules.push(Rule::Characters {
            scope: scope.into(),
            jobs: jobs.into_iter().collect(),
        });
        self
    }

    /// For this corporation: these jobs (built from the corporation's id), acting with the
    /// token of `director_id`, which must hold the jobs' scopes (ESI checks the roles).
    pub fn corporation(
        mut self,
        corporation_id: i64,
        director_id: i64,
        jobs: impl IntoIterator<Item = Job>,
    ) -> Self {
        self.rules.push(Rule::Subject {
            subject: Subject::Corporation {
                corporation_id,
                director_id,
            },
            jobs: jobs.into_iter().collect(),
        });
        self
    }

    /// One job of one subject, kept fresh while its acting character has a token holding
    /// the operation's scopes.
    pub fn one_off(mut self, subject: Subject, job: Job) -> Self {
        self.rules.push(Rule::Subject {
            subject,
            jobs: vec![job],
        });
        self
    }

    /// Every job by name, to run the stored jobs (a name used with two operations is refused).
    pub(crate) fn jobs_by_name(&self) -> Result<BTreeMap<String, Job>, SyncError> {
        let mut by_name: BTreeMap<String, Job> = BTreeMap::new();
        for rule in &self.rules {
            let jobs = match rule {
                Rule::Characters { jobs, .. } | Rule::Subject { jobs, .. } => jobs,
            };
            for job in jobs {
                match by_name.get(&job.name) {
                    Some(known) if known.operation().id != job.operation().id => {
                        return Err(SyncError::Config(format!(
                            "the job name {:?} is used for {} and {}",
                            job.name,
                            known.operation().id,
                            job.operation().id
                        )));
                    }
                    Some(_) => {}
                    None => {
                        by_name.insert(job.name.clone(), job.clone());
                    }
                }
            }
        }
        Ok(by_name)
    }

    /// The jobs the token store's tokens call for now, each with why it is paused, if it is.
    pub(crate) async fn wanted(&self, tokens: &TokenStore) -> Result<Vec<Wanted>, SyncError> {
        let mut wanted = BTreeMap::new();
        for rule in &self.rules {
            match rule {
                Rule::Characters { scope, jobs } => {
                    let holders = tokens.tokens().require_scopes(scope.as_str()).all().await?;
                    let mut characters: Vec<i64> = holders.iter().map(|t| t.character_id).collect();
                    characters.sort_unstable();
                    characters.dedup();
                    for character in characters {
                        let subject = Subject::Character(character);
                        for job in jobs {
                            let key = job_key(&subject, &job.name);
                            wanted.entry(key.clone()).or_insert(Wanted {
                                key,
                                subject,
                                job: job.clone(),
                                paused: None,
                            });
                        }
                    }
                }
                Rule::Subject { subject, jobs } => {
                    for job in jobs {
                        let scopes = job.operation().scopes;
                        let token = tokens
                            .tokens()
                            .character(subject.acting_character())
                            .require_scopes(scopes)
                            .first()
                            .await?;
                        let paused = token.is_none().then(|| {
                            format!(
                                "no token of character {} holds {}",
                                subject.acting_character(),
                                scopes.join(" ")
                            )
                        });
                        let key = job_key(subject, &job.name);
                        wanted.entry(key.clone()).or_insert(Wanted {
                            key,
                            subject: *subject,
                            job: job.clone(),
                            paused,
                        });
                    }
                }
            }
        }
        Ok(wanted.into_values().collect())
    }
}
