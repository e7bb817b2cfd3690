//! Calls built by name at run time, for tools such as the `esi` command line: an operation
//! from the table generated with the API (`esi_client::OPERATIONS`), parameters given as text and checked
//! against the spec's types before anything is sent, answers as JSON. They go through the same
//! pipeline as typed calls (auth, cache, limits, retries).

use std::sync::Arc;

use crate::client::Client;
use crate::decode::decode_response;
use crate::error::{Error, Result};
use crate::operation::{OperationInfo, Pagination, ParamInfo, ParamLocation, Params, path_segment};
use crate::options::CallOptions;
use crate::pages::PageProgress;
use crate::prepare::CallParts;
use crate::response::Response;
use crate::send::send_for_data;

/// Finds an operation of `operations` (a generated API's `OPERATIONS`) by resource (`market`,
/// or the tag `Market`) and name (the method name `get_markets_region_id_orders` or the
/// operation id `GetMarketsRegionIdOrders`). `esi_client::find_operation` searches its own
/// table.
pub fn find_operation(
    operations: &[&'static OperationInfo],
    resource: &str,
    name: &str,
) -> Option<&'static OperationInfo> {
    let resource = normalise(resource);
    let name_norm = normalise(name);
    operations.iter().copied().find(|op| {
        (normalise(op.resource) == resource || normalise(op.tag) == resource)
            && (normalise(op.name) == name_norm || normalise(op.id) == name_norm)
    })
}

/// Lower case without separators, so `Faction Warfare`, `faction_warfare` and
/// `faction-warfare` compare equal.
fn normalise(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// A call of an operation chosen at run time.
#[must_use = "a call does nothing until it is sent"]
#[derive(Clone)]
pub struct DynamicCall {
    client: Client,
    info: &'static OperationInfo,
    values: Vec<(&'static ParamInfo, String)>,
    body: Option<serde_json::Value>,
    options: CallOptions,
    progress: Option<PageProgress>,
}

impl std::fmt::Debug for DynamicCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DynamicCall")
            .field("operation", &self.info.id)
            .field("values", &self.values)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Starts a call of `info` (from [`find_operation`] or a generated API's `OPERATIONS`).
    pub fn call(&self, info: &'static OperationInfo) -> DynamicCall {
        DynamicCall {
            client: self.clone(),
            info,
            values: Vec::new(),
            body: None,
            options: CallOptions::default(),
            progress: None,
        }
    }
}

impl DynamicCall {
    /// The operation called.
    pub fn info(&self) -> &'static OperationInfo {
        self.info
    }

    /// Sets a parameter from text, checked against the spec: an unknown name or a value of the
    /// wrong type is an error naming what was expected.
    pub fn param(mut self, name: &str, value: impl Into<String>) -> Result<Self> {
        let value = value.into();
        let Some(param) = self.info.params.iter().find(|p| p.name == name) else {
            let known: Vec<&str> = self.info.params.iter().map(|p| p.name).collect();
            return Err(self.invalid(format!(
                "unknown parameter `{name}`; it takes: {}",
                if known.is_empty() {
                    "no parameters".to_string()
                } else {
                    known.join(", ")
                }
            )));
        };
        param
            .kind
            .check(&value)
            .map_err(|e| self.invalid(format!("parameter `{name}`: {e}")))?;
        self.values.retain(|(p, _)| p.name != name);
        self.values.push((param, value));
        Ok(self)
    }

    /// Sets the JSON request body.
    pub fn body(mut self, body: serde_json::Value) -> Self {
        self.body = Some(body);
        self
    }

    crate::options::call_option_setters!();

    /// Reports progress of [`all_pages`](Self::all_pages).
    pub fn on_page(mut self, progress: impl Fn(u32, u32) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(progress));
        self
    }

    /// The parameters still missing (required, without a spec default).
    pub fn missing(&self) -> Vec<&'static str> {
        self.info
            .params
            .iter()
            .filter(|p| p.required && p.default.is_none())
            .filter(|p| !self.values.iter().any(|(v, _)| v.name == p.name))
            .map(|p| p.name)
            .collect()
    }

    fn invalid(&self, message: String) -> Error {
        Error::InvalidOption {
            operation: self.info.id,
            message,
        }
    }

    fn parts(&self) -> Result<CallParts> {
        let missing = self.missing();
        if !missing.is_empty() {
            return Err(self.invalid(format!(
                "missing required parameter(s): {}",
                missing.join(", ")
            )));
        }
        let mut path = self.info.path.to_string();
        let mut params = Params::default();
        let mut character_id = None;
        for param in self.info.params {
            let given = self.values.iter().find(|(p, _)| p.name == param.name);
            let value = match (given, param.required, param.default) {
                (Some((_, v)), ..) => v.clone(),
                (None, true, Some(default)) => default.to_string(),
                _ => continue,
            };
            match param.location {
                ParamLocation::Path => {
                    if param.name == "character_id" {
                        character_id = value.parse().ok();
                    }
                    path = path.replace(&format!("{{{}}}", param.name), &path_segment(&value));
                }
                ParamLocation::Query => params.query.push((param.name, value)),
                ParamLocation::Header => params.headers.push((param.name, value)),
            }
        }
        let body = self
            .body
            .as_ref()
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|source| Error::Encode {
                operation: self.info.id,
                source,
            })?;
        Ok(CallParts {
            info: self.info,
            path,
            params,
            body,
            character_id,
        })
    }

    /// Sends the call; the answer as JSON with its metadata.
    pub async fn send(self) -> Result<Response<serde_json::Value>> {
        let parts = self.parts()?;
        let raw = send_for_data(&self.client, &parts, &self.options).await?;
        decode_response(self.info, raw)
    }

    /// Fetches every page of an `X-Pages` route and returns all items as one JSON array, with
    /// the page set's metadata (as [`AllPages::with_response`](crate::AllPages::with_response)).
    /// It walks the pages exactly as a typed call's `all_pages` does (the same walker): a few
    /// pages at a time in page order, refusing more than [`MAX_PAGES`](crate::MAX_PAGES),
    /// starting over when ESI's page set changes mid-way.
    /// Other routes answer as [`send`](Self::send).
    pub async fn all_pages(self) -> Result<Response<serde_json::Value>> {
        if self.info.pagination != Pagination::XPages {
            return self.send().await;
        }
        let parts = self.parts()?;
        let all = crate::pages::fetch_all::<serde_json::Value>(
            &self.client,
            &parts,
            &self.options,
            self.progress.as_ref(),
        )
        .await?;
        Ok(all.map(serde_json::Value::Array))
    }
}
