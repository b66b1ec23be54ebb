// Verifies a publication in the browser: its item is a leaf of the origin region's ledger
// (RFC 6962 inclusion, SHA-256 via WebCrypto) under a tree head that the region's node signed
// (ECDSA P-256 over the head's signing bytes, the key taken from the signer's certificate).
// Nothing here trusts the server's word: the leaf, the path, the root and the signature are
// all recomputed. Whether the signer's certificate was issued by the deployment's CA is checked
// offline with `sanxiang ledger verify-head --ca ca.pem`.
"use strict";

function unhex(s) {
  if (typeof s !== "string" || s.length % 2 !== 0 || /[^0-9a-fA-F]/.test(s)) throw new Error("不是十六进制数据");
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}
function hex(b) { return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(""); }
function concat(...parts) {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
async function sha256(b) { return new Uint8Array(await crypto.subtle.digest("SHA-256", b)); }
function equal(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }

// RFC 9162 §2.1.3.2: the root an inclusion proof leads to.
async function rootFromPath(index, size, leafHash, path) {
  if (index >= size) throw new Error("叶序号超出树的大小");
  let fn = BigInt(index), sn = BigInt(size) - 1n, r = leafHash;
  for (const p of path) {
    if (sn === 0n) throw new Error("证明路径过长");
    if ((fn & 1n) === 1n || fn === sn) {
      r = await sha256(concat(new Uint8Array([1]), p, r));
      if ((fn & 1n) === 0n) { while ((fn & 1n) === 0n && fn !== 0n) { fn >>= 1n; sn >>= 1n; } }
    } else {
      r = await sha256(concat(new Uint8Array([1]), r, p));
    }
    fn >>= 1n; sn >>= 1n;
  }
  if (sn !== 0n) throw new Error("证明路径过短");
  return r;
}

// A minimal DER reader: enough to find a certificate's SubjectPublicKeyInfo and an ECDSA
// signature's two integers.
function tlv(b, off) {
  const tag = b[off];
  let len = b[off + 1], hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n < 1 || n > 3) throw new Error("证书格式不对");
    len = 0;
    for (let i = 0; i < n; i++) len = (len << 8) | b[off + 2 + i];
    hdr = 2 + n;
  }
  const start = off + hdr, end = start + len;
  if (end > b.length) throw new Error("证书格式不对");
  return { tag, start, end, whole: b.subarray(off, end) };
}
function children(b, node) {
  const out = [];
  for (let o = node.start; o < node.end;) { const c = tlv(b, o); out.push(c); o = c.end; }
  return out;
}
function spkiOf(cert) {
  const top = tlv(cert, 0);
  const tbs = children(cert, top)[0];
  const f = children(cert, tbs);
  const i = f[0].tag === 0xa0 ? 1 : 0; // explicit version
  return f[i + 5].whole; // serial, signature, issuer, validity, subject, SPKI
}
function rawSignature(der) {
  const seq = tlv(der, 0);
  const [r, s] = children(der, seq).map((x) => {
    let v = der.subarray(x.start, x.end);
    while (v.length > 32 && v[0] === 0) v = v.subarray(1);
    if (v.length > 32) throw new Error("签名格式不对");
    const out = new Uint8Array(32); out.set(v, 32 - v.length); return out;
  });
  return concat(r, s);
}
function signingBytes(head) {
  const enc = new TextEncoder();
  const be = (n) => { const b = new Uint8Array(8); new DataView(b.buffer).setBigInt64(0, BigInt(n)); return b; };
  return concat(enc.encode("sanxiang tree head v1\0"), enc.encode(head.region), new Uint8Array([0]),
    be(head.size), unhex(head.root), be(head.time_ms));
}

// Checks a proof (the JSON of `sanxiang ledger prove --json`) against a signed head (the JSON
// of `sanxiang ledger head`). Resolves to a sentence; rejects with the reason it fails.
async function sanxiangVerify(proof, head) {
  if (!window.crypto || !crypto.subtle) throw new Error("此浏览器不支持 WebCrypto（须通过 HTTPS 打开本页）");
  const data = unhex(proof.leaf_data);
  const leaf = await sha256(concat(new Uint8Array([0]), data));
  if (!equal(leaf, unhex(proof.leaf_hash))) throw new Error("公示内容与账本叶的哈希不符");
  const root = await rootFromPath(proof.leaf_index, proof.tree_size, leaf, proof.path.map(unhex));
  if (!equal(root, unhex(proof.root))) throw new Error("证明路径得不到所给的树根");
  if (Number(head.size) !== Number(proof.tree_size) || !equal(root, unhex(head.root))) throw new Error("树根与签名树头不符");
  const key = await crypto.subtle.importKey("spki", spkiOf(unhex(head.cert_der)), { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  const ok = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, rawSignature(unhex(head.signature)), signingBytes(head));
  if (!ok) throw new Error("树头签名无效");
  return "验证通过：该公示是 " + head.region + " 账本第 " + proof.leaf_index + " 号叶，包含在由节点 " + head.signer + " 签名的 " + head.size + " 叶树头（根 " + hex(root).slice(0, 16) + "…）中";
}

// Verifies and shows the result on the page; also what a reader (or a test) calls with a proof
// and head of their own, e.g. ones they altered.
async function sanxiangCheck(proof, head) {
  const out = document.getElementById("verify-result");
  out.className = "verify-result";
  out.textContent = "正在验证…";
  try {
    out.textContent = await sanxiangVerify(proof, head);
    out.classList.add("ok");
    return true;
  } catch (e) {
    out.textContent = "验证失败：" + e.message;
    out.classList.add("bad");
    return false;
  }
}
window.sanxiangCheck = sanxiangCheck;

async function verifyClicked(ev) {
  const btn = ev.currentTarget;
  const out = document.getElementById("verify-result");
  try {
    const proof = await (await fetch(btn.dataset.proof, { credentials: "omit" })).json();
    const head = await (await fetch(btn.dataset.head, { credentials: "omit" })).json();
    window.sanxiangLast = { proof, head };
    await sanxiangCheck(proof, head);
  } catch (e) {
    out.className = "verify-result bad";
    out.textContent = "验证失败：无法取得证明（" + e.message + "）";
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const b = document.getElementById("verify");
  if (b) b.addEventListener("click", verifyClicked);
});
