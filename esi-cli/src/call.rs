//! `esi status` and `esi call`: any operation of the generated client by resource and name,
//! with parameters given as `--name value`, checked against the spec before anything is sent.

use esi_client::{OPERATIONS, OperationInfo, find_operation};

use crate::context::Context;
use crate::output::{self, Progress, out, printable};
use crate::{CliResult, Failure};

/// `esi status`.
pub(crate) async fn status(ctx: &Context, json: bool) -> CliResult {
    let client = ctx.client()?;
    let status = client.status().get_status().with_response().await?;
    if json {
        output::json(&serde_json::to_value(&status.data)?)?;
    } else {
        out!(
            "{} players online, server version {}, up since {}{}",
            status.data.players,
            printable(&status.data.server_version),
            status.data.start_time,
            // Optional: real answers lack it (see esi-codegen's fixes).
            if status.data.vip == Some(true) {
                " (VIP only)"
            } else {
                ""
            }
        )?;
    }
    Ok(())
}

/// Flags of `esi call` that are not operation parameters.
#[derive(Debug, Default)]
struct CallFlags {
    all_pages: bool,
    json: bool,
    help: bool,
    list: bool,
    page: Option<u32>,
    character: Option<i64>,
    body: Option<serde_json::Value>,
}

/// `esi call ...`.
pub(crate) async fn run(ctx: &Context, args: Vec<String>) -> CliResult {
    let (positional, params, flags) = parse(&args)?;
    match positional.as_slice() {
        [] if flags.list || flags.help => list(None),
        [] => Err(Failure::usage(
            "usage: esi call <resource> <operation> [--<param> <value>]... (esi call --list)",
        )),
        [resource] => {
            if !esi_client::SPEC.resources.iter().any(|r| same(r, resource)) {
                return Err(unknown_resource(resource));
            }
            list(Some(resource))
        }
        [resource, name] => {
            let info =
                find_operation(resource, name).ok_or_else(|| unknown_operation(resource, name))?;
            if flags.help {
                return describe(info);
            }
            call(ctx, info, params, flags).await
        }
        _ => Err(Failure::usage(format!(
            "unexpected argument {:?}; parameters are given as --name value",
            positional[2]
        ))),
    }
}

fn same(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_lowercase())
            .collect::<String>()
    };
    norm(a) == norm(b)
}

fn unknown_resource(resource: &str) -> Failure {
    Failure::usage(format!(
        "unknown resource {resource:?}; resources: {}",
        esi_client::SPEC.resources.join(", ")
    ))
}

fn unknown_operation(resource: &str, name: &str) -> Failure {
    let ops: Vec<&str> = OPERATIONS
        .iter()
        .filter(|op| same(op.resource, resource))
        .map(|op| op.name)
        .collect();
    if ops.is_empty() {
        return unknown_resource(resource);
    }
    Failure::usage(format!(
        "unknown operation {name:?} of {resource}; it has: {}",
        ops.join(", ")
    ))
}

/// `esi call` arguments: positionals, `--param value` pairs, call flags.
type Parsed = (Vec<String>, Vec<(String, String)>, CallFlags);

/// Splits arguments into positionals, `--param value` pairs and call flags.
fn parse(args: &[String]) -> Result<Parsed, Failure> {
    let mut positional = Vec::new();
    let mut params = Vec::new();
    let mut flags = CallFlags::default();
    let mut iter = args.iter().peekable();
    while let Some(arg) = iter.next() {
        let Some(name) = arg.strip_prefix("--") else {
            if arg == "-h" {
                flags.help = true;
            } else {
                positional.push(arg.clone());
            }
            continue;
        };
        let (name, inline) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (name, None),
        };
        match name {
            "all-pages" => flags.all_pages = true,
            "json" => flags.json = true,
            "help" => flags.help = true,
            "list" => flags.list = true,
            _ => {
                let value = match inline {
                    Some(v) => v,
                    None => iter
                        .next()
                        .cloned()
                        .ok_or_else(|| Failure::usage(format!("--{name} needs a value")))?,
                };
                match name {
                    "page" => {
                        flags.page = Some(value.parse().map_err(|_| {
                            Failure::usage(format!("--page: {value:?} is not a page number"))
                        })?)
                    }
                    "character" => {
                        flags.character = Some(value.parse().map_err(|_| {
                            Failure::usage(format!("--character: {value:?} is not a character id"))
                        })?)
                    }
                    "body" => {
                        flags.body = Some(serde_json::from_str(&value).map_err(|e| {
                            Failure::usage(format!("--body is not valid JSON: {e}"))
                        })?)
                    }
                    _ => params.push((name.to_string(), value)),
                }
            }
        }
    }
    Ok((positional, params, flags))
}

