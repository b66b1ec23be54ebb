//! `sanxiang ledger root | prove | verify`.
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::Subcommand;
use sanxiang_proto::region as pb;
use serde::{Deserialize, Serialize};

use super::conn::{print_json, Conn};
use crate::domain::federation::items::TreeHead;
use crate::domain::Envelope;
use crate::ledger;

#[derive(Debug, Subcommand)]
pub enum LedgerCmd {
    /// Current size and root of the region's ledger.
    Root {
        #[command(flatten)]
        conn: Conn,
        #[arg(long)]
        json: bool,
    },
    /// Print a proof: inclusion of leaf --index, or consistency --from A [--to B].
    Prove {
        /// Leaf index to prove.
        #[arg(long, conflicts_with = "from")]
        index: Option<u64>,
        /// Tree size to prove against (default: current).
        #[arg(long)]
        size: Option<u64>,
        /// Consistency: the older tree size.
        #[arg(long)]
        from: Option<u64>,
        /// Consistency: the newer tree size (default: current).
        #[arg(long)]
        to: Option<u64>,
        #[command(flatten)]
        conn: Conn,
        /// Print the proof as JSON (the input of `ledger verify`).
        #[arg(long)]
        json: bool,
    },
    /// The latest signed tree head (or the one for --size), as JSON: the input of `verify-head`.
    Head {
        #[arg(long, default_value_t = 0)]
        size: u64,
        #[command(flatten)]
        conn: Conn,
    },
    /// Verify a signed tree head offline: the signer's certificate chains to the CA and names a
    /// node of the head's region, and the signature is valid. With --root, the head must carry it.
    VerifyHead {
        /// File with the output of `ledger head`.
        #[arg(long)]
        file: PathBuf,
        /// CA certificate of the deployment.
        #[arg(long, env = "SANXIANG_CA")]
        ca: PathBuf,
        /// Expected root (hex), e.g. from `ledger prove --json`.
        #[arg(long)]
        root: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Verify a proof file from `ledger prove --json`, offline. With --root, also check that
    /// the proof ends at a root you obtained elsewhere (e.g. a signed tree head).
    Verify {
        /// The proof file.
        #[arg(long)]
        proof: PathBuf,
        /// Expected root (hex).
        #[arg(long)]
        root: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

/// A proof as printed by `ledger prove --json`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum ProofFile {
    Inclusion {
        leaf_index: u64,
        tree_size: u64,
        leaf_hash: String,
        path: Vec<String>,
        root: String,
        leaf_data: String,
    },
    Consistency {
        first: u64,
        second: u64,
        first_root: String,
        second_root: String,
        path: Vec<String>,
    },
}

fn unhex(field: &str, s: &str) -> anyhow::Result<Vec<u8>> {
    hex::decode(s).with_context(|| format!("{field} is not hex"))
}

fn unhex_path(path: &[String]) -> anyhow::Result<Vec<Vec<u8>>> {
    path.iter().map(|x| unhex("path", x)).collect()
}

pub async fn run(c: LedgerCmd) -> anyhow::Result<()> {
    match c {
        LedgerCmd::Root { conn, json } => root(&conn, json).await,
        LedgerCmd::Prove {
            index,
            size,
            from,
            to,
            conn,
            json,
        } => {
            let proof = prove(&conn, index, size, from, to).await?;
            if json {
                return print_json(&proof);
            }
            print_proof(&proof);
            Ok(())
        }
        LedgerCmd::Head { size, conn } => head(&conn, size).await,
        LedgerCmd::VerifyHead {
            file,
            ca,
            root,
            json,
        } => verify_head(&file, &ca, root.as_deref(), json),
        LedgerCmd::Verify { proof, root, json } => verify(&proof, root.as_deref(), json),
    }
}

async fn root(conn: &Conn, json: bool) -> anyhow::Result<()> {
    let mut cl = conn.client()?;
    let r = cl
        .call(|mut c| async move {
            c.ledger_root(pb::LedgerRootRequest { consistency: 0 })
                .await
        })
        .await?;
    if json {
        print_json(&serde_json::json!({"size": r.size, "root": hex::encode(&r.root)}))
    } else {
        println!("size {}\nroot {}", r.size, hex::encode(&r.root));
        Ok(())
    }
}

/// Fetches an inclusion proof of leaf `index` in the tree of `size`, or a consistency proof
/// from tree size `from` to `to` (0: current).
async fn prove(
    conn: &Conn,
    index: Option<u64>,
    size: Option<u64>,
    from: Option<u64>,
    to: Option<u64>,
) -> anyhow::Result<ProofFile> {
    let mut cl = conn.client()?;
    Ok(match (index, from) {
        (Some(i), None) => {
            let req = pb::InclusionRequest {
                leaf_index: i,
                tree_size: size.unwrap_or(0),
            };
            let r = cl
                .call(|mut c| async move { c.ledger_inclusion(req).await })
                .await?;
            ProofFile::Inclusion {
                leaf_index: r.leaf_index,
                tree_size: r.tree_size,
                leaf_hash: hex::encode(&r.leaf_hash),
                path: r.path.iter().map(hex::encode).collect(),
                root: hex::encode(&r.root),
                leaf_data: hex::encode(&r.leaf_data),
            }
        }
        (None, Some(f)) => {
            let req = pb::ConsistencyRequest {
                first: f,
                second: to.unwrap_or(0),
            };
            let r = cl
                .call(|mut c| async move { c.ledger_consistency(req).await })
                .await?;
            ProofFile::Consistency {
                first: r.first,
                second: r.second,
                first_root: hex::encode(&r.first_root),
                second_root: hex::encode(&r.second_root),
                path: r.path.iter().map(hex::encode).collect(),
            }
        }
        _ => bail!("give --index N (inclusion) or --from A [--to B] (consistency)"),
    })
}

fn print_proof(proof: &ProofFile) {
    match proof {
        ProofFile::Inclusion {
            leaf_index,
            tree_size,
            leaf_hash,
            path,
            root,
            leaf_data,
        } => {
            println!("leaf {leaf_index} of {tree_size}\nleaf hash {leaf_hash}\nroot {root}");
            for p in path {
                println!("  {p}");
            }
            if let Ok(env) = hex::decode(leaf_data)
                .map_err(|e| e.to_string())
                .and_then(|b| Envelope::decode(&b).map_err(|e| e.to_string()))
            {
                println!("command: {} by {}", env.command.name(), env.actor.label());
            }
        }
        ProofFile::Consistency {
            first,
            second,
            first_root,
            second_root,
            path,
        } => {
            println!(
                "{first} → {second}\nroot {first}: {first_root}\nroot {second}: {second_root}"
            );
            for p in path {
                println!("  {p}");
            }
        }
    }
}

async fn head(conn: &Conn, size: u64) -> anyhow::Result<()> {
    let mut cl = conn.client()?;
    let r = cl
        .call(|mut c| async move {
            c.query(pb::QueryRequest {
                consistency: 0,
                what: "head".into(),
                id: size,
            })
            .await
        })
        .await?;
    println!("{}", r.json);
    Ok(())
}

/// Reads a head printed by `ledger head`: the head, the signer's certificate (DER) and the
/// signature.
fn read_head(file: &Path) -> anyhow::Result<(TreeHead, Vec<u8>, Vec<u8>)> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    let v: serde_json::Value = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a head from `ledger head`", file.display()))?;
    let field = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_str())
            .map(str::to_string)
            .with_context(|| format!("head has no {k}"))
    };
    let num = |k: &str| {
        v.get(k)
            .and_then(|x| x.as_i64())
            .with_context(|| format!("head has no {k}"))
    };
    let root_bytes: [u8; 32] = unhex("root", &field("root")?)?
        .try_into()
        .map_err(|_| anyhow::anyhow!("root is not 32 bytes"))?;
    let head = TreeHead {
        region: field("region")?,
        size: u64::try_from(num("size")?).context("size")?,
        root: root_bytes,
        time_ms: num("time_ms")?,
    };
    let cert = unhex("cert_der", &field("cert_der")?)?;
    let sig = unhex("signature", &field("signature")?)?;
    Ok((head, cert, sig))
}

