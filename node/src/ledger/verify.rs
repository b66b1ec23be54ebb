//! Proof verification, following RFC 9162 §2.1.3.2 and §2.1.4.2 step by step.
//! Inputs are raw byte slices so malformed (wrong-length) hashes are errors, never panics.
use super::tree::node_hash;
use super::LedgerError;

fn hash32(b: &[u8], what: &'static str) -> Result<[u8; 32], LedgerError> {
    b.try_into().map_err(|_| LedgerError::Invalid(what))
}

/// Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves with `root`.
pub fn verify_inclusion<P: AsRef<[u8]>>(
    index: u64,
    size: u64,
    leaf_hash: &[u8],
    path: &[P],
    root: &[u8],
) -> Result<(), LedgerError> {
    if index >= size {
        return Err(LedgerError::Invalid("leaf index beyond tree size"));
    }
    let mut r = hash32(leaf_hash, "leaf hash is not 32 bytes")?;
    let root = hash32(root, "root is not 32 bytes")?;
    let (mut fnode, mut snode) = (index, size - 1);
    for p in path {
        let p = hash32(p.as_ref(), "proof element is not 32 bytes")?;
        if snode == 0 {
            return Err(LedgerError::Invalid("proof too long"));
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(&p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, &p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(LedgerError::Invalid("proof too short"));
    }
    if r != root {
        return Err(LedgerError::Invalid("computed root differs"));
    }
    Ok(())
}

/// Verifies that the tree of `first` leaves with `first_root` is a prefix of the tree of
/// `second` leaves with `second_root`.
pub fn verify_consistency<P: AsRef<[u8]>>(
    first: u64,
    second: u64,
    first_root: &[u8],
    second_root: &[u8],
    proof: &[P],
) -> Result<(), LedgerError> {
    if first == 0 {
        return Err(LedgerError::Invalid(
            "consistency from an empty tree proves nothing",
        ));
    }
    if first > second {
        return Err(LedgerError::Invalid("first size is larger than second"));
    }
    if first == second {
        // As in the reference implementation: equal sizes need an empty proof and equal roots.
        if !proof.is_empty() {
            return Err(LedgerError::Invalid("equal sizes need an empty proof"));
        }
        if first_root != second_root {
            return Err(LedgerError::Invalid("equal sizes with different roots"));
        }
        return Ok(());
    }
    let r1 = hash32(first_root, "first root is not 32 bytes")?;
    let r2 = hash32(second_root, "second root is not 32 bytes")?;
    if proof.is_empty() {
        return Err(LedgerError::Invalid("empty proof"));
    }
    let mut path: Vec<[u8; 32]> = Vec::with_capacity(proof.len() + 1);
    if first.is_power_of_two() {
        path.push(r1);
    }
    for p in proof {
        path.push(hash32(p.as_ref(), "proof element is not 32 bytes")?);
    }
    let (mut fnode, mut snode) = (first - 1, second - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let mut fr = path[0];
    let mut sr = path[0];
    for c in &path[1..] {
        if snode == 0 {
            return Err(LedgerError::Invalid("proof too long"));
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(LedgerError::Invalid("proof too short"));
    }
    if fr != r1 {
        return Err(LedgerError::Invalid("first root differs"));
    }
    if sr != r2 {
        return Err(LedgerError::Invalid("second root differs"));
    }
    Ok(())
}

#[cfg(test)]
mod vectors {
    //! The public transparency-dev/merkle vectors, copied with their licence into `node/testdata/rfc6962/`.
    use std::path::{Path, PathBuf};

    use base64::Engine;

    use super::*;

    fn root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/rfc6962")
    }

    fn files(dir: &Path, out: &mut Vec<PathBuf>) {
        if let Ok(rd) = std::fs::read_dir(dir) {
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    files(&p, out);
                } else if p.extension().is_some_and(|x| x == "json") {
                    out.push(p);
                }
            }
        }
    }

    fn b64(v: &serde_json::Value) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap_or(""))
            .unwrap_or_default()
    }

    fn list(v: &serde_json::Value) -> Vec<Vec<u8>> {
        v.as_array()
            .map(|a| a.iter().map(b64).collect())
            .unwrap_or_default()
    }

    #[test]
    fn inclusion_vectors() {
        let root = root();
        let mut fs = Vec::new();
        files(&root.join("inclusion"), &mut fs);
        assert!(
            fs.len() > 50,
            "expected the vector files, found {}",
            fs.len()
        );
        for f in fs {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            let res = verify_inclusion(
                v["leafIdx"].as_u64().unwrap(),
                v["treeSize"].as_u64().unwrap(),
                &b64(&v["leafHash"]),
                &list(&v["proof"]),
                &b64(&v["root"]),
            );
            assert_eq!(
                res.is_err(),
                v["wantErr"].as_bool().unwrap(),
                "{}: {res:?}",
                f.display()
            );
        }
    }

    #[test]
    fn consistency_vectors() {
        let root = root();
        let mut fs = Vec::new();
        files(&root.join("consistency"), &mut fs);
        assert!(
            fs.len() > 30,
            "expected the vector files, found {}",
            fs.len()
        );
        for f in fs {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            let res = verify_consistency(
                v["size1"].as_u64().unwrap(),
                v["size2"].as_u64().unwrap(),
                &b64(&v["root1"]),
                &b64(&v["root2"]),
                &list(&v["proof"]),
            );
            assert_eq!(
                res.is_err(),
                v["wantErr"].as_bool().unwrap(),
                "{}: {res:?}",
                f.display()
            );
        }
    }
}