async fn call(
    ctx: &Context,
    info: &'static OperationInfo,
    params: Vec<(String, String)>,
    flags: CallFlags,
) -> CliResult {
    let client = ctx.client()?;
    let mut call = client.call(info);
    for (name, value) in params {
        call = call.param(&name, value)?;
    }
    let missing = call.missing();
    if !missing.is_empty() {
        return Err(Failure::usage(format!(
            "{} needs --{} (see: esi call {} {} --help)",
            info.name,
            missing.join(", --"),
            info.resource,
            info.name
        )));
    }
    if let Some(body) = flags.body {
        call = call.body(body);
    }
    if let Some(page) = flags.page {
        call = call.page(page);
    }
    if let Some(character) = flags.character {
        call = call.character(character);
    }
    let store;
    if !info.scopes.is_empty() {
        store = ctx.store().await.map_err(|f| match f.code {
            // Bad usage (no contact, a foreign database) is the user's to fix as it says.
            2 => f,
            _ => Failure {
                code: 3,
                error: f.error.context(format!(
                    "{} needs a token with {}; log in first with `esi login --scopes \"{}\"`",
                    info.name,
                    info.scopes.join(" "),
                    info.scopes.join(" ")
                )),
            },
        })?;
        call = call.token_source(&store.all_users_source());
    }
    let answer = if flags.all_pages {
        let progress = Progress::new(info.name, 1);
        let bar = std::sync::Arc::new(progress);
        let shown = bar.clone();
        let answer = call
            .on_page(move |done, total| shown.set(u64::from(done), u64::from(total)))
            .all_pages()
            .await;
        bar.finish();
        answer.map_err(|e| with_login_hint(info, e))?
    } else {
        call.send().await.map_err(|e| with_login_hint(info, e))?
    };
    if !flags.json {
        let count = answer
            .data
            .as_array()
            .map(|a| format!(", {} items", a.len()))
            .unwrap_or_default();
        eprintln!(
            "{} {}{}{}{}",
            info.method,
            answer.status,
            count,
            answer
                .pages
                .map(|p| format!(", {p} pages"))
                .unwrap_or_default(),
            if answer.from_cache {
                ", from cache"
            } else {
                ""
            }
        );
    }
    output::json(&answer.data)?;
    Ok(())
}

/// A missing token is the user's to fix: say how.
fn with_login_hint(info: &OperationInfo, error: esi_client::Error) -> Failure {
    let hint = matches!(error, esi_client::Error::TokenSource { .. });
    let mut failure = Failure::from(error);
    if hint {
        failure.error = failure.error.context(format!(
            "no stored token can call {}; log in first with `esi login --scopes \"{}\"`",
            info.name,
            info.scopes.join(" ")
        ));
    }
    failure
}

/// `esi call --list` / `esi call <resource>`.
fn list(resource: Option<&str>) -> CliResult {
    for r in esi_client::SPEC.resources {
        if resource.is_some_and(|want| !same(r, want)) {
            continue;
        }
        out!("{r}")?;
        for op in OPERATIONS.iter().filter(|op| op.resource == *r) {
            out!("  {:<52} {}", op.name, op.summary)?;
        }
    }
    Ok(())
}

/// `esi call <resource> <operation> --help`.
fn describe(info: &OperationInfo) -> CliResult {
    out!("{} {}: {}", info.method, info.path, info.summary)?;
    out!("  esi call {} {}", info.resource, info.name)?;
    if !info.scopes.is_empty() {
        out!("  needs a token with: {}", info.scopes.join(" "))?;
    }
    if let Some(rl) = info.rate_limit {
        out!(
            "  rate-limit group {} ({} per {} s)",
            rl.group,
            rl.max_tokens,
            rl.window_seconds
        )?;
    }
    if info.pagination == esi_client::Pagination::XPages {
        out!("  paginated: add --all-pages for every page")?;
    }
    if info.params.is_empty() {
        out!("  no parameters")?;
    }
    for p in info.params {
        let need = match (p.required, p.default) {
            (true, None) => "required".to_string(),
            (_, Some(d)) => format!("default {d}"),
            (false, None) => "optional".to_string(),
        };
        out!(
            "  --{:<24} {} ({need}) {}",
            p.name,
            p.kind.describe(),
            p.description
        )?;
    }
    Ok(())
}