fn verify_head(file: &Path, ca: &Path, root: Option<&str>, json: bool) -> anyhow::Result<()> {
    let (head, cert, sig) = read_head(file)?;
    let res = (|| -> anyhow::Result<String> {
        let id = crate::pki::tls::verify_node_cert(ca, &cert)?;
        if id.region() != head.region {
            bail!("signed by {id}, not by a node of {}", head.region);
        }
        crate::ledger::head::verify(&head, &sig, &cert)?;
        if let Some(want) = root {
            if !want.eq_ignore_ascii_case(&hex::encode(head.root)) {
                bail!("head carries root {}, not {want}", hex::encode(head.root));
            }
        }
        Ok(id.uri())
    })()
    .map_err(|e| e.to_string());
    let report = json.then(|| {
        serde_json::json!({"valid": res.is_ok(), "signer": res.as_ref().ok(), "error": res.as_ref().err()})
    });
    let line = res.map(|signer| {
        format!(
            "有效 valid: head of {} at size {} signed by {signer}",
            head.region, head.size
        )
    });
    verdict(report, line)
}

fn verify(proof: &Path, root: Option<&str>, json: bool) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(proof)
        .with_context(|| format!("cannot read {}", proof.display()))?;
    let p: ProofFile = serde_json::from_str(&text).with_context(|| {
        format!(
            "{} is not a proof from `ledger prove --json`",
            proof.display()
        )
    })?;
    let (ok_root, result) = check_proof(&p)?;
    let res = match (result, root) {
        (Ok(()), Some(want)) if !want.eq_ignore_ascii_case(&ok_root) => {
            Err(format!("proof ends at root {ok_root}, not {want}"))
        }
        (r, _) => r,
    };
    let report =
        json.then(|| serde_json::json!({"valid": res.is_ok(), "error": res.as_ref().err()}));
    let line = res.map(|()| format!("有效 valid: proof verifies against root {ok_root}"));
    verdict(report, line)
}

