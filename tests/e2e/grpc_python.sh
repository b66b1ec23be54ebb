#!/usr/bin/env bash
# Any gRPC client, from outside: three `sanxiang serve` for one county with the certificates
# `pki init` makes, and a Python grpcio client (gRPC C-core, the stack under most non-Rust
# clients) with stubs generated from proto/: health, v1alpha reflection, a write, a read, an
# inclusion proof verified in Python, a mismatched replay refused (tests/e2e/grpc_client.py).
# Usage: tests/e2e/grpc_python.sh [path/to/sanxiang]
# Needs python3 with venv; grpcio, grpcio-tools, grpcio-reflection and grpcio-health-checking
# come from PyPI into a cached virtual environment (SANXIANG_PY_VENV, default ~/.cache).
set -euo pipefail
B=$(realpath "${1:-target/release/sanxiang}")
TOPO=cluster-config/demo.toml
REGION=hunan/changsha/liuyang
VENV=${SANXIANG_PY_VENV:-$HOME/.cache/sanxiang-grpcio}
W=$(mktemp -d)
trap 'kill $(cat "$W"/pid* 2>/dev/null) 2>/dev/null || true; rm -rf "$W"' EXIT

if ! "$VENV/bin/python" -c "import grpc, grpc_tools, grpc_reflection, grpc_health, grpc_status" 2>/dev/null; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q grpcio grpcio-tools grpcio-reflection grpcio-health-checking grpcio-status
fi
mkdir -p "$W/stubs"
"$VENV/bin/python" -m grpc_tools.protoc -I proto/proto --python_out="$W/stubs" \
  --grpc_python_out="$W/stubs" sanxiang/region.proto $(cd proto/proto && ls sanxiang/api/v1/*.proto)
touch "$W/stubs/sanxiang/__init__.py" "$W/stubs/sanxiang/api/__init__.py" "$W/stubs/sanxiang/api/v1/__init__.py"

"$B" pki init --topology "$TOPO" --out "$W/pki" >/dev/null 2>&1
"$B" pki issue --pki "$W/pki" --topology "$TOPO" --region "$REGION" --organ bureau --role clerk --name py >/dev/null
for i in 1 2 3; do
  "$B" serve --bootstrap --topology "$TOPO" --node "$REGION/$i" --data "$W/n$i" --pki "$W/pki" >>"$W/log$i" 2>&1 &
  echo $! >"$W/pid$i"
done
addr=$(python3 -c 'import tomllib,sys; t=tomllib.load(open(sys.argv[1],"rb")); print([r for r in t["region"] if r["id"]==sys.argv[2]][0]["nodes"][0]["grpc"])' "$TOPO" "$REGION")
dns=n1.liuyang.changsha.hunan.$(python3 -c 'import tomllib,sys; print(tomllib.load(open(sys.argv[1],"rb")).get("domain","sanxiang.local"))' "$TOPO")
echo "3 nodes started; Python grpcio connects to node 1 at $addr (and as $dns)"
P=$W/pki/people/$REGION/bureau
"$VENV/bin/python" tests/e2e/grpc_client.py "$W/stubs" "$W/pki/ca.pem" "$P/clerk-py.pem" "$P/clerk-py.key" "$addr" "$dns"
