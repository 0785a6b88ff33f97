//! `fundament index key`: the keys config.json trusts to sign records.

use super::OutputFormat;
use crate::index::Decision;
use crate::index::config::{Organisation, Revocation, TrustedKey};
use crate::index::publish as writing;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Trust a key to sign records of an organisation's reviewer.
    Add(KeyAddArgs),
    /// Stop trusting a key: none of its signatures counts any more.
    Revoke(KeyRevokeArgs),
    /// The trusted keys, with their owners and state.
    List(KeyListArgs),
}

#[derive(Debug, Args)]
pub struct KeyAddArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub index: PathBuf,
    /// The organisation, as records name it.
    #[arg(long)]
    pub organisation: String,
    /// The key's owner, as records name the reviewer.
    #[arg(long)]
    pub owner: String,
    /// The public key: a file (`~/.ssh/id_ed25519.pub`) or the key itself
    /// (`ssh-ed25519 AAAA…`).
    #[arg(long, value_name = "KEY")]
    pub public_key: String,
    /// The owner's e-mail address (the author address of their commits).
    #[arg(long)]
    pub email: Option<String>,
    /// The decisions the key may sign (default: all; repeatable).
    #[arg(long = "decision", value_enum, value_name = "DECISION")]
    pub decisions: Vec<Decision>,
    /// The ecosystems whose packages the key may sign for (default: all; repeatable).
    #[arg(long = "ecosystem", value_name = "ECOSYSTEM")]
    pub ecosystems: Vec<String>,
    /// The first record date the key signs for (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub valid_from: Option<String>,
    /// The last record date the key signs for (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub expires: Option<String>,
    /// Do not commit, even when the index is a git repository.
    #[arg(long)]
    pub no_commit: bool,
}

#[derive(Debug, Args)]
pub struct KeyRevokeArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub index: PathBuf,
    /// The key's fingerprint (`SHA256:…`, as `fundament index key list` shows it).
    pub fingerprint: String,
    /// Why (lost, compromised, its owner left).
    #[arg(long)]
    pub reason: String,
    /// The day of the revocation (default: today).
    #[arg(long, value_name = "DATE")]
    pub date: Option<String>,
    /// Do not commit, even when the index is a git repository.
    #[arg(long)]
    pub no_commit: bool,
}

#[derive(Debug, Args)]
pub struct KeyListArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub index: PathBuf,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

pub fn run(command: &KeyCommand) -> Result<u8, String> {
    match command {
        KeyCommand::Add(args) => add(args),
        KeyCommand::Revoke(args) => revoke(args),
        KeyCommand::List(args) => list(args),
    }
}

fn add(args: &KeyAddArgs) -> Result<u8, String> {
    let text = if args.public_key.trim_start().starts_with("ssh-")
        || args.public_key.trim_start().starts_with("ecdsa-")
        || args.public_key.trim_start().starts_with("sk-")
    {
        args.public_key.clone()
    } else {
        crate::source::read_text_bounded(Path::new(&args.public_key), crate::source::Limit::CONFIG)
            .map_err(|refusal| format!("the public key {refusal}"))?
    };
    let public = ssh_key::PublicKey::from_openssh(text.trim())
        .map_err(|e| format!("`{}` is not an OpenSSH public key: {e}", args.public_key))?;
    let fingerprint = public.fingerprint(ssh_key::HashAlg::Sha256).to_string();
    let key = TrustedKey {
        owner: args.owner.clone(),
        public_key: public
            .to_openssh()
            .map_err(|e| format!("cannot write the key: {e}"))?,
        email: args.email.clone(),
        decisions: (!args.decisions.is_empty()).then(|| args.decisions.clone()),
        ecosystems: (!args.ecosystems.is_empty()).then(|| args.ecosystems.clone()),
        valid_from: args.valid_from.clone(),
        expires: args.expires.clone(),
        revoked: None,
    };
    let message = format!(
        "Trust the key {fingerprint} of {} ({})",
        args.owner, args.organisation
    );
    writing::change_config(&args.index, &message, !args.no_commit, |config| {
        config.schema_version = config.schema_version.max(2);
        match config
            .organisations
            .iter_mut()
            .find(|o| o.name == args.organisation)
        {
            Some(organisation) => organisation.keys.push(key.clone()),
            None => config.organisations.push(Organisation {
                name: args.organisation.clone(),
                keys: vec![key.clone()],
            }),
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    crate::safe_println!("{message}");
    Ok(0)
}

fn revoke(args: &KeyRevokeArgs) -> Result<u8, String> {
    let date = args.date.clone().unwrap_or_else(writing::today_text);
    let mut owner = String::new();
    writing::change_config(
        &args.index,
        &format!("Revoke the key {}: {}", args.fingerprint, args.reason),
        !args.no_commit,
        |config| {
            for organisation in &mut config.organisations {
                for key in &mut organisation.keys {
                    let matches = ssh_key::PublicKey::from_openssh(key.public_key.trim())
                        .is_ok_and(|p| {
                            p.fingerprint(ssh_key::HashAlg::Sha256).to_string() == args.fingerprint
                        });
                    if matches {
                        if key.revoked.is_some() {
                            return Err(format!("the key {} is already revoked", args.fingerprint));
                        }
                        key.revoked = Some(Revocation {
                            date: date.clone(),
                            reason: Some(args.reason.clone()),
                        });
                        owner = key.owner.clone();
                        return Ok(());
                    }
                }
            }
            Err(format!("config.json lists no key {}", args.fingerprint))
        },
    )
    .map_err(|e| e.to_string())?;
    crate::safe_println!(
        "revoked the key {} of {owner} on {date}: none of its signatures counts any more",
        args.fingerprint
    );
    Ok(0)
}

fn list(args: &KeyListArgs) -> Result<u8, String> {
    let config = writing::open_config(&args.index).map_err(|e| e.to_string())?;
    let keyring = crate::index::signature::Keyring::from_config(&config, &[]);
    let today = crate::index::today();
    if args.format == OutputFormat::Json {
        let keys: Vec<serde_json::Value> = keyring
            .holders()
            .into_iter()
            .map(|h| {
                serde_json::json!({
                    "fingerprint": h.fingerprint,
                    "owner": h.owner,
                    "organisation": h.organisation,
                    "key": h.entry,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "approvals": config.approvals,
                "keys": keys,
                "notes": config.notes(today),
            }))
            .unwrap_or_default()
        );
        return Ok(0);
    }
    if keyring.is_empty() {
        crate::safe_println!("the index `{}` lists no signing keys", config.name);
        return Ok(0);
    }
    for holder in keyring.holders() {
        let state = match (&holder.entry.revoked, &holder.entry.expires) {
            (Some(r), _) => format!("revoked on {}", r.date),
            (None, Some(e)) => format!("signs records dated up to {e}"),
            (None, None) => "valid".to_string(),
        };
        crate::safe_println!(
            "{}  {} ({})  {state}",
            holder.fingerprint,
            holder.owner,
            holder.organisation
        );
    }
    if config.approvals > 0 {
        crate::safe_println!("approvals need {} distinct signers", config.approvals);
    }
    for note in config.notes(today) {
        crate::safe_println!("note: {note}");
    }
    Ok(0)
}