/// Checks a proof on its own: the root it ends at, and whether it holds.
fn check_proof(p: &ProofFile) -> anyhow::Result<(String, Result<(), String>)> {
    Ok(match p {
        ProofFile::Inclusion {
            leaf_index,
            tree_size,
            leaf_hash,
            path,
            root: r,
            leaf_data,
        } => {
            let data = unhex("leaf_data", leaf_data)?;
            let lh = unhex("leaf_hash", leaf_hash)?;
            let computed = ledger::leaf_hash(&data);
            let path = unhex_path(path)?;
            let rr = unhex("root", r)?;
            let res = if computed.as_slice() != lh.as_slice() {
                Err("leaf data does not hash to leaf_hash".to_string())
            } else {
                ledger::verify_inclusion(*leaf_index, *tree_size, &lh, &path, &rr)
                    .map_err(|e| e.to_string())
            };
            (r.clone(), res)
        }
        ProofFile::Consistency {
            first,
            second,
            first_root,
            second_root,
            path,
        } => {
            let path = unhex_path(path)?;
            let res = ledger::verify_consistency(
                *first,
                *second,
                &unhex("first_root", first_root)?,
                &unhex("second_root", second_root)?,
                &path,
            )
            .map_err(|e| e.to_string());
            (second_root.clone(), res)
        }
    })
}

/// Ends an offline check: the JSON report when asked for, else the line that says the input
/// is valid; an invalid input is an error (non-zero exit).
fn verdict(report: Option<serde_json::Value>, res: Result<String, String>) -> anyhow::Result<()> {
    if let Some(r) = &report {
        print_json(r)?;
    }
    match res {
        Ok(line) => {
            if report.is_none() {
                println!("{line}");
            }
            Ok(())
        }
        Err(e) => bail!("无效 invalid: {e}"),
    }
}
